/**
 * Verification keys of external issuers (a real cluster's, EKS's): discovery document → `jwks_uri`
 * → JWKS, cached per registered provider and refreshed on an unknown `kid`.
 *
 * What an unauthenticated caller can make irsa fetch is bounded:
 * - The cache is keyed by the provider's canonical issuer ({@link providerIssuer}), never by the
 *   token's `iss`, and documents are fetched from that URL; a token whose `iss` is not exactly the
 *   provider's is refused before any fetch. The cache holds at most `maxProviders` entries (LRU).
 * - Only a fetch that *missed* (did not find the kid it was made for) starts the
 *   `minRefreshIntervalMs` back-off: a made-up kid cannot make irsa fetch more than once per
 *   interval, yet a key the issuer starts signing with shortly after a fetch that found its kid
 *   (publish new + old, then sign with new) is picked up at once.
 * - A failed load is remembered for `failureBackoffMs`: until then requests get the same error (or
 *   the keys cached before, while they are still usable) without a fetch.
 * - `jwks_uri` must be on the issuer's host, or on a host in `allowJwksHosts`; and the JWKS fetch
 *   may only connect to public addresses (loopback too when the issuer itself is on loopback).
 *
 * Network access is the injected {@link FetchJson}; the clock is injected and returns epoch
 * **seconds** (fractions allowed; intervals are configured in milliseconds).
 */
import { importJWK } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { IrsaError } from '../errors.js'
import { jwkFitsAlgorithm } from './algorithms.js'
import type { WebIdentityAlgorithm } from './algorithms.js'
import { DISCOVERY_PATH } from './discovery.js'
import { isLoopbackHost, issuerDocumentUrl, providerIssuer } from './issuer-url.js'
import type { GetVerificationKey, VerifierProvider, WebIdentityTokenHeader } from './verify-web-identity-token.js'

/** Per-request fetch options. */
export interface FetchJsonOptions {
  /** The provider's TLS thumbprints for the untrusted-chain fallback. */
  readonly thumbprints?: readonly string[]
  /**
   * Connect only to public unicast addresses (and loopback ones when `allowLoopback`), checked on
   * the address actually connected to: private, link-local, loopback and other special ranges are
   * refused, whatever the host name resolves to.
   */
  readonly publicAddressesOnly?: { readonly allowLoopback: boolean }
}

/** GET a URL and parse its JSON body; rejects on any failure (see https-fetch.ts). */
export type FetchJson = (url: string, options?: FetchJsonOptions) => Promise<unknown>

export interface RemoteKeySourceOptions {
  readonly fetchJson: FetchJson
  /** Epoch seconds. */
  readonly now: () => number
  /** Minimum time between two refreshes of one issuer triggered by an unknown kid; default 60 000. */
  readonly minRefreshIntervalMs?: number
  /** Age after which an issuer's cached keys are fetched again before use; default 3 600 000 (1 h). */
  readonly cacheTtlMs?: number
  /** A JWKS with more keys is refused; default 100. */
  readonly maxKeys?: number
  /** A document whose JSON text is longer is refused; default 512 KiB (also cap it in fetchJson). */
  readonly maxDocumentChars?: number
  /** How long a failed load is remembered before the provider is fetched again; default 15 000. */
  readonly failureBackoffMs?: number
  /** At most this many providers are cached; the least recently used is dropped; default 256. */
  readonly maxProviders?: number
  /**
   * Hosts (`host` or `host:port`, lower case) a `jwks_uri` may name besides the issuer's own host
   * (`irsa serve --allow-jwks-host`); default none.
   */
  readonly allowJwksHosts?: readonly string[]
  /** Told of each lookup: served from cache (`hit`), fetched (`miss`), or a failed fetch. */
  readonly observe?: (event: KeyCacheEvent) => void
}

export type KeyCacheEvent = 'hit' | 'miss' | 'fetch-error'

export interface RemoteKeySource {
  readonly getKey: GetVerificationKey
  /** Drop the cache for one provider (its URL), or for all. */
  invalidate(providerUrl?: string): void
  /** How many providers are cached now. */
  readonly size: () => number
}

interface IssuerKeys {
  readonly jwks: readonly JWK[]
  /** Epoch ms of the fetch. */
  readonly fetchedAtMs: number
  readonly imported: Map<string, Promise<CryptoKey>>
}

interface IssuerState {
  keys?: IssuerKeys
  inFlight?: Promise<IssuerKeys>
  /** When the last fetch that did not find the kid it was made for happened (the back-off's origin). */
  lastMissMs?: number
  /** The last load's failure, until a load succeeds. */
  failure?: { readonly error: unknown; readonly atMs: number }
}

export const DEFAULT_MIN_REFRESH_INTERVAL_MS = 60_000
export const DEFAULT_CACHE_TTL_MS = 3_600_000
export const DEFAULT_MAX_JWKS_KEYS = 100
export const DEFAULT_MAX_DOCUMENT_CHARS = 512 * 1024
export const DEFAULT_FAILURE_BACKOFF_MS = 15_000
/** IAM allows 100 OIDC providers per account; a few accounts' worth fits. */
export const DEFAULT_MAX_PROVIDERS = 256

function discoveryError(message: string): IrsaError {
  return new IrsaError('ERR_TOKEN_DISCOVERY', message)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkJwksUri(text: unknown, issuer: string, allowedHosts: ReadonlySet<string>): URL {
  if (typeof text !== 'string') throw discoveryError(`The discovery document of ${issuer} has no jwks_uri.`)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw discoveryError(`The jwks_uri of ${issuer} is not an absolute URL.`)
  }
  const ok = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
  if (!ok || url.username !== '' || url.password !== '') {
    throw discoveryError(`The jwks_uri of ${issuer} must be an https URL (http only on a loopback host), without user info.`)
  }
  const issuerHost = new URL(issuer).host
  if (url.host !== issuerHost && !allowedHosts.has(url.host) && !allowedHosts.has(url.hostname)) {
    throw discoveryError(
      `The jwks_uri of ${issuer} is on ${url.host}, not on the issuer's host ${issuerHost}; an operator can allow it with --allow-jwks-host ${url.hostname}.`,
    )
  }
  return url
}

/** Keys whose kid matches the header's; a missing or empty kid matches keys with a missing or empty kid. */
function selectKeys(jwks: readonly JWK[], header: WebIdentityTokenHeader): { jwk: JWK; index: number }[] {
  const wanted = header.kid ?? ''
  const out: { jwk: JWK; index: number }[] = []
  jwks.forEach((jwk, index) => {
    if ((jwk.kid ?? '') === wanted && jwkFitsAlgorithm(jwk, header.alg)) out.push({ jwk, index })
  })
  return out
}

/** A key source for issuers irsa does not run, fetching their discovery document and JWKS. */
export function createRemoteKeySource(options: RemoteKeySourceOptions): RemoteKeySource {
  const { fetchJson, now } = options
  const minRefreshMs = options.minRefreshIntervalMs ?? DEFAULT_MIN_REFRESH_INTERVAL_MS
  const ttlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS
  const failureBackoffMs = options.failureBackoffMs ?? DEFAULT_FAILURE_BACKOFF_MS
  const maxProviders = Math.max(1, options.maxProviders ?? DEFAULT_MAX_PROVIDERS)
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_JWKS_KEYS
  const maxChars = options.maxDocumentChars ?? DEFAULT_MAX_DOCUMENT_CHARS
  const allowedHosts = new Set((options.allowJwksHosts ?? []).map((h) => h.toLowerCase()))
  /** Canonical provider issuer → state; Map order is recency order (least recently used first). */
  const states = new Map<string, IssuerState>()
  const nowMs = (): number => now() * 1000
  const observe = options.observe ?? ((): void => {})

  async function fetchDocument(url: string, provider: VerifierProvider, extra: FetchJsonOptions = {}): Promise<Record<string, unknown>> {
    const fetchOptions: FetchJsonOptions = { ...(provider.thumbprints === undefined ? {} : { thumbprints: provider.thumbprints }), ...extra }
    const doc = await fetchJson(url, Object.keys(fetchOptions).length === 0 ? undefined : fetchOptions)
    if (!isRecord(doc)) throw discoveryError(`${url} did not return a JSON object.`)
    if (JSON.stringify(doc).length > maxChars) throw discoveryError(`${url} returned a document over ${maxChars} characters.`)
    return doc
  }

  async function load(issuer: string, provider: VerifierProvider): Promise<IssuerKeys> {
    const discovery = await fetchDocument(issuerDocumentUrl(issuer, DISCOVERY_PATH), provider)
    if (discovery.issuer !== issuer) {
      throw discoveryError(`The discovery document of ${issuer} names a different issuer (${JSON.stringify(String(discovery.issuer))}).`)
    }
    const jwksUri = checkJwksUri(discovery.jwks_uri, issuer, allowedHosts)
    const jwks = await fetchDocument(jwksUri.href, provider, { publicAddressesOnly: { allowLoopback: isLoopbackHost(new URL(issuer).hostname) } })
    const keys = jwks.keys
    if (!Array.isArray(keys)) throw discoveryError(`The JWKS of ${issuer} has no keys array.`)
    if (keys.length > maxKeys) throw discoveryError(`The JWKS of ${issuer} has ${keys.length} keys; at most ${maxKeys} are accepted.`)
    // Entries that are not objects, or have a non-string kid, can never be selected.
    const usable = keys.filter((k): k is JWK => isRecord(k) && (k.kid === undefined || typeof k.kid === 'string'))
    return { jwks: usable, fetchedAtMs: nowMs(), imported: new Map() }
  }

  function refresh(issuer: string, state: IssuerState, provider: VerifierProvider): Promise<IssuerKeys> {
    if (state.inFlight !== undefined) return state.inFlight
    const p = load(issuer, provider).then(
      (keys) => {
        state.keys = keys
        state.inFlight = undefined
        state.failure = undefined
        return keys
      },
      (e: unknown) => {
        state.inFlight = undefined
        state.failure = { error: e, atMs: nowMs() }
        observe('fetch-error')
        throw e
      },
    )
    state.inFlight = p
    return p
  }

  /** The provider's state, most recently used now; the least recently used is dropped past the bound. */
  function stateFor(issuer: string): IssuerState {
    let state = states.get(issuer)
    if (state !== undefined) states.delete(issuer)
    else state = {}
    states.set(issuer, state)
    while (states.size > maxProviders) {
      const oldest = states.keys().next().value as string
      states.delete(oldest)
    }
    return state
  }

  async function importKey(entry: IssuerKeys, jwk: JWK, index: number, alg: WebIdentityAlgorithm): Promise<CryptoKey> {
    const cacheKey = `${index}:${alg}`
    let p = entry.imported.get(cacheKey)
    if (p === undefined) {
      p = (importJWK(jwk, alg) as Promise<CryptoKey>).catch((cause: unknown) => {
        throw new IrsaError('ERR_TOKEN_NO_KEY', `A JWKS key cannot be imported for ${alg}.`, { cause })
      })
      entry.imported.set(cacheKey, p)
    }
    return p
  }

  const getKey: GetVerificationKey = async (provider, header, token) => {
    const issuer = providerIssuer(provider.url)
    // The token's spelling of iss never reaches the cache or a URL: it must be the provider's exactly.
    if (token.issuer !== issuer) {
      throw new IrsaError('ERR_TOKEN_NO_KEY', `The token issuer is not exactly the issuer of provider ${provider.arn} (${issuer}).`)
    }
    const state = stateFor(issuer)
    const backingOff = (): boolean => state.failure !== undefined && nowMs() - state.failure.atMs < failureBackoffMs
    let entry = state.keys
    const stale = entry === undefined || nowMs() - entry.fetchedAtMs >= ttlMs
    let fetched = false
    if (stale) {
      if (!backingOff()) {
        fetched = true
        entry = await refresh(issuer, state, provider)
      } else if (entry === undefined || state.inFlight !== undefined) {
        // Within the failure back-off: the same answer again, without a fetch (or join a load in flight).
        entry = state.inFlight === undefined ? undefined : await state.inFlight
        if (entry === undefined) throw state.failure?.error
      }
      // Otherwise: the previous keys, past their TTL, while the issuer is failing.
    }
    if (entry === undefined) throw discoveryError(`No keys are cached for ${issuer}.`)
    let selected = selectKeys(entry.jwks, header)
    if (selected.length === 0 && !fetched && !backingOff() && (state.lastMissMs === undefined || nowMs() - state.lastMissMs >= minRefreshMs)) {
      fetched = true
      entry = await refresh(issuer, state, provider)
      selected = selectKeys(entry.jwks, header)
    }
    observe(fetched ? 'miss' : 'hit')
    if (selected.length === 0) {
      // A fetch that did not find the kid starts the back-off.
      if (fetched) state.lastMissMs = entry.fetchedAtMs
      const kid = header.kid === undefined || header.kid === '' ? 'an empty kid' : `kid ${JSON.stringify(header.kid)}`
      throw new IrsaError('ERR_TOKEN_NO_KEY', `No key of ${issuer} matches ${kid} and algorithm ${header.alg}.`)
    }
    const current = entry
    return Promise.all(selected.map(({ jwk, index }) => importKey(current, jwk, index, header.alg)))
  }

  return {
    getKey,
    invalidate(providerUrl?: string): void {
      if (providerUrl === undefined) states.clear()
      else states.delete(providerIssuer(providerUrl))
    },
    size: () => states.size,
  }
}
