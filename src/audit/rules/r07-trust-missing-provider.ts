import type { FindingDraft, Rule } from '../finding.js'
import { EKS_ISSUER } from '../lib/trust-doc.js'
import { roleRef } from '../refs.js'

export const r07: Rule = {
  meta: {
    ref: 'R07',
    id: 'IRSA-TRUST-007',
    title: 'Trust references a missing or foreign OIDC provider',
    severity: 'low',
    layer: 'IAM',
    rationale: 'A Federated principal that is not a provider of the role\'s own account is a dead trust, or one that springs back to life when someone registers that issuer again.',
    remediation: 'Register the cluster issuer in the role\'s own account (cross-account IRSA works that way) or remove the dead statement.',
    mappings: { nhi: ['NHI1'], csf: ['ID.AM-08'], zt: ['ZT5'] },
  },
  check({ graph }) {
    const providers = graph.inventory.iam.providers
    const out: FindingDraft[] = []
    if (providers === undefined) return out
    const known = new Set(providers.map((p) => p.arn))
    for (const role of graph.roles) {
      for (const s of role.oidcStatements) {
        for (const p of s.providers) {
          const foreign = p.account !== role.obj.accountId
          const missing = !known.has(p.arn)
          if (!foreign && !missing) continue
          out.push({
            severity: foreign || !EKS_ISSUER.test(p.host) ? 'medium' : 'low',
            message: `${role.obj.arn} trusts ${p.arn}, which ${foreign ? `belongs to account ${p.account}, not the role's account ${role.obj.accountId}` : 'is not a registered OIDC provider'}.`,
            resources: [roleRef(role)],
            evidence: { provider: p.arn, statement: s.index, foreign, registered: !missing },
            key: `${role.obj.arn}|${p.arn}`,
          })
        }
      }
    }
    return out
  },
}
