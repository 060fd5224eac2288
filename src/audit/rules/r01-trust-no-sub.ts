import type { FindingDraft, Rule, Severity } from '../finding.js'
import { escalateByTier } from '../finding.js'
import { issuerClass } from '../lib/trust-doc.js'
import { roleRef } from '../refs.js'
import { STS_AUDIENCE } from '../../model/aws-names.js'

export const r01: Rule = {
  meta: {
    ref: 'R01',
    id: 'IRSA-TRUST-001',
    title: 'OIDC trust has no sub restriction',
    severity: 'high',
    layer: 'IAM',
    rationale: 'STS decides on the trust policy alone. Without a positive condition on <issuer>:sub, every token the issuer mints is accepted: any service account in the cluster on an EKS issuer, anyone on the internet on a multi-tenant CI issuer.',
    remediation: `Add StringEquals on "<issuer>:sub": "system:serviceaccount:<namespace>:<name>" (and on "<issuer>:aud": "${STS_AUDIENCE}") to every web-identity statement.`,
    mappings: { nhi: ['NHI6', 'NHI5'], csf: ['PR.AA-03', 'PR.AA-05'], zt: ['ZT6'] },
    bindingEffect: 'over-broad',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of graph.roles) {
      for (const r of role.reach) {
        if (r.scope !== 'CLUSTER' || r.positiveSub) continue
        const cls = issuerClass(r.host)
        const base: Severity = cls === 'multi-tenant' ? 'critical' : 'high'
        const who = cls === 'eks' ? 'any service account in the cluster' : cls === 'multi-tenant' ? 'any workload on this multi-tenant issuer (anyone on the internet)' : 'any subject of the issuer'
        out.push({
          severity: escalateByTier(base, role.perms.tier),
          message: `${role.obj.arn} trusts ${r.host} with no condition on ${r.host}:sub: ${who} can assume it (tier ${role.perms.tier}).`,
          resources: [roleRef(role)],
          evidence: {
            issuer: r.host,
            issuerClass: cls,
            statements: r.admittingStatements.map((s) => s.index),
            probe: `system:serviceaccount:${graph.probe.namespace}:${graph.probe.serviceAccount}`,
            tier: role.perms.tier,
          },
          key: `${role.obj.arn}|${r.host}`,
        })
      }
    }
    return out
  },
}
