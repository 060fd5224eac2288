/**
 * Inside `irsa serve`: service accounts are irsa's own bindings (`rt.store.listBindings()`), seen
 * as ServiceAccounts annotated with `role-arn` (and `audience` when the binding has one), and role
 * trust policies come from the store too. Bindings are re-read at most every `ttlMs`, and at once
 * when a pod names a service account not seen yet (a binding made just before its pod).
 *
 * A (namespace, service account) with an EKS Pod Identity association on the server's cluster gets
 * container credentials (the upstream container-credentials mutation), which take precedence over
 * its IRSA binding; associations are re-read at most every second too.
 */
import type { FastifyPluginAsync } from 'fastify'
import { CLUSTER_NAME_SETTING, DEFAULT_CLUSTER_NAME } from '../eks/cluster.js'
import { IrsaError } from '../errors.js'
import type { Runtime } from '../core/runtime.js'
import type { Store } from '../store/store.js'
import type { WebhookConfig } from './config.js'
import { DEFAULT_CONFIG, webhookConfig } from './config.js'
import { associationListSet } from './pod-identity-associations.js'
import { requireWebhookToken } from './bearer-auth.js'
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

export interface StoreWebhookSettings {
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI injected in Pod Identity mode; default http://169.254.170.23/v1/credentials. */
  readonly containerCredentialsFullUri?: string
  /** How long reads of bindings and associations are trusted; default 1000 ms. */
  readonly ttlMs?: number
  /** The bearer token callers of POST /mutate must present (bearer-auth.ts); unset: the route is refused. */
  readonly token?: string
}

/** The environment variable that sets the full URI for `irsa serve`'s webhook. */
export const FULL_URI_ENV = 'IRSA_POD_IDENTITY_FULL_URI'

/** A full URI the SDKs accept: http(s), no credentials in it. */
export function checkFullUri(uri: string): string {
  let u: URL
  try {
    u = new URL(uri)
  } catch {
    throw new IrsaError('ERR_CLI_USAGE', `the container-credentials full URI ${JSON.stringify(uri)} is not a URL`)
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username !== '' || u.password !== '') {
    throw new IrsaError('ERR_CLI_USAGE', `the container-credentials full URI ${JSON.stringify(uri)} must be an http:// or https:// URL without credentials`)
  }
  return uri
}

/** The plugin options `irsa serve` mounts POST /mutate with: upstream defaults, guardrail off. */
export function storeWebhookOptions(rt: Runtime, settings: StoreWebhookSettings = {}): WebhookPluginOptions {
  const fullUri = checkFullUri(settings.containerCredentialsFullUri ?? DEFAULT_CONFIG.containerCredentials.fullUri)
  const config = webhookConfig({ containerCredentials: { fullUri } })
  const now = (): number => rt.clock.now()
  const ttl = settings.ttlMs === undefined ? {} : { ttlMs: settings.ttlMs }
  return {
    config,
    serviceAccounts: storeServiceAccountSource(rt.store, { config, now, ...ttl }),
    // The server's cluster, read as ownCluster does (without its one-time write).
    containerCredentials: associationListSet(async () => rt.store.listPodIdentityAssociations((await rt.store.getSetting(CLUSTER_NAME_SETTING)) ?? DEFAULT_CLUSTER_NAME), { now, ...ttl }),
    roles: storeRoleLookup(rt.store),
    random: webhookRandom((n) => rt.random.bytes(n)),
  }
}

/**
 * `irsa serve` registers this: POST /mutate with service accounts, Pod Identity associations and
 * roles from the store, only for callers with the webhook token. The full URI comes from
 * `settings`, else IRSA_POD_IDENTITY_FULL_URI.
 */
export function storeWebhookPlugin(rt: Runtime, settings: StoreWebhookSettings = {}, env: NodeJS.ProcessEnv = process.env): FastifyPluginAsync {
  const fromEnv = env[FULL_URI_ENV]
  const options = storeWebhookOptions(rt, { ...settings, ...(settings.containerCredentialsFullUri === undefined && fromEnv !== undefined && fromEnv !== '' ? { containerCredentialsFullUri: fromEnv } : {}) })
  return async (app) => {
    app.addHook('onRequest', requireWebhookToken(settings.token))
    await app.register(webhookPlugin, options)
  }
}
