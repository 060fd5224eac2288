/**
 * A tiny fake API server that answers only discovery, so `kubectl run … --dry-run=client` and
 * `kubectl apply --dry-run=client` work without a cluster (they need a REST mapping, nothing else).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

const resource = (name: string, kind: string, namespaced: boolean): Record<string, unknown> => ({ name, singularName: kind.toLowerCase(), namespaced, kind, verbs: ['create', 'get', 'list', 'patch'] })

const GROUPS: Readonly<Record<string, readonly Record<string, unknown>[]>> = {
  'apps/v1': [resource('deployments', 'Deployment', true)],
  'rbac.authorization.k8s.io/v1': [resource('clusterroles', 'ClusterRole', false), resource('clusterrolebindings', 'ClusterRoleBinding', false), resource('roles', 'Role', true), resource('rolebindings', 'RoleBinding', true)],
  'admissionregistration.k8s.io/v1': [resource('mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false)],
  'cert-manager.io/v1': [resource('issuers', 'Issuer', true), resource('certificates', 'Certificate', true)],
}

const ROUTES: Readonly<Record<string, unknown>> = {
  '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [resource('pods', 'Pod', true), resource('namespaces', 'Namespace', false), resource('serviceaccounts', 'ServiceAccount', true), resource('services', 'Service', true), resource('secrets', 'Secret', true), resource('configmaps', 'ConfigMap', true)],
  },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: Object.keys(GROUPS).map((gv) => {
      const [group, version] = gv.split('/')
      return { name: group, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } }
    }),
  },
  ...Object.fromEntries(Object.entries(GROUPS).map(([gv, resources]) => [`/apis/${gv}`, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources }])),
}

export async function startFakeDiscovery(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const body = ROUTES[(req.url ?? '/').split('?')[0] ?? '/']
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body ?? { kind: 'Status', status: 'Failure', code: 404 }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
