/**
 * The EKS Pod Identity (container-credentials) identities: the JSON file given by
 * `--watch-container-credentials-config`, `{"identities":[{"namespace":"ns","serviceAccount":"sa"}]}`
 * as upstream reads it: exact (namespace, serviceAccount) pairs, no wildcards; a missing or empty
 * file clears the set; a malformed one keeps the previous set and is retried.
 */
import { IrsaError } from '../errors.js'
import { watchFile } from './file-watch.js'

export interface ContainerCredentialsSet {
  /** Whether (namespace, SA) gets container credentials. Store-backed sets answer asynchronously. */
  has(namespace: string, serviceAccount: string): boolean | Promise<boolean>
  close(): Promise<void>
}

/** A pair is in the union when any set has it (the watched file and the associations, say). */
export function unionContainerCredentials(sets: readonly ContainerCredentialsSet[]): ContainerCredentialsSet {
  if (sets.length === 1) return sets[0] as ContainerCredentialsSet
  return {
    async has(ns, sa) {
      for (const s of sets) if (await s.has(ns, sa)) return true
      return false
    },
    async close() {
      await Promise.all(sets.map((s) => s.close()))
    },
  }
}

export const NO_CONTAINER_CREDENTIALS: ContainerCredentialsSet = { has: () => false, close: async () => {} }

/** Parse the file's content; an empty or missing file is the empty set. Throws on malformed JSON. */
export function parseContainerCredentials(text: string | undefined): Set<string> {
  const out = new Set<string>()
  if (text === undefined || text.trim() === '') return out
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new IrsaError('ERR_WEBHOOK_SOURCE', `container-credentials config is not JSON: ${(e as Error).message}`, { cause: e })
  }
  const ids = (data as { identities?: unknown } | null)?.identities
  if (ids === undefined || ids === null) return out
  if (!Array.isArray(ids)) throw new IrsaError('ERR_WEBHOOK_SOURCE', 'container-credentials config: identities must be an array')
  for (const id of ids) {
    const o = id as { namespace?: unknown; serviceAccount?: unknown } | null
    if (o !== null && typeof o === 'object' && typeof o.namespace === 'string' && typeof o.serviceAccount === 'string') out.add(`${o.namespace}/${o.serviceAccount}`)
  }
  return out
}

export function containerCredentialsFromSet(keys: ReadonlySet<string>): ContainerCredentialsSet {
  return { has: (ns, sa) => keys.has(`${ns}/${sa}`), close: async () => {} }
}

/** Load and watch the file. */
/** A set answered from memory (files): `has` is synchronous. */
export interface SyncContainerCredentialsSet extends ContainerCredentialsSet {
  has(namespace: string, serviceAccount: string): boolean
}

export async function watchContainerCredentials(path: string, onError?: (e: unknown) => void): Promise<SyncContainerCredentialsSet> {
  let current = new Set<string>()
  const w = watchFile(path, {
    onChange: (text) => {
      current = parseContainerCredentials(text)
    },
    ...(onError === undefined ? {} : { onError }),
    pollMs: 5_000,
  })
  await w.reload()
  return {
    has: (ns, sa) => current.has(`${ns}/${sa}`),
    async close() {
      w.close()
    },
  }
}
