/** The workloads and roles the rules look at. */
import type { AuditGraph, RoleNode } from '../graph.js'
import type { WorkloadObj } from '../model.js'

/** Roles the audit treats as workload identities: IRSA/Pod Identity trust, or named by an SA or pod. */
export function workloadRoles(graph: AuditGraph): RoleNode[] {
  return graph.roles.filter((r) => r.workload || r.annotatedBy.length > 0 || r.envRefs.length > 0)
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
