import type { FindingDraft, Rule } from '../finding.js'
import { associationsOf, boundRoleArns, findRole, tierOf } from '../graph.js'
import { saRef } from '../refs.js'

export const r20: Rule = {
  meta: {
    ref: 'R20',
    id: 'IRSA-LIFE-004',
    title: 'IRSA-annotated SA used by no workload',
    severity: 'low',
    layer: 'K8s',
    rationale: 'An AWS-bound service account no workload uses is a standing credential path for whoever can create pods in its namespace.',
    remediation: 'Delete the service account (or its annotation) if the workload is gone.',
    mappings: { nhi: ['NHI1'], csf: ['ID.AM-08'], zt: ['ZT5'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    const clustersWithWorkloads = new Set(graph.inventory.k8s.workloads.map((w) => w.cluster))
    for (const sa of graph.serviceAccounts) {
      const bound = boundRoleArns(sa)
      const assoc = associationsOf(sa)
      if ((bound.length === 0 && assoc.length === 0) || sa.workloads.length > 0 || !clustersWithWorkloads.has(sa.cluster)) continue
      const tiers = bound.map((b) => tierOf(findRole(graph, b.arn)))
      const tier = tiers.includes('P0') ? 'P0' : tiers.includes('P1') ? 'P1' : (tiers.sort()[0] ?? 'P4')
      const what = bound.map((b) => `${b.arn}${b.via === 'pod-identity' ? ' (Pod Identity association)' : ''}`)
      out.push({
        severity: tier === 'P0' || tier === 'P1' ? 'medium' : 'low',
        message: `${sa.namespace}/${sa.name} is bound to ${what.length > 0 ? what.join(', ') : 'a role through a Pod Identity association'} but no pod or controller uses it.`,
        resources: [saRef(sa)],
        evidence: { roleArn: sa.roleArn ?? bound[0]?.arn ?? null, tier, via: [...new Set(bound.map((b) => b.via))], ...(assoc.length === 0 ? {} : { associations: assoc.map((a) => a.assoc.associationId ?? `${a.assoc.namespace}/${a.assoc.serviceAccount}`) }) },
        key: `${sa.cluster}/${sa.namespace}/${sa.name}`,
      })
    }
    return out
  },
}
