/**
 * Service accounts from a file (`--service-accounts FILE`): the output of
 * `kubectl get sa -A -o json` (a `List`), a single ServiceAccount, a JSON array, or YAML documents
 * of those. Re-read when the file changes; a malformed new version keeps the previous snapshot.
 * With `--watch-config-map`, a ConfigMap `pod-identity-webhook` in that namespace in the same file
 * supplies the ConfigMap mappings.
 */
import { parseAllDocuments } from 'yaml'
import { IrsaError } from '../errors.js'
import type { WebhookConfig } from './config.js'
import { watchFile } from './file-watch.js'
import type { ServiceAccountSnapshot, ServiceAccountSource } from './sa-source.js'
import { buildSnapshot, recordFromObject } from './sa-source.js'
import type { ConfigMapEntry, ServiceAccountRecord } from './service-account.js'
import { parseConfigMapData } from './service-account.js'

export const CONFIG_MAP_NAME = 'pod-identity-webhook'

function documents(text: string): unknown[] {
  try {
    return [JSON.parse(text) as unknown]
  } catch {
    const docs = parseAllDocuments(text, { uniqueKeys: false })
    const list = Array.isArray(docs) ? docs : [docs]
    return list.map((d) => {
      if (d.errors.length > 0) throw new IrsaError('ERR_WEBHOOK_SOURCE', `not JSON or YAML: ${d.errors[0]?.message ?? 'parse error'}`)
      return d.toJS() as unknown
    })
  }
}

/** Parse the file's text into a snapshot. Throws IrsaError ERR_WEBHOOK_SOURCE. */
export function parseServiceAccountFile(text: string, config: WebhookConfig): ServiceAccountSnapshot {
  const records: ServiceAccountRecord[] = []
  let configMap: Map<string, ConfigMapEntry> | undefined
  const visit = (o: unknown): void => {
    if (o === null || o === undefined) return
    if (Array.isArray(o)) {
      o.forEach(visit)
      return
    }
    if (typeof o !== 'object') throw new IrsaError('ERR_WEBHOOK_SOURCE', `expected Kubernetes objects, found a ${typeof o}`)
    const obj = o as { kind?: unknown; items?: unknown; metadata?: { name?: unknown; namespace?: unknown }; data?: { config?: unknown } }
    if (Array.isArray(obj.items) && (obj.kind === undefined || obj.kind === 'List' || (typeof obj.kind === 'string' && obj.kind.endsWith('List')))) {
      obj.items.forEach(visit)
      return
    }
    if (obj.kind === 'ConfigMap') {
      if (config.configMapNamespace !== undefined && obj.metadata?.name === CONFIG_MAP_NAME && obj.metadata.namespace === config.configMapNamespace && typeof obj.data?.config === 'string') {
        try {
          configMap = parseConfigMapData(obj.data.config, config).entries
        } catch (e) {
          throw new IrsaError('ERR_WEBHOOK_SOURCE', `ConfigMap ${CONFIG_MAP_NAME}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
        }
      }
      return
    }
    const r = recordFromObject(o)
    if (r !== undefined) records.push(r)
  }
  visit(documents(text))
  return buildSnapshot(records, configMap)
}

export interface FileSourceOptions {
  readonly config: WebhookConfig
  readonly onError?: (e: unknown) => void
  readonly onReload?: (snapshot: ServiceAccountSnapshot) => void
  readonly pollMs?: number
}

/** Load the file (it must exist and parse) and keep watching it. */
export async function fileServiceAccountSource(path: string, o: FileSourceOptions): Promise<ServiceAccountSource> {
  let current: ServiceAccountSnapshot | undefined
  let firstError: unknown
  const w = watchFile(path, {
    onChange: (text) => {
      if (text === undefined) throw new IrsaError('ERR_WEBHOOK_SOURCE', `${path} does not exist`)
      current = parseServiceAccountFile(text, o.config)
      o.onReload?.(current)
    },
    onError: (e) => {
      if (current === undefined) firstError = e
      else o.onError?.(e)
    },
    ...(o.pollMs === undefined ? {} : { pollMs: o.pollMs }),
  })
  await w.reload()
  if (current === undefined) {
    w.close()
    const msg = firstError instanceof Error ? firstError.message : `cannot read ${path}`
    throw new IrsaError('ERR_WEBHOOK_SOURCE', `--service-accounts ${path}: ${msg}`, { cause: firstError })
  }
  return {
    snapshot: () => current as ServiceAccountSnapshot,
    async close() {
      w.close()
    },
  }
}
