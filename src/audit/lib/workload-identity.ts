/**
 * Which AWS identity a workload runs with (identityOf): the web-identity role of its environment or
 * service-account annotation, a Pod Identity association, or the node role.
 */
import type { AuditGraph, RoleNode, SaNode } from '../graph.js'
import { associationsOf, findRole, roleArnFromEnv, saKey, usesPodIdentityEnv } from '../graph.js'
import type { WorkloadObj } from '../model.js'

/** The kind of AWS identity a workload runs with. */
export type IdentityKind = 'IRSA' | 'PODID' | 'NODE'

export interface WorkloadIdentity {
  readonly kind: IdentityKind
  /** The role, when known (an inferred Pod Identity association names none). */
  readonly arn: string | undefined
  readonly role: RoleNode | undefined
}

/**
 * identityOf(pod). AWS_ROLE_ARN in the pod's own environment wins (the SDKs try web identity before
 * container credentials); then a Pod Identity association of its service account (the webhook
 * injects container credentials instead of web identity when one exists), or Pod Identity
 * environment; then the IRSA annotation; otherwise the node role (IMDS).
 */
export function identityOf(graph: AuditGraph, w: WorkloadObj): WorkloadIdentity {
  const sa = saOf(graph, w)
  const env = roleArnFromEnv(w)
  if (env !== undefined) return { kind: 'IRSA', arn: env, role: findRole(graph, env) }
  const assoc = sa === undefined ? undefined : associationsOf(sa)[0]
  if (assoc !== undefined) return { kind: 'PODID', arn: assoc.assoc.roleArn, role: assoc.role }
  if (usesPodIdentityEnv(w)) return { kind: 'PODID', arn: undefined, role: undefined }
  if (sa?.roleArn !== undefined) return { kind: 'IRSA', arn: sa.roleArn, role: findRole(graph, sa.roleArn) }
  return { kind: 'NODE', arn: undefined, role: undefined }
}

/** The IAM role a workload runs as (identityOf, when a role ARN is known). */
export function workloadRole(graph: AuditGraph, w: WorkloadObj): { arn: string; role: RoleNode | undefined; kind: IdentityKind } | undefined {
  const id = identityOf(graph, w)
  return id.arn === undefined ? undefined : { arn: id.arn, role: id.role, kind: id.kind }
}

/** The service account a workload runs as, when the inventory has it. */
export function saOf(graph: AuditGraph, w: WorkloadObj): SaNode | undefined {
  return graph.saOfWorkload.get(w) ?? graph.saByKey.get(saKey(w.cluster, w.namespace, w.pod.serviceAccountName))
}
