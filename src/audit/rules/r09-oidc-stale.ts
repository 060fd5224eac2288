import type { FindingDraft, Rule, Severity } from '../finding.js'
import { escalateByTier } from '../finding.js'
import { EKS_ISSUER } from '../lib/trust-doc.js'
import type { Tier } from '../permissions.js'

const ORDER: readonly Tier[] = ['P0', 'P1', 'P2', 'P3', 'P4']

export const r09: Rule = {
  meta: {
    ref: 'R09',
    id: 'IRSA-OIDC-001',
    title: 'Stale or orphan OIDC provider',
    severity: 'low',
    layer: 'IAM',
    rationale: 'A provider nobody trusts is attack surface with no owner; an EKS issuer of no audited cluster that roles still trust is a deleted or foreign cluster whose subjects can still obtain those roles.',
    remediation: 'Delete providers no role trusts; remove issuers of deleted clusters from role trusts, then delete the provider.',
    mappings: { nhi: ['NHI1'], csf: ['ID.AM-08', 'PR.AA-01'], zt: ['ZT5'] },
  },
  check({ graph, options }) {
    const providers = graph.inventory.iam.providers
    const out: FindingDraft[] = []
    if (providers === undefined) return out
    const clusterHosts = new Set([...graph.clusters.values()].map((c) => c.issuerHost?.toLowerCase()).filter((h): h is string => h !== undefined))
    const clustersGiven = graph.inventory.iam.clusters.length > 0
    for (const p of providers) {
      const refs = graph.roles.filter((r) => r.oidcStatements.some((s) => s.providers.some((x) => x.arn === p.arn)))
      const age = p.createDate === undefined ? undefined : Math.floor((options.now.getTime() - Date.parse(p.createDate)) / 86_400_000)
      const res = [{ kind: 'OIDCProvider', arn: p.arn, name: p.host, file: p.source.file }]
      if (refs.length === 0) {
        out.push({
          severity: 'low',
          message: `OIDC provider ${p.arn} is trusted by no role${age === undefined ? '' : ` (created ${age} days ago)`}.`,
          resources: res,
          evidence: { provider: p.arn, ageDays: age ?? null },
          key: `${p.arn}|orphan`,
        })
      } else if (clustersGiven && EKS_ISSUER.test(p.host) && !clusterHosts.has(p.host.toLowerCase())) {
        const worst = refs.map((r) => r.perms.tier).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))[0] ?? 'P4'
        const sev: Severity = escalateByTier('medium', worst)
        out.push({
          severity: sev,
          message: `OIDC provider ${p.arn} matches no audited cluster, yet ${refs.length} role(s) still trust it: ${refs.slice(0, 5).map((r) => r.obj.arn).join(', ')}.`,
          resources: [...res, ...refs.map((r) => ({ kind: 'IAMRole', arn: r.obj.arn, name: r.obj.name }))],
          evidence: { provider: p.arn, roles: refs.map((r) => r.obj.arn), ageDays: age ?? null, worstTier: worst },
          key: `${p.arn}|stale`,
        })
      }
    }
    return out
  },
}
