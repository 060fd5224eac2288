import type { FindingDraft, Rule } from '../finding.js'
import { awsBound, findRole } from '../graph.js'
import { EKS_WORKER_MINIMUM, policiesBeyond } from '../lib/node-role.js'
import { managedPolicyName } from '../permissions.js'
import { roleRef, saName, saRef } from '../refs.js'
import { cap } from '../lib/evidence-cap.js'
import { clusterAccess } from '../lib/cluster-access.js'

const BASELINE = [...EKS_WORKER_MINIMUM, 'AmazonSSMManagedInstanceCore']

export const r28: Rule = {
  meta: {
    ref: 'R28',
    id: 'IRSA-NODE-002',
    title: 'Node role over-privileged / CNI on node role',
    severity: 'high',
    layer: 'X',
    rationale: 'Every pod that reaches IMDS holds the node role; extra policies there are shared with every workload, and CNI rights on the node role give every pod ENI management. A node or workload role mapped to cluster-admin (aws-auth system:masters, an access entry with AmazonEKSClusterAdminPolicy) hands the cluster to whoever obtains the role.',
    remediation: 'Keep node roles to the EKS baseline policies; run aws-node with IRSA or Pod Identity and the AmazonEKS_CNI_Policy; map node roles only as nodes (system:nodes, EC2 access entries) and give workload roles no Kubernetes access entry or aws-auth mapping.',
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
    // Roles mapped to cluster-admin-like access (aws-auth or an access entry), judged the same way.
    for (const m of clusterAccess(graph)) {
      if (m.admin === undefined) continue
      const role = findRole(graph, m.roleArn)
      const node = m.node || (graph.nodeRoles.get(m.cluster) ?? []).includes(m.roleArn)
      if (!node && role?.workload !== true) continue
      const assumers = role === undefined ? [] : [...new Set([...role.annotatedBy.map(saName), ...role.associations.map((b) => saName(b.sa)), ...role.reach.flatMap((r) => r.admitted.map(saName))])].sort()
      const how = m.via === 'aws-auth' ? 'the aws-auth ConfigMap' : 'an EKS access entry'
      out.push({
        severity: 'high',
        message: node
          ? `Node role ${m.roleArn} (cluster ${m.cluster}) is mapped to cluster-admin-like access through ${how} (${m.admin}): every pod that reaches the node's IMDS credentials can administer the cluster.`
          : `Workload role ${m.roleArn} (cluster ${m.cluster}) is mapped to cluster-admin-like access through ${how} (${m.admin}): pods that obtain it${assumers.length > 0 ? ` (${assumers.slice(0, 3).join(', ')}${assumers.length > 3 ? ', …' : ''})` : ''} can administer the cluster.`,
        resources: role === undefined ? [{ kind: 'IAMRole', arn: m.roleArn, name: m.roleArn.split('/').pop() ?? m.roleArn }] : [roleRef(role)],
        evidence: { cluster: m.cluster, via: m.via, access: m.admin, nodeRole: node, workloadRole: role?.workload === true, assumers: cap(assumers), mappingSource: m.source.file },
        key: `${m.cluster}|${m.roleArn}|${m.via}|admin`,
      })
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
