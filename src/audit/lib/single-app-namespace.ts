import type { AuditGraph, SaNode } from '../graph.js'

/** The Namespace label that declares a namespace holds one application only. */
export const SINGLE_APP_LABEL = 'irsa.dev/single-app'
const APP_LABEL = 'app.kubernetes.io/name'

export interface SingleApplication {
  readonly namespace: string
  /** The application, when the service accounts name it. */
  readonly application: string | undefined
  readonly basis: 'label' | 'service-accounts'
}

function appsOf(sa: SaNode): Set<string> {
  const apps = new Set(sa.appNames)
  const own = sa.obj?.labels[APP_LABEL]
  if (own !== undefined) apps.add(own)
  return apps
}

/**
 * Whether a namespace holds one application's service accounts only: its Namespace object is labelled
 * `irsa.dev/single-app: "true"`, or every service account in it (objects and those pods name) is
 * attributed to the same single `app.kubernetes.io/name` (its label, or its pods'). An empty namespace,
 * or one with a service account no application claims, is not single-application.
 */
export function singleApplication(graph: AuditGraph, cluster: string, namespace: string): SingleApplication | undefined {
  const ns = graph.inventory.k8s.namespaces.find((n) => n.cluster === cluster && n.name === namespace)
  const sas = [...graph.saByKey.values()].filter((s) => s.cluster === cluster && s.namespace === namespace && (s.obj !== undefined || s.workloads.length > 0))
  const apps = new Set<string>()
  let unclaimed = false
  for (const sa of sas) {
    const a = appsOf(sa)
    if (a.size === 0) unclaimed = true
    for (const x of a) apps.add(x)
  }
  const only = apps.size === 1 ? [...apps][0] : undefined
  if (ns?.labels[SINGLE_APP_LABEL] === 'true') return { namespace, application: only, basis: 'label' }
  if (sas.length === 0 || unclaimed || only === undefined) return undefined
  return { namespace, application: only, basis: 'service-accounts' }
}
