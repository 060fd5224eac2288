/** What a node instance role holds beyond the EKS worker minimum: shared by every pod that reaches IMDS. */
import type { RoleNode } from '../graph.js'
import { managedPolicyName } from '../permissions.js'

/**
 * The AWS managed policies an EKS worker node needs (AmazonEKSWorkerNodePolicy,
 * AmazonEC2ContainerRegistryReadOnly, AmazonEKS_CNI_Policy), and their narrower successors
 * (AmazonEKSWorkerNodeMinimalPolicy, AmazonEC2ContainerRegistryPullOnly).
 */
export const EKS_WORKER_MINIMUM: readonly string[] = [
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKSWorkerNodeMinimalPolicy',
  'AmazonEC2ContainerRegistryReadOnly',
  'AmazonEC2ContainerRegistryPullOnly',
  'AmazonEKS_CNI_Policy',
]

/** The role's attached managed policies outside `allowed` (by name) and its inline policies. */
export function policiesBeyond(role: RoleNode, allowed: readonly string[]): { managed: string[]; inline: string[] } {
  return {
    managed: role.obj.attachedPolicyArns.filter((a) => !allowed.includes(managedPolicyName(a))),
    inline: role.obj.inlinePolicies.map((p) => p.name),
  }
}
