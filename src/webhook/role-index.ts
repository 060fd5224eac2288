/**
 * Which service accounts are bound to each role, per snapshot (computed once per snapshot, kept
 * while the snapshot lives). The guardrail uses it to see a role shared across namespaces.
 */
import type { WebhookConfig } from './config.js'
import type { ServiceAccountSnapshot } from './sa-source.js'
import { serviceAccountIdentity } from './service-account.js'

export type RoleIndex = ReadonlyMap<string, readonly { readonly namespace: string; readonly name: string }[]>

const cache = new WeakMap<ServiceAccountSnapshot, { config: WebhookConfig; index: RoleIndex }>()

export function roleIndex(snapshot: ServiceAccountSnapshot, config: WebhookConfig): RoleIndex {
  const hit = cache.get(snapshot)
  if (hit !== undefined && hit.config === config) return hit.index
  const index = new Map<string, { namespace: string; name: string }[]>()
  const add = (role: string, namespace: string, name: string): void => {
    if (role === '') return
    let list = index.get(role)
    if (list === undefined) index.set(role, (list = []))
    list.push({ namespace, name })
  }
  for (const sa of snapshot.list()) add(serviceAccountIdentity(sa, config).roleArn, sa.namespace, sa.name)
  for (const [key, entry] of snapshot.configMap) {
    const slash = key.indexOf('/')
    add(entry.roleArn, key.slice(0, slash), key.slice(slash + 1))
  }
  cache.set(snapshot, { config, index })
  return index
}
