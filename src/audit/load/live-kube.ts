/**
 * `--from-kube`: list the audited kinds through @kubernetes/client-node with the kubeconfig, then load
 * them exactly as files are loaded. Read-only; a kind the credentials cannot list becomes a warning.
 */
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node'
import type { Inventory } from '../model.js'
import { loadKubernetesDocuments } from './kubernetes.js'

export interface LiveKubeOptions {
  readonly kubeconfig?: string
  readonly context?: string
  /** Cluster name for the objects (default: the only --eks-cluster, else the context's cluster). */
  readonly cluster?: string
}

interface Page {
  readonly items: unknown[]
  readonly metadata?: { readonly _continue?: string }
}

type Lister = (p: { limit: number; _continue?: string }) => Promise<Page>

export async function loadFromKube(inv: Inventory, options: LiveKubeOptions = {}): Promise<void> {
  const kc = new KubeConfig()
  if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig)
  else kc.loadFromDefault()
  if (options.context !== undefined) kc.setCurrentContext(options.context)
  const cluster = options.cluster ?? (inv.iam.clusters.length === 1 ? (inv.iam.clusters[0]?.name ?? 'default') : (kc.getCurrentCluster()?.name ?? 'default'))
  const core = kc.makeApiClient(CoreV1Api)
  const apps = kc.makeApiClient(AppsV1Api)
  const batch = kc.makeApiClient(BatchV1Api)
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api)
  const net = kc.makeApiClient(NetworkingV1Api)
  const kinds: [string, Lister][] = [
    ['Namespace', (p) => core.listNamespace(p) as Promise<Page>],
    ['ServiceAccount', (p) => core.listServiceAccountForAllNamespaces(p) as Promise<Page>],
    ['Pod', (p) => core.listPodForAllNamespaces(p) as Promise<Page>],
    ['ConfigMap', (p) => core.listConfigMapForAllNamespaces(p) as Promise<Page>],
    ['Secret', (p) => core.listSecretForAllNamespaces(p) as Promise<Page>],
    ['Service', (p) => core.listServiceForAllNamespaces(p) as Promise<Page>],
    ['Deployment', (p) => apps.listDeploymentForAllNamespaces(p) as Promise<Page>],
    ['ReplicaSet', (p) => apps.listReplicaSetForAllNamespaces(p) as Promise<Page>],
    ['StatefulSet', (p) => apps.listStatefulSetForAllNamespaces(p) as Promise<Page>],
    ['DaemonSet', (p) => apps.listDaemonSetForAllNamespaces(p) as Promise<Page>],
    ['Job', (p) => batch.listJobForAllNamespaces(p) as Promise<Page>],
    ['CronJob', (p) => batch.listCronJobForAllNamespaces(p) as Promise<Page>],
    ['Role', (p) => rbac.listRoleForAllNamespaces(p) as Promise<Page>],
    ['ClusterRole', (p) => rbac.listClusterRole(p) as Promise<Page>],
    ['RoleBinding', (p) => rbac.listRoleBindingForAllNamespaces(p) as Promise<Page>],
    ['ClusterRoleBinding', (p) => rbac.listClusterRoleBinding(p) as Promise<Page>],
    ['Ingress', (p) => net.listIngressForAllNamespaces(p) as Promise<Page>],
    ['NetworkPolicy', (p) => net.listNetworkPolicyForAllNamespaces(p) as Promise<Page>],
  ]
  const source = `kube:${kc.getCurrentContext()}`
  for (const [kind, list] of kinds) {
    const items: unknown[] = []
    try {
      let cont: string | undefined
      do {
        const page = await list({ limit: 500, ...(cont === undefined ? {} : { _continue: cont }) })
        items.push(...page.items)
        cont = page.metadata?._continue || undefined
      } while (cont !== undefined)
    } catch (e) {
      inv.warnings.push({ file: source, object: kind, message: `cannot list: ${(e as Error).message.split('\n')[0] ?? ''}` })
      continue
    }
    // The client returns typed models (dates as Date objects); a JSON round trip gives the wire shape.
    const plain: unknown = JSON.parse(JSON.stringify({ kind: `${kind}List`, items }))
    loadKubernetesDocuments([plain], `${source}/${kind}`, cluster, inv.k8s, inv.warnings)
  }
}
