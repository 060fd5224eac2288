/** Resource references for findings: IAM roles by ARN, Kubernetes objects by cluster/namespace/name. */
import type { ResourceRef } from './finding.js'
import type { RoleNode, SaNode } from './graph.js'
import type { WorkloadObj } from './model.js'

export function roleRef(r: RoleNode): ResourceRef {
  return { kind: 'IAMRole', arn: r.obj.arn, name: r.obj.name, file: r.obj.source.file, ...(r.obj.source.pointer === undefined ? {} : { pointer: r.obj.source.pointer }) }
}

export function saRef(sa: SaNode): ResourceRef {
  return {
    kind: 'ServiceAccount',
    cluster: sa.cluster,
    namespace: sa.namespace,
    name: sa.name,
    ...(sa.obj === undefined ? {} : { file: sa.obj.source.file, ...(sa.obj.source.pointer ? { pointer: sa.obj.source.pointer } : {}) }),
  }
}

export function workloadRef(w: WorkloadObj): ResourceRef {
  return { kind: w.kind, cluster: w.cluster, namespace: w.namespace, name: w.name, file: w.source.file, ...(w.source.pointer ? { pointer: w.source.pointer } : {}) }
}

export function saName(sa: { namespace: string; name: string }): string {
  return `${sa.namespace}/${sa.name}`
}
