import type { FindingDraft, Rule } from '../finding.js'
import { findRole, tierOf } from '../graph.js'
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
      if (sa.roleArn === undefined || sa.workloads.length > 0 || !clustersWithWorkloads.has(sa.cluster)) continue
      const tier = tierOf(findRole(graph, sa.roleArn))
      out.push({
        severity: tier === 'P0' || tier === 'P1' ? 'medium' : 'low',
        message: `${sa.namespace}/${sa.name} is bound to ${sa.roleArn} but no pod or controller uses it.`,
        resources: [saRef(sa)],
        evidence: { roleArn: sa.roleArn, tier },
        key: `${sa.cluster}/${sa.namespace}/${sa.name}`,
      })
    }
    return out
  },
}
