/**
 * Service accounts from the Kubernetes API: a ServiceAccount informer (list + watch through
 * @kubernetes/client-node), and optionally the `pod-identity-webhook` ConfigMap.
 *
 * The upstream grace period (`--service-account-lookup-grace-period`, PRs #236 and #252): when a
 * pod names an SA the informer has not delivered yet (created just before the pod), wait up to the
 * grace period for it, and meanwhile GET it from the API server once (deduplicated per SA, rate
 * limited to 10/s with a burst of 20, 1 s timeout). Whichever lands first wakes the waiting
 * request. A grace period of 0 disables both, as upstream.
 *
 * The API is behind a small interface so the behaviour is tested without a cluster.
 */
import type { Informer, KubernetesObject } from '@kubernetes/client-node'
import type { WebhookConfig } from './config.js'
import type { ServiceAccountSnapshot, ServiceAccountSource } from './sa-source.js'
import { buildSnapshot, recordFromObject } from './sa-source.js'
import { CONFIG_MAP_NAME } from './sa-source-file.js'
import type { ConfigMapEntry, ServiceAccountRecord } from './service-account.js'
import { parseConfigMapData } from './service-account.js'

export interface WatchHandlers {
  add(o: unknown): void
  update(o: unknown): void
  delete(o: unknown): void
  error(e: unknown): void
}

export interface Watch {
  /** Resolves once the initial list has been delivered. */
  start(): Promise<void>
  stop(): Promise<void>
}

/** What the source needs from the API server. */
export interface KubeServiceAccountApi {
  watchServiceAccounts(h: WatchHandlers): Watch
  /** GET one ServiceAccount; undefined when it does not exist. */
  getServiceAccount(namespace: string, name: string, signal: AbortSignal): Promise<unknown>
  /** Watch ConfigMaps in a namespace (only `pod-identity-webhook` is used). */
  watchConfigMaps?(namespace: string, h: WatchHandlers): Watch
}

export interface KubeSourceOptions {
  readonly config: WebhookConfig
  readonly onError?: (e: unknown) => void
  /** Epoch ms, for the rate limiter. */
  readonly now?: () => number
  /** Delay before restarting a failed watch; default 5 s. */
  readonly restartMs?: number
}

const key = (ns: string, name: string): string => `${ns}/${name}`

export async function kubeServiceAccountSource(api: KubeServiceAccountApi, o: KubeSourceOptions): Promise<ServiceAccountSource> {
  const now = o.now ?? (() => Date.now())
  const records = new Map<string, ServiceAccountRecord>()
  let configMap: ReadonlyMap<string, ConfigMapEntry> = new Map()
  let snapshot: ServiceAccountSnapshot | undefined
  const waiters = new Map<string, Set<(r: ServiceAccountRecord) => void>>()
  const inflight = new Set<string>()
  let closed = false
  // Token bucket: 10 GETs per second, burst 20.
  let tokens = 20
  let refilled = now()

  const put = (o2: unknown): void => {
    const r = recordFromObject(o2)
    if (r === undefined) return
    records.set(key(r.namespace, r.name), r)
    snapshot = undefined
    const w = waiters.get(key(r.namespace, r.name))
    if (w !== undefined) {
      waiters.delete(key(r.namespace, r.name))
      for (const f of w) f(r)
    }
  }
  const remove = (o2: unknown): void => {
    const r = recordFromObject(o2)
    if (r !== undefined && records.delete(key(r.namespace, r.name))) snapshot = undefined
  }
  const restartable = (make: (h: WatchHandlers) => Watch, h: Omit<WatchHandlers, 'error'>): Watch => {
    const ref: { w?: Watch } = {}
    const handlers: WatchHandlers = {
      ...h,
      error: (e) => {
        o.onError?.(e)
        if (closed) return
        setTimeout(() => {
          if (!closed) ref.w?.start().catch((err: unknown) => handlers.error(err))
        }, o.restartMs ?? 5000).unref()
      },
    }
    const w = make(handlers)
    ref.w = w
    return w
  }

  const saWatch = restartable((h) => api.watchServiceAccounts(h), { add: put, update: put, delete: remove })
  let cmWatch: Watch | undefined
  const cmNamespace = o.config.configMapNamespace
  if (cmNamespace !== undefined && api.watchConfigMaps !== undefined) {
    const watchConfigMaps = api.watchConfigMaps.bind(api)
    const setCm = (obj: unknown): void => {
      const cm = obj as { metadata?: { name?: unknown }; data?: { config?: unknown } } | null
      if (cm?.metadata?.name !== CONFIG_MAP_NAME) return
      try {
        configMap = typeof cm.data?.config === 'string' ? parseConfigMapData(cm.data.config, o.config).entries : new Map()
        snapshot = undefined
      } catch (e) {
        o.onError?.(e)
      }
    }
    // Upstream has no delete handler: deleting the ConfigMap keeps its mappings.
    cmWatch = restartable((h) => watchConfigMaps(cmNamespace, h), { add: setCm, update: setCm, delete: () => {} })
  }
  await Promise.all([saWatch.start(), cmWatch?.start()])

  const fetchOnce = (ns: string, name: string): void => {
    const k = key(ns, name)
    if (inflight.has(k)) return
    const t = now()
    tokens = Math.min(20, tokens + ((t - refilled) / 1000) * 10)
    refilled = t
    if (tokens < 1) return
    tokens -= 1
    inflight.add(k)
    const ac = new AbortController()
    const timer = setTimeout(() => ac.abort(), 1000)
    api
      .getServiceAccount(ns, name, ac.signal)
      .then((obj) => {
        if (obj !== undefined && !records.has(k)) put(obj)
      })
      .catch((e: unknown) => o.onError?.(e))
      .finally(() => {
        clearTimeout(timer)
        inflight.delete(k)
      })
  }

  return {
    snapshot: () => (snapshot ??= buildSnapshot(records.values(), configMap)),
    waitFor(namespace, name, graceMs) {
      const k = key(namespace, name)
      const hit = records.get(k)
      if (hit !== undefined) return Promise.resolve(hit)
      if (graceMs <= 0 || closed) return Promise.resolve(undefined)
      return new Promise<ServiceAccountRecord | undefined>((resolve) => {
        let set = waiters.get(k)
        if (set === undefined) waiters.set(k, (set = new Set()))
        const done = (r: ServiceAccountRecord | undefined): void => {
          clearTimeout(timer)
          waiters.get(k)?.delete(done)
          resolve(r)
        }
        const timer = setTimeout(() => done(undefined), graceMs)
        set.add(done)
        fetchOnce(namespace, name)
      })
    },
    async close() {
      closed = true
      await Promise.all([saWatch.stop(), cmWatch?.stop()])
    },
  }
}

/** The real API through @kubernetes/client-node (loaded only when used). */
export async function clientNodeApi(o: { kubeconfig?: string; server?: string }): Promise<KubeServiceAccountApi> {
  const k8s = await import('@kubernetes/client-node')
  const kc = new k8s.KubeConfig()
  if (o.kubeconfig !== undefined) kc.loadFromFile(o.kubeconfig)
  else kc.loadFromDefault()
  if (o.server !== undefined) {
    const cluster = kc.getCurrentCluster()
    if (cluster !== null) {
      kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: o.server as string } : c))
    }
  }
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const wire = <T extends KubernetesObject>(informer: Informer<T>, h: WatchHandlers): Watch => {
    informer.on('add', (x: T) => h.add(x))
    informer.on('update', (x: T) => h.update(x))
    informer.on('delete', (x: T) => h.delete(x))
    informer.on('error', (e: unknown) => h.error(e))
    return { start: () => informer.start(), stop: () => informer.stop() }
  }
  return {
    watchServiceAccounts: (h) => wire(k8s.makeInformer(kc, '/api/v1/serviceaccounts', () => core.listServiceAccountForAllNamespaces()), h),
    watchConfigMaps: (namespace, h) =>
      wire(k8s.makeInformer(kc, `/api/v1/namespaces/${namespace}/configmaps`, () => core.listNamespacedConfigMap({ namespace })), h),
    async getServiceAccount(namespace, name) {
      try {
        return await core.readNamespacedServiceAccount({ namespace, name })
      } catch (e) {
        if ((e as { code?: number }).code === 404) return undefined
        throw e
      }
    },
  }
}
