/**
 * The backend behind `irsa serve --backend URL|moto`: parse the flags, start moto when asked, and
 * hand the server what the gateway needs (the URL, the credentials to re-sign with, the resource
 * facts and IAM's catalog).
 */
import type { BackendFacts } from '../enforce/backend-facts.js'
import { loadCatalog } from '../gateway/catalog.js'
import type { GatewayOptions } from '../server/gateway.js'
import { startMoto } from './moto.js'
import type { MotoProcess } from './moto.js'

export interface BackendSettings {
  /** `moto`, or the backend's base URL. */
  readonly backend: string
  /** `AKID:SECRET` to re-sign forwarded requests with. */
  readonly credentials?: string
  /** The backend's resource facts; the server's placeholder (below) when not given. */
  readonly facts?: (backend: URL) => BackendFacts
}

export interface RunningBackend {
  readonly gateway: GatewayOptions
  readonly moto: MotoProcess | undefined
  stop(): Promise<void>
}

/** `AKID:SECRET` (the secret may contain `:`). */
export function parseBackendCredentials(text: string): { accessKeyId: string; secretAccessKey: string } {
  const colon = text.indexOf(':')
  if (colon <= 0 || colon === text.length - 1) throw new Error('--backend-credentials must be ACCESS_KEY_ID:SECRET_ACCESS_KEY')
  return { accessKeyId: text.slice(0, colon), secretAccessKey: text.slice(colon + 1) }
}

/**
 * Until the backend readers are wired in, resource policies, tags and lookups are unknown: calls are
 * decided on the caller's policies alone, and DynamoDB operations that need a table's key schema
 * answer ServiceUnavailable.
 */
export function unknownFacts(): BackendFacts {
  return {
    resource: async () => ({}),
    keySchema: () => undefined,
    kmsAlias: () => undefined,
    secretArn: () => undefined,
    prefetch: async () => undefined,
    afterWrite: () => undefined,
  }
}

export async function startBackend(s: BackendSettings, account: string): Promise<RunningBackend> {
  const credentials = s.credentials === undefined ? undefined : parseBackendCredentials(s.credentials)
  let moto: MotoProcess | undefined
  let url: URL
  if (s.backend === 'moto') {
    moto = await startMoto({ account })
    url = moto.url
  } else {
    try {
      url = new URL(s.backend)
    } catch {
      throw new Error(`--backend must be "moto" or a URL, not ${s.backend}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('--backend must be an http(s) URL')
  }
  try {
    const catalog = await loadCatalog()
    const facts = (s.facts ?? unknownFacts)(url)
    return {
      gateway: { backend: url, ...(credentials === undefined ? {} : { credentials }), facts, catalog },
      moto,
      stop: async () => moto?.stop(),
    }
  } catch (e) {
    await moto?.stop()
    throw e
  }
}
