import type { FindingDraft, Rule } from '../finding.js'
import { findRole } from '../graph.js'
import { roleRef, saRef } from '../refs.js'

export const r19: Rule = {
  meta: {
    ref: 'R19',
    id: 'IRSA-LIFE-003',
    title: 'Annotation/trust drift',
    severity: 'low',
    layer: 'X',
    rationale: 'The annotated role exists but its trust does not admit the service account on the cluster issuer: the pod gets no IRSA credentials, which invites widening the trust or moving permissions to the node role.',
    remediation: 'Add the exact subject (system:serviceaccount:<namespace>:<name>) and the cluster issuer to the role trust, or fix the annotation.',
    mappings: { nhi: ['NHI1'], csf: ['PR.PS-01', 'DE.CM-09'], zt: ['ZT5'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const sa of graph.serviceAccounts) {
      if (sa.roleArn === undefined) continue
      const role = findRole(graph, sa.roleArn)
      const cluster = graph.clusters.get(sa.cluster)
      if (role === undefined || cluster?.issuerHost === undefined) continue
      if (role.oidcStatements.length === 0 && role.podIdStatements.length > 0) continue
      if (sa.assumable.includes(role)) continue
      const trusted = role.reach.some((r) => r.host.toLowerCase() === (cluster.issuerHost as string).toLowerCase())
      out.push({
        severity: 'low',
        message: `${sa.namespace}/${sa.name} is annotated with ${role.obj.arn}, but the role's trust ${trusted ? 'does not admit' : `does not trust the cluster issuer ${cluster.issuerHost} for`} system:serviceaccount:${sa.namespace}:${sa.name} (audience ${sa.audience}).`,
        resources: [saRef(sa), roleRef(role)],
        evidence: { issuer: cluster.issuerHost, issuerTrusted: trusted, subject: `system:serviceaccount:${sa.namespace}:${sa.name}`, audience: sa.audience, issuerInferred: cluster.inferred },
        key: `${sa.cluster}/${sa.namespace}/${sa.name}|${role.obj.arn}`,
      })
    }
    return out
  },
}
