/** Small queries over the graph shared by several rules. */
import type { AuditGraph, RoleNode, SaNode } from '../graph.js'
import { findRole, roleArnFromEnv, saKey } from '../graph.js'
import type { WorkloadObj } from '../model.js'

/** Roles the audit treats as workload identities: IRSA/Pod Identity trust, or named by an SA or pod. */
export function workloadRoles(graph: AuditGraph): RoleNode[] {
  return graph.roles.filter((r) => r.workload || r.annotatedBy.length > 0 || r.envRefs.length > 0)
}

/** The IAM role a workload runs as (spec §5 identityOf: IRSA by annotation or env). */
export function workloadRole(graph: AuditGraph, w: WorkloadObj): { arn: string; role: RoleNode | undefined } | undefined {
  const sa = saOf(graph, w)
  const arn = sa?.roleArn ?? roleArnFromEnv(w)
  if (arn === undefined) return undefined
  return { arn, role: findRole(graph, arn) }
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
