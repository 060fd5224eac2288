/**
 * The backend behind `irsa serve --backend URL|moto`: parse the flags, start moto when asked, and
 * hand the server what the gateway needs (the URL, the credentials to re-sign with, the resource
 * facts read through the backend's own APIs, and IAM's catalog).
 */
import type { Clock } from '../core/clock.js'
import type { BackendFacts } from '../enforce/backend-facts.js'
import { createBackendFacts } from '../enforce/backend/create-backend-facts.js'
import { loadCatalog } from '../gateway/catalog.js'
import type { GatewayOptions } from '../server/gateway.js'
import { startMoto } from './moto.js'
import type { MotoProcess } from './moto.js'

export interface BackendSettings {
  /** `moto`, or the backend's base URL. */
  readonly backend: string
  /** `AKID:SECRET` to re-sign forwarded requests with. */
  readonly credentials?: string
  /** The backend's resource facts; by default read through the backend's own APIs (src/enforce/backend). */
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

/** Where the gateway runs: the account and region it serves, and the clock its caches use. */
export interface BackendPlace {
  readonly account: string
  readonly region: string
  readonly clock: Clock
}

export async function startBackend(s: BackendSettings, place: BackendPlace): Promise<RunningBackend> {
  const { account } = place
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
    const reader =
      s.facts === undefined
        ? createBackendFacts({ endpoint: url.toString(), ...(credentials === undefined ? {} : { credentials }), region: place.region, account, clock: place.clock })
        : undefined
    const facts = reader ?? (s.facts as (backend: URL) => BackendFacts)(url)
    return {
      gateway: { backend: url, ...(credentials === undefined ? {} : { credentials }), facts, catalog },
      moto,
      stop: async () => {
        reader?.close()
        await moto?.stop()
      },
    }
  } catch (e) {
    await moto?.stop()
    throw e
  }
}
