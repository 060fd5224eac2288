import type { FindingDraft, Rule } from '../finding.js'
import { escalateByTier } from '../finding.js'
import { associationsOf, findRole, tierOf } from '../graph.js'
import { roleRef, saRef } from '../refs.js'

export const r21: Rule = {
  meta: {
    ref: 'R21',
    id: 'IRSA-K8S-001',
    title: 'Default SA carries an AWS role',
    severity: 'high',
    layer: 'X',
    rationale: 'Every pod in the namespace that does not set serviceAccountName runs as default, so a role on the default service account is handed to all of them.',
    remediation: 'Create a dedicated service account for the workload that needs the role; remove the annotation (or the Pod Identity association) from default and the default subject from the trust.',
    mappings: { nhi: ['NHI9', 'NHI5'], csf: ['PR.AA-05'], zt: ['ZT3'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const sa of graph.serviceAccounts) {
      if (sa.name !== 'default' || sa.roleArn === undefined) continue
      const role = findRole(graph, sa.roleArn)
      out.push({
        severity: escalateByTier('high', tierOf(role)),
        message: `The default service account of ${sa.namespace} is annotated with ${sa.roleArn}: every pod in the namespace without serviceAccountName gets it.`,
        resources: [saRef(sa), ...(role === undefined ? [] : [roleRef(role)])],
        evidence: { roleArn: sa.roleArn, via: 'annotation', tier: tierOf(role) },
        key: `${sa.cluster}/${sa.namespace}/default|${sa.roleArn}`,
      })
    }
    for (const sa of graph.saByKey.values()) {
      if (sa.name !== 'default') continue
      for (const b of associationsOf(sa)) {
        const role = b.role
        const tier = tierOf(role)
        const target = b.assoc.roleArn ?? 'an unknown role'
        out.push({
          severity: escalateByTier('high', tier),
          message: `The default service account of ${sa.namespace} has a Pod Identity association${b.assoc.inferred ? ' (inferred from pod environment)' : ''} with ${target}: every pod in the namespace without serviceAccountName gets it.`,
          resources: [saRef(sa), ...(role === undefined ? [] : [roleRef(role)])],
          evidence: { roleArn: b.assoc.roleArn ?? null, via: 'pod-identity-association', inferred: b.assoc.inferred, associationId: b.assoc.associationId ?? null, tier },
          key: `${sa.cluster}/${sa.namespace}/default|podid|${b.assoc.roleArn ?? ''}`,
        })
      }
    }
    for (const role of graph.roles) {
      for (const r of role.reach) {
        const viaWildcard = r.anyNamespaceNames.includes('default')
        const exact = r.exactSubs.filter((e) => e.name === 'default' && e.admitted)
        if (!viaWildcard && exact.length === 0) continue
        const namespaces = viaWildcard ? ['*'] : exact.map((e) => e.namespace)
        const annotated = new Set(role.annotatedBy.filter((s) => s.name === 'default').map((s) => s.namespace))
        if (!viaWildcard && namespaces.every((n) => annotated.has(n))) continue
        out.push({
          severity: escalateByTier('high', role.perms.tier),
          message: `${role.obj.arn} trusts the default service account of ${viaWildcard ? 'every namespace' : namespaces.join(', ')} on ${r.host}.`,
          resources: [roleRef(role)],
          evidence: { issuer: r.host, namespaces, via: viaWildcard ? 'wildcard namespace' : 'exact subject', tier: role.perms.tier },
          key: `${role.obj.arn}|${r.host}|${namespaces.join(',')}`,
        })
      }
    }
    return out
  },
}
