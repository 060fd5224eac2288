import type { FindingDraft, Rule } from '../finding.js'
import { awsBound, boundRoleArns } from '../graph.js'
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
      if (!awsBound(sa)) continue
      if (sa.controllers.size < 2 && sa.appNames.size < 2) continue
      const controllers = [...sa.controllers].sort()
      const bound = boundRoleArns(sa)
      const label = bound.length > 0 ? bound.map((b) => `${b.arn}${b.via === 'pod-identity' ? ' via Pod Identity' : ''}`).join(', ') : 'Pod Identity'
      out.push({
        severity: 'medium',
        message: `${sa.namespace}/${sa.name} (bound to ${label}) is used by ${controllers.length} workloads: ${controllers.slice(0, 10).join(', ')}.`,
        resources: [saRef(sa)],
        evidence: { roleArn: sa.roleArn ?? bound[0]?.arn ?? null, via: [...new Set(bound.map((b) => b.via))], workloads: controllers, appNames: [...sa.appNames].sort() },
        key: `${sa.cluster}/${sa.namespace}/${sa.name}`,
      })
    }
    return out
  },
}
