/**
 * IAM roles mapped into a cluster's Kubernetes API, from the aws-auth ConfigMap's mapRoles and from
 * EKS access entries, judged the same way: does the mapping give cluster-admin-like access?
 * - aws-auth: a group `system:masters`, or a group RBAC binds to cluster-admin;
 * - access entries: `AmazonEKSClusterAdminPolicy`, or `AmazonEKSAdminPolicy` with cluster scope
 *   (EKS's `admin` ClusterRole in every namespace), or a Kubernetes group or username RBAC binds to
 *   cluster-admin.
 */
import type { AuditGraph } from '../graph.js'
import { NODE_ENTRY_TYPES, graphClusterNamed } from '../graph.js'
import type { Source } from '../model.js'

const CLUSTER_ADMIN_POLICY = 'AmazonEKSClusterAdminPolicy'
const ADMIN_POLICY = 'AmazonEKSAdminPolicy'

export interface ClusterAccess {
  readonly cluster: string
  readonly roleArn: string
  readonly via: 'aws-auth' | 'access-entry'
  /** Whether the mapping makes the role a node's (system:nodes, or a node access-entry type). */
  readonly node: boolean
  /** Why the mapping is cluster-admin-like, or undefined when it is not. */
  readonly admin: string | undefined
  readonly source: Source
}

/** Every role mapping of every cluster, with its admin judgement. */
export function clusterAccess(graph: AuditGraph): ClusterAccess[] {
  const out: ClusterAccess[] = []
  const groupAdmin = (cluster: string, groups: readonly string[]): string | undefined => {
    if (groups.includes('system:masters')) return 'group system:masters'
    const g = groups.find((name) => graph.rbac.isClusterAdmin(cluster, { kind: 'Group', name }))
    return g === undefined ? undefined : `group ${g}, bound to cluster-admin`
  }
  for (const m of graph.inventory.k8s.awsAuthRoles) {
    out.push({ cluster: m.cluster, roleArn: m.roleArn, via: 'aws-auth', node: m.groups.includes('system:nodes'), admin: groupAdmin(m.cluster, m.groups), source: m.source })
  }
  for (const e of graph.inventory.iam.accessEntries) {
    const cluster = graphClusterNamed(graph.clusters, e.cluster)
    const policy = e.accessPolicies.find((p) => p.policyArn.endsWith(`/${CLUSTER_ADMIN_POLICY}`) || (p.policyArn.endsWith(`/${ADMIN_POLICY}`) && p.scope === 'cluster'))
    const user = e.username !== undefined && graph.rbac.isClusterAdmin(cluster, { kind: 'User', name: e.username }) ? `username ${e.username}, bound to cluster-admin` : undefined
    const admin = policy === undefined ? (groupAdmin(cluster, e.kubernetesGroups) ?? user) : `access policy ${policy.policyArn.split('/').pop() ?? policy.policyArn} (${policy.scope === 'cluster' ? 'cluster' : `namespaces ${policy.namespaces.join(', ')}`} scope)`
    out.push({ cluster, roleArn: e.principalArn, via: 'access-entry', node: e.type !== undefined && NODE_ENTRY_TYPES.has(e.type), admin, source: e.source })
  }
  return out
}
