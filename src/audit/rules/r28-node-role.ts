import type { FindingDraft, Rule } from '../finding.js'
import { awsBound, findRole } from '../graph.js'
import { EKS_WORKER_MINIMUM, policiesBeyond } from '../lib/node-role.js'
import { managedPolicyName } from '../permissions.js'
import { roleRef, saRef } from '../refs.js'

const BASELINE = [...EKS_WORKER_MINIMUM, 'AmazonSSMManagedInstanceCore']

export const r28: Rule = {
  meta: {
    ref: 'R28',
    id: 'IRSA-NODE-002',
    title: 'Node role over-privileged / CNI on node role',
    severity: 'high',
    layer: 'X',
    rationale: 'Every pod that reaches IMDS holds the node role; extra policies there are shared with every workload, and CNI rights on the node role give every pod ENI management.',
    remediation: 'Keep node roles to the EKS baseline policies; run aws-node with IRSA or Pod Identity and the AmazonEKS_CNI_Policy.',
    mappings: { nhi: ['NHI5', 'NHI9'], csf: ['PR.AA-05'], zt: ['ZT3'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const [cluster, arns] of graph.nodeRoles) {
      for (const arn of arns) {
        const role = findRole(graph, arn)
        if (role === undefined) continue
        const { managed: extra, inline } = policiesBeyond(role, BASELINE)
        if (extra.length + inline.length === 0) continue
        out.push({
          severity: 'high',
          message: `Node role ${arn} (cluster ${cluster}) holds policies beyond the EKS baseline: ${[...extra.map(managedPolicyName), ...inline.map((n) => `inline ${n}`)].join(', ')}.`,
          resources: [roleRef(role)],
          evidence: { extraManaged: extra, inline, tier: role.perms.tier },
          key: `${cluster}|${arn}`,
        })
      }
    }
    for (const sa of graph.serviceAccounts) {
      if (sa.namespace !== 'kube-system' || sa.name !== 'aws-node' || awsBound(sa)) continue
      if (!graph.nodeRoles.has(sa.cluster) && graph.inventory.k8s.awsAuthNodeRoles.length === 0 && sa.workloads.length === 0) continue
      out.push({
        severity: 'medium',
        message: `kube-system/aws-node has no IRSA role or Pod Identity association: the VPC CNI runs with the node role's permissions, which every pod can reach.`,
        resources: [saRef(sa)],
        evidence: {},
        key: `${sa.cluster}|aws-node`,
      })
    }
    return out
  },
}
