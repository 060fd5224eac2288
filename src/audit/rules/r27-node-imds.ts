import type { FindingDraft, Rule } from '../finding.js'
import { identityOf } from '../lib/workload-identity.js'
import { isSystemNamespace } from '../lib/system-namespaces.js'
import { workloadRef } from '../refs.js'

export const r27: Rule = {
  meta: {
    ref: 'R27',
    id: 'IRSA-NODE-001',
    title: 'Node IMDS credentials reachable from pods',
    severity: 'high',
    layer: 'X',
    rationale: 'Unless IMDSv2 is required with a hop limit of 1, pods inherit the node instance role; hostNetwork pods bypass the hop limit altogether.',
    remediation: 'Set metadataOptions httpTokens: required and httpPutResponseHopLimit: 1 on node classes and launch templates; avoid hostNetwork for application pods; deny egress to 169.254.169.254/32 with NetworkPolicy.',
    mappings: { nhi: ['NHI5', 'NHI4'], csf: ['PR.IR-01', 'PR.PS-01'], zt: ['ZT2'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const nc of graph.inventory.k8s.nodeClasses) {
      const problems: string[] = []
      if (nc.httpPutResponseHopLimit !== undefined && nc.httpPutResponseHopLimit > 1) problems.push(`httpPutResponseHopLimit ${nc.httpPutResponseHopLimit} > 1`)
      if (nc.httpTokens !== undefined && nc.httpTokens !== 'required') problems.push(`httpTokens ${nc.httpTokens} (IMDSv1 allowed)`)
      if (problems.length === 0) continue
      out.push({
        severity: 'high',
        message: `EC2NodeClass ${nc.name} lets pods reach the instance metadata service: ${problems.join(', ')}.`,
        resources: [{ kind: 'EC2NodeClass', cluster: nc.cluster, name: nc.name, file: nc.source.file }],
        evidence: { problems },
        key: `${nc.cluster}/${nc.name}`,
      })
    }
    for (const w of graph.inventory.k8s.workloads) {
      if (!w.pod.hostNetwork || isSystemNamespace(w.namespace) || w.owners.length > 0) continue
      if (identityOf(graph, w).kind !== 'NODE') continue
      out.push({
        severity: 'medium',
        message: `${w.kind} ${w.namespace}/${w.name} uses hostNetwork and has no IRSA or Pod Identity role: it reaches node IMDS credentials regardless of the hop limit.`,
        resources: [workloadRef(w)],
        evidence: { hostNetwork: true },
        key: `${w.cluster}/${w.namespace}/${w.kind}/${w.name}`,
      })
    }
    return out
  },
}
