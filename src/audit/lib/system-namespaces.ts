/** Kubernetes' own namespaces, which run the control plane's add-ons rather than user workloads. */
export function isSystemNamespace(ns: string): boolean {
  return ns === 'kube-system' || ns === 'kube-public' || ns === 'kube-node-lease'
}
