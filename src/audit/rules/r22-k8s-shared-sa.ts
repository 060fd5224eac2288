import type { FindingDraft, Rule } from '../finding.js'
import { saRef } from '../refs.js'

export const r22: Rule = {
  meta: {
    ref: 'R22',
    id: 'IRSA-K8S-002',
    title: 'One AWS-bound SA used by many workloads',
    severity: 'medium',
    layer: 'K8s',
    rationale: 'Workloads that share an AWS-bound service account share its role: the union of their needs, and no way to tell them apart in CloudTrail.',
    remediation: 'Give each workload its own service account and role.',
    mappings: { nhi: ['NHI9'], csf: ['PR.AA-05'], zt: ['ZT3'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const sa of graph.serviceAccounts) {
      if (sa.roleArn === undefined) continue
      if (sa.controllers.size < 2 && sa.appNames.size < 2) continue
      const controllers = [...sa.controllers].sort()
      out.push({
        severity: 'medium',
        message: `${sa.namespace}/${sa.name} (bound to ${sa.roleArn}) is used by ${controllers.length} workloads: ${controllers.slice(0, 10).join(', ')}.`,
        resources: [saRef(sa)],
        evidence: { roleArn: sa.roleArn, workloads: controllers, appNames: [...sa.appNames].sort() },
        key: `${sa.cluster}/${sa.namespace}/${sa.name}`,
      })
    }
    return out
  },
}
