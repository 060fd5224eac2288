/** Small queries over the graph shared by several rules. */
import type { AuditGraph, RoleNode, SaNode } from '../graph.js'
import { associationsOf, findRole, roleArnFromEnv, saKey, usesPodIdentityEnv } from '../graph.js'
import type { WorkloadObj } from '../model.js'

/** Roles the audit treats as workload identities: IRSA/Pod Identity trust, or named by an SA or pod. */
export function workloadRoles(graph: AuditGraph): RoleNode[] {
  return graph.roles.filter((r) => r.workload || r.annotatedBy.length > 0 || r.envRefs.length > 0)
}

/** Spec §5 `identityOf(pod)`: the kind of AWS identity a workload runs with. */
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

export function saOf(graph: AuditGraph, w: WorkloadObj): SaNode | undefined {
  return graph.saOfWorkload.get(w) ?? graph.saByKey.get(saKey(w.cluster, w.namespace, w.pod.serviceAccountName))
}

/** Top-level workloads only: pods owned by a loaded controller are represented by the controller. */
const TOP = new WeakMap<AuditGraph, WorkloadObj[]>()

export function topWorkloads(graph: AuditGraph): WorkloadObj[] {
  const hit = TOP.get(graph)
  if (hit !== undefined) return hit
  const names = new Set(graph.inventory.k8s.workloads.map((w) => `${w.cluster}/${w.namespace}/${w.kind}/${w.name}`))
  const out = graph.inventory.k8s.workloads.filter((w) => !w.owners.some((o) => names.has(`${w.cluster}/${w.namespace}/${o.kind}/${o.name}`) || o.kind === 'ReplicaSet' || o.kind === 'Job'))
  TOP.set(graph, out)
  return out
}

export function cap<T>(list: readonly T[], n = 25): T[] {
  return list.slice(0, n)
}

export function isSystemNamespace(ns: string): boolean {
  return ns === 'kube-system' || ns === 'kube-public' || ns === 'kube-node-lease'
}
