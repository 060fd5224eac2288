import type { FindingDraft, Rule } from '../finding.js'
import { roleRef } from '../refs.js'
import { STS_AUDIENCE } from '../../model/aws-names.js'

export const r02: Rule = {
  meta: {
    ref: 'R02',
    id: 'IRSA-TRUST-002',
    title: 'OIDC trust has no aud restriction',
    severity: 'medium',
    layer: 'IAM',
    rationale: 'Without a condition on <issuer>:aud, tokens minted for another relying party of the same issuer replay to STS. The pod-identity webhook marks aud as required.',
    remediation: `Add StringEquals "<issuer>:aud": "${STS_AUDIENCE}" to the web-identity statement, and keep the provider ClientIDList to ${STS_AUDIENCE}.`,
    mappings: { nhi: ['NHI6', 'NHI4'], csf: ['PR.AA-04'], zt: ['ZT6'] },
    bindingEffect: 'over-broad',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of graph.roles) {
      for (const r of role.reach) {
        if (r.audUnrestricted !== true) continue
        const others = (r.provider?.clientIds ?? []).filter((c) => c !== STS_AUDIENCE)
        out.push({
          severity: others.length > 0 ? 'high' : 'medium',
          message: `${role.obj.arn} trusts ${r.host} without restricting ${r.host}:aud: a token with any audience is accepted${others.length > 0 ? ` (the provider also accepts ${others.join(', ')})` : ''}.`,
          resources: [roleRef(role)],
          evidence: { issuer: r.host, statements: r.statements.map((s) => s.index), probeAudience: 'zz-irsa-audit-probe-audience', providerClientIds: r.provider?.clientIds ?? null },
          key: `${role.obj.arn}|${r.host}`,
        })
      }
    }
    return out
  },
}
