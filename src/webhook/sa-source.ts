/**
 * The service-account source interface. The Kubernetes informer, the ServiceAccount file and
 * irsa's own store each implement it; the admission plugin sees only this.
 */
import type { ConfigMapEntry, ServiceAccountRecord } from './service-account.js'

/** An immutable view of the known service accounts (and ConfigMap mappings) at one moment. */
export interface ServiceAccountSnapshot {
  get(namespace: string, name: string): ServiceAccountRecord | undefined
  list(): readonly ServiceAccountRecord[]
  /** `--watch-config-map` entries keyed `ns/sa` or `*\/sa`; empty when the ConfigMap is not used. */
  readonly configMap: ReadonlyMap<string, ConfigMapEntry>
}

export interface ServiceAccountSource {
  /** The current view. Sources backed by an async store may need a read first. */
  snapshot(): ServiceAccountSnapshot | Promise<ServiceAccountSnapshot>
  /**
   * Called when an SA is not in the snapshot: wait up to `graceMs` for it to appear (the upstream
   * grace period for an SA created just before its pod). Sources without such a notion omit it.
   */
  waitFor?(namespace: string, name: string, graceMs: number): Promise<ServiceAccountRecord | undefined>
  close(): Promise<void>
}

const EMPTY_CONFIG_MAP: ReadonlyMap<string, ConfigMapEntry> = new Map()

/** Index records by `ns/name` into a snapshot. A later record with the same key wins. */
export function buildSnapshot(
  records: Iterable<ServiceAccountRecord>,
  configMap: ReadonlyMap<string, ConfigMapEntry> = EMPTY_CONFIG_MAP,
): ServiceAccountSnapshot {
  const byKey = new Map<string, ServiceAccountRecord>()
  for (const r of records) byKey.set(`${r.namespace}/${r.name}`, r)
  let list: readonly ServiceAccountRecord[] | undefined
  return {
    get: (namespace, name) => byKey.get(`${namespace}/${name}`),
    list: () => (list ??= [...byKey.values()]),
    configMap,
  }
}

/** Read one ServiceAccount object (as the API returns it) into a record; undefined if it is not one. */
export function recordFromObject(o: unknown): ServiceAccountRecord | undefined {
  if (o === null || typeof o !== 'object') return undefined
  const obj = o as { kind?: unknown; metadata?: unknown }
  if (obj.kind !== undefined && obj.kind !== 'ServiceAccount') return undefined
  const md = obj.metadata as { name?: unknown; namespace?: unknown; annotations?: unknown } | undefined
  if (md === null || typeof md !== 'object' || typeof md.name !== 'string') return undefined
  const annotations: Record<string, string> = {}
  if (md.annotations !== null && typeof md.annotations === 'object') {
    for (const [k, v] of Object.entries(md.annotations as Record<string, unknown>)) if (typeof v === 'string') annotations[k] = v
  }
  return { namespace: typeof md.namespace === 'string' ? md.namespace : 'default', name: md.name, annotations }
}
