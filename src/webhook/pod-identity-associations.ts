/**
 * Container-credentials identities from EKS Pod Identity associations, an alternative to the
 * upstream `--watch-container-credentials-config` file:
 *
 * - `--pod-identity-associations FILE`: the JSON of `aws eks list-pod-identity-associations` /
 *   `describe-pod-identity-association` (one, an array, or several concatenated), re-read when it
 *   changes; optionally only the associations of one cluster.
 * - inside `irsa serve`: the store's associations for the server's cluster, re-read at most every
 *   `ttlMs` (like the binding cache).
 *
 * A (namespace, service account) with an association gets container credentials, which take
 * precedence over web identity (upstream resolves container credentials first, see resolve.ts).
 */
import { IrsaError } from '../errors.js'
import { readAssociationRecords, splitJsonValues } from '../eks/association-records.js'
import type { ContainerCredentialsSet } from './container-credentials.js'
import { watchFile } from './file-watch.js'

/** Parse the AWS JSON into `ns/sa` keys. Empty text is the empty set; malformed text throws ERR_WEBHOOK_SOURCE. */
export function parsePodIdentityAssociations(text: string | undefined, clusterName?: string): Set<string> {
  const out = new Set<string>()
  if (text === undefined || text.trim() === '') return out
  let values: unknown[]
  try {
    values = splitJsonValues(text)
  } catch (e) {
    throw new IrsaError('ERR_WEBHOOK_SOURCE', `Pod Identity associations are not JSON: ${(e as Error).message}`, { cause: e })
  }
  const problems: string[] = []
  const records = readAssociationRecords(values, (pointer, message) => problems.push(`${pointer || '/'}: ${message}`))
  if (problems.length > 0) throw new IrsaError('ERR_WEBHOOK_SOURCE', `Pod Identity associations: ${problems[0] as string}`)
  for (const r of records) if (clusterName === undefined || r.clusterName === clusterName) out.add(`${r.namespace}/${r.serviceAccount}`)
  return out
}

/** Load and watch the associations file; it must exist and parse at start. A bad later version keeps the previous set. */
export async function watchPodIdentityAssociations(path: string, o: { clusterName?: string; onError?: (e: unknown) => void; pollMs?: number } = {}): Promise<ContainerCredentialsSet> {
  let current: Set<string> | undefined
  let firstError: unknown
  const w = watchFile(path, {
    onChange: (text) => {
      if (text === undefined) throw new IrsaError('ERR_WEBHOOK_SOURCE', `${path} does not exist`)
      current = parsePodIdentityAssociations(text, o.clusterName)
    },
    onError: (e) => {
      if (current === undefined) firstError = e
      else o.onError?.(e)
    },
    pollMs: o.pollMs ?? 5_000,
  })
  await w.reload()
  if (current === undefined) {
    w.close()
    const msg = firstError instanceof Error ? firstError.message : `cannot read ${path}`
    throw new IrsaError('ERR_WEBHOOK_SOURCE', `--pod-identity-associations ${path}: ${msg}`, { cause: firstError })
  }
  return {
    has: (ns, sa) => (current as Set<string>).has(`${ns}/${sa}`),
    async close() {
      w.close()
    },
  }
}

export interface AssociationListOptions {
  /** Epoch ms. */
  readonly now: () => number
  /** How long a read is trusted; default 1000 ms. */
  readonly ttlMs?: number
}

/**
 * A set backed by an async list of associations (the store's), cached for `ttlMs`; concurrent
 * lookups share one read. A failing read rejects (the admission is then denied with the error).
 */
export function associationListSet(list: () => Promise<readonly { readonly namespace: string; readonly serviceAccount: string }[]>, o: AssociationListOptions): ContainerCredentialsSet {
  const ttl = o.ttlMs ?? 1000
  let current: { keys: Set<string>; at: number } | undefined
  let loading: Promise<Set<string>> | undefined
  const load = (): Promise<Set<string>> => {
    loading ??= (async () => {
      try {
        const at = o.now()
        const keys = new Set((await list()).map((a) => `${a.namespace}/${a.serviceAccount}`))
        current = { keys, at }
        return keys
      } finally {
        loading = undefined
      }
    })()
    return loading
  }
  return {
    has(ns, sa) {
      if (current !== undefined && o.now() - current.at < ttl) return current.keys.has(`${ns}/${sa}`)
      return load().then((keys) => keys.has(`${ns}/${sa}`))
    },
    async close() {},
  }
}
