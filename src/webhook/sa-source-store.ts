/**
 * Inside `irsa serve`: service accounts are irsa's own bindings (`rt.store.listBindings()`), seen
 * as ServiceAccounts annotated with `role-arn` (and `audience` when the binding has one), and role
 * trust policies come from the store too. Bindings are re-read at most every `ttlMs`, and at once
 * when a pod names a service account not seen yet (a binding made just before its pod).
 */
import type { FastifyPluginAsync } from 'fastify'
import type { Runtime } from '../server/runtime.js'
import type { Store } from '../store/store.js'
import type { WebhookConfig } from './config.js'
import { webhookConfig } from './config.js'
import type { WebhookPluginOptions } from './plugin.js'
import { webhookPlugin } from './plugin.js'
import { webhookRandom } from './random.js'
import type { RoleLookup } from './role-lookup.js'
import { roleArnParts } from './role-lookup.js'
import type { ServiceAccountSnapshot, ServiceAccountSource } from './sa-source.js'
import { buildSnapshot } from './sa-source.js'
import type { ServiceAccountRecord } from './service-account.js'

export interface StoreSourceOptions {
  readonly config: WebhookConfig
  /** Epoch ms. */
  readonly now: () => number
  /** How long a read is trusted; default 1000 ms. */
  readonly ttlMs?: number
}

export function storeServiceAccountSource(store: Pick<Store, 'listBindings'>, o: StoreSourceOptions): ServiceAccountSource {
  const ttl = o.ttlMs ?? 1000
  const prefix = o.config.annotationPrefix
  let current: { snapshot: ServiceAccountSnapshot; at: number } | undefined
  let loading: Promise<ServiceAccountSnapshot> | undefined
  const load = (): Promise<ServiceAccountSnapshot> => {
    loading ??= (async () => {
      try {
        const at = o.now()
        const records: ServiceAccountRecord[] = (await store.listBindings()).map((b) => ({
          namespace: b.namespace,
          name: b.serviceAccount,
          annotations: { [`${prefix}/role-arn`]: b.roleArn, ...(b.audience === undefined ? {} : { [`${prefix}/audience`]: b.audience }) },
        }))
        const snapshot = buildSnapshot(records)
        current = { snapshot, at }
        return snapshot
      } finally {
        loading = undefined
      }
    })()
    return loading
  }
  return {
    snapshot: () => (current !== undefined && o.now() - current.at < ttl ? current.snapshot : load()),
    async waitFor(namespace, name) {
      // Re-read once, unless the last read is very recent (a burst of pods for an unbound SA).
      const s = current !== undefined && o.now() - current.at < 100 ? current.snapshot : await load()
      return s.get(namespace, name)
    },
    async close() {},
  }
}

export function storeRoleLookup(store: Pick<Store, 'getRole'>): RoleLookup {
  return {
    async trustPolicy(arn) {
      const p = roleArnParts(arn)
      if (p === undefined) return undefined
      return (await store.getRole(p.account, p.name))?.trustPolicy
    },
  }
}

/** The plugin options `irsa serve` mounts POST /mutate with: upstream defaults, guardrail off. */
export function storeWebhookOptions(rt: Runtime): WebhookPluginOptions {
  const config = webhookConfig()
  return {
    config,
    serviceAccounts: storeServiceAccountSource(rt.store, { config, now: () => rt.clock.now() }),
    roles: storeRoleLookup(rt.store),
    random: webhookRandom((n) => rt.random.bytes(n)),
  }
}

/** `irsa serve` registers this: POST /mutate with service accounts and roles from the store. */
export function storeWebhookPlugin(rt: Runtime): FastifyPluginAsync {
  const options = storeWebhookOptions(rt)
  return async (app) => {
    await app.register(webhookPlugin, options)
  }
}
