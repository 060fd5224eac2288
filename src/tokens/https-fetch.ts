/**
 * The one impure module of src/tokens: GET an issuer document over the network and parse its
 * JSON, with the rules STS applies when it fetches an OIDC provider's keys (the provider's thumbprint
 * list is a fallback for a certificate chain that is not publicly trusted).
 *
 * - `http://` only to loopback hosts (and the resolved address must be loopback too).
 * - `https://`: the chain is validated against the system CA store (plus `ca`). If it is not
 *   trusted, AWS's fallback applies: the host name must still match the certificate, and the SHA-1
 *   thumbprint of a certificate in the presented chain must be in the provider's thumbprint list;
 *   otherwise `ERR_TOKEN_THUMBPRINT`. Other TLS failures (expired, wrong host) are never excused.
 * - Redirects are not followed. Non-2xx, bad JSON, over-size and time-outs fail with
 *   `ERR_TOKEN_FETCH`; 429 and 5xx with `ERR_TOKEN_IDP_UNAVAILABLE`.
 * - With `publicAddressesOnly` (the JWKS fetch: its URL comes from the issuer's document), only
 *   public unicast addresses are connected to (and loopback ones when allowed): the host name is
 *   resolved here, every address it resolves to that is private, link-local, loopback or otherwise
 *   special is dropped, and the address the socket actually connected to is checked again, so DNS
 *   rebinding cannot turn the fetch towards an internal service.
 */
import { lookup as dnsLookup } from 'node:dns'
import type { LookupAddress } from 'node:dns'
import http from 'node:http'
import type { IncomingMessage } from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import tls from 'node:tls'
import ipaddr from 'ipaddr.js'
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls'
import { IrsaError } from '../errors.js'
import { isLoopbackHost } from './issuer-url.js'
import type { FetchJson, FetchJsonOptions } from './remote-key-source.js'

export interface IssuerFetcherOptions {
  /** Whole-exchange deadline (connect, TLS, headers, body); default 5000 (AWS's limit). */
  readonly timeoutMs?: number
  /** Largest accepted body; default 512 KiB. */
  readonly maxBytes?: number
  /** Thumbprints (SHA-1, 40 hex) accepted for a URL when its chain is untrusted. */
  readonly thumbprints?: (url: string) => readonly string[] | undefined
  /** Extra trusted CA certificates (PEM), added to the system store. */
  readonly ca?: readonly (string | Buffer)[]
}

export const DEFAULT_FETCH_TIMEOUT_MS = 5000
export const DEFAULT_FETCH_MAX_BYTES = 512 * 1024
export const THUMBPRINT_PATTERN = /^[0-9a-f]{40}$/

/** OpenSSL verify errors that mean "chain not anchored in a trusted CA": only these may fall back to thumbprints. */
const UNTRUSTED_CHAIN_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
])

function fetchError(message: string, cause?: unknown): IrsaError {
  return new IrsaError('ERR_TOKEN_FETCH', message, cause === undefined ? {} : { cause })
}

/** SHA-1 thumbprint as IAM writes it: 40 lowercase hex, no colons. */
export function certificateThumbprint(cert: PeerCertificate): string {
  return cert.fingerprint.replace(/:/g, '').toLowerCase()
}

/** Thumbprints of the presented chain, leaf first, each certificate once. */
function chainThumbprints(socket: TLSSocket): string[] {
  const out: string[] = []
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true)
  while (cert !== undefined && cert !== null && typeof cert.fingerprint === 'string' && cert.fingerprint !== '') {
    const t = certificateThumbprint(cert)
    if (out.includes(t)) break
    out.push(t)
    cert = cert.issuerCertificate
  }
  return out
}

function normaliseThumbprints(list: readonly string[]): string[] {
  return list.map((t) => t.replace(/:/g, '').toLowerCase()).filter((t) => THUMBPRINT_PATTERN.test(t))
}

/** Where a fetch may connect: any address, or public unicast ones (plus loopback when allowed). */
type AddressPolicy = FetchJsonOptions['publicAddressesOnly']

/** Why `address` (an IP address) may not be connected to under `policy`; undefined when it may. */
export function addressProblem(address: string, policy: { readonly allowLoopback: boolean }): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`
  const range = ipaddr.process(address).range()
  if (range === 'unicast' || (range === 'loopback' && policy.allowLoopback)) return undefined
  return `${address} is a ${range} address, not a public one`
}

/** An error a lookup or connect check raises to refuse an address (reported as such, not as a network failure). */
const REFUSED_ADDRESS = 'EIRSAADDRESS'

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** A DNS lookup that keeps only the addresses `allowed` accepts (`why` says what the others are). */
function filteredLookup(allowed: (address: string) => string | undefined, what: string) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) return callback(err, [])
      const kept = addresses.filter((a) => allowed(a.address) === undefined)
      if (kept.length === 0) {
        const why = addresses.map((a) => allowed(a.address)).join('; ')
        return callback(Object.assign(new Error(`${hostname} does not resolve to ${what} (${why})`), { code: REFUSED_ADDRESS }), [])
      }
      if ((options as { all?: boolean }).all === true) return callback(null, kept)
      const first = kept[0] as LookupAddress
      return callback(null, first.address, first.family)
    })
  }
}

/** Why the address a connection goes to is refused under the fetch's rules; undefined when it is fine. */
function connectProblem(address: string, isHttps: boolean, policy: AddressPolicy): string | undefined {
  if (!isHttps && !isLoopbackHost(address)) return `${address} is not a loopback address`
  return policy === undefined ? undefined : addressProblem(address, policy)
}

/**
 * Check the TLS outcome before any body byte is read. Returns an error, or undefined when the
 * connection is acceptable.
 */
function tlsProblem(socket: TLSSocket, hostname: string, url: string, thumbprints: readonly string[]): IrsaError | undefined {
  if (socket.authorized) return undefined
  const reason = String(socket.authorizationError ?? 'unknown TLS verification error')
  if (!UNTRUSTED_CHAIN_ERRORS.has(reason)) return fetchError(`TLS certificate of ${url} was rejected: ${reason}.`)
  // OpenSSL stops at the chain error, before the host-name check: run it here.
  const identity = tls.checkServerIdentity(hostname, socket.getPeerCertificate())
  if (identity !== undefined) return fetchError(`TLS certificate of ${url} was rejected: ${identity.message}`)
  const presented = chainThumbprints(socket)
  if (presented.some((t) => thumbprints.includes(t))) return undefined
  return new IrsaError('ERR_TOKEN_THUMBPRINT', "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint")
}

/**
 * A {@link FetchJson} for issuer documents. Per-call `options.thumbprints` are added to those the
 * `thumbprints` option gives for the URL.
 */
export function createIssuerFetcher(options: IssuerFetcherOptions = {}): FetchJson {
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? DEFAULT_FETCH_MAX_BYTES
  const ca = options.ca === undefined || options.ca.length === 0 ? undefined : [...tls.rootCertificates, ...options.ca]

  return (url: string, callOptions?: FetchJsonOptions): Promise<unknown> =>
    new Promise<unknown>((resolve, reject) => {
      let target: URL
      try {
        target = new URL(url)
      } catch {
        reject(fetchError(`${JSON.stringify(url)} is not an absolute URL.`))
        return
      }
      if (target.username !== '' || target.password !== '') {
        reject(fetchError(`${target.origin} URLs with user info are not fetched.`))
        return
      }
      const isHttps = target.protocol === 'https:'
      if (!isHttps && target.protocol !== 'http:') {
        reject(fetchError(`${url} does not use https.`))
        return
      }
      if (!isHttps && !isLoopbackHost(target.hostname)) {
        reject(fetchError(`${url} uses http, which is allowed only for loopback hosts.`))
        return
      }
      const thumbprints = normaliseThumbprints([...(options.thumbprints?.(url) ?? []), ...(callOptions?.thumbprints ?? [])])
      // URL#hostname keeps IPv6 brackets; TLS identity checks want them off.
      const hostname = target.hostname.replace(/^\[(.*)\]$/, '$1')
      const policy = callOptions?.publicAddressesOnly
      const allowed = (address: string): string | undefined => connectProblem(address, isHttps, policy)
      // An IP literal is connected to without a lookup: check it here, before any packet is sent.
      const literal = isIP(hostname) === 0 ? undefined : allowed(hostname)
      if (literal !== undefined) {
        reject(fetchError(`Refused to fetch ${url}: ${literal}.`))
        return
      }

      let settled = false
      let req: http.ClientRequest | undefined
      const finish = (err: Error | undefined, value?: unknown): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (err !== undefined) {
          req?.destroy()
          reject(err)
        } else {
          resolve(value)
        }
      }
      const timer = setTimeout(() => finish(fetchError(`Timed out after ${timeoutMs} ms fetching ${url}.`)), timeoutMs)

      const onResponse = (res: IncomingMessage): void => {
        if (isHttps) {
          const problem = tlsProblem(res.socket as TLSSocket, hostname, url, thumbprints)
          if (problem !== undefined) return finish(problem)
        }
        const status = res.statusCode ?? 0
        if (status >= 300 && status < 400) return finish(fetchError(`${url} answered HTTP ${status}; redirects are not followed.`))
        if (status === 429 || status >= 500) {
          return finish(new IrsaError('ERR_TOKEN_IDP_UNAVAILABLE', `${url} answered HTTP ${status}.`))
        }
        if (status < 200 || status >= 300) return finish(fetchError(`${url} answered HTTP ${status}.`))
        const declared = Number(res.headers['content-length'])
        if (Number.isFinite(declared) && declared > maxBytes) {
          return finish(fetchError(`${url} is larger than ${maxBytes} bytes.`))
        }
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > maxBytes) return finish(fetchError(`${url} is larger than ${maxBytes} bytes.`))
          chunks.push(chunk)
        })
        res.on('error', (e) => finish(fetchError(`Reading ${url} failed: ${e.message}`, e)))
        res.on('end', () => {
          if (settled) return
          let value: unknown
          try {
            value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)))
          } catch (e) {
            return finish(fetchError(`${url} did not return valid JSON.`, e))
          }
          finish(undefined, value)
        })
      }

      const common = { method: 'GET', headers: { accept: 'application/json', 'user-agent': 'irsa' }, agent: false as const }
      try {
        req = isHttps
          ? https.request(target, {
              ...common,
              // Verification is done in tlsProblem() so the untrusted-chain fallback can run; nothing is
              // read from the response before it passes.
              rejectUnauthorized: false,
              ...(ca === undefined ? {} : { ca }),
              ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
              ...(policy === undefined ? {} : { lookup: filteredLookup(allowed, 'an address irsa fetches from') }),
            }, onResponse)
          : http.request(target, { ...common, lookup: filteredLookup(allowed, 'an address irsa fetches from over http') }, onResponse)
      } catch (e) {
        finish(fetchError(`Could not fetch ${url}: ${(e as Error).message}`, e))
        return
      }
      // The address actually connected to, checked again (the lookup above is the guard; this also
      // covers a lookup that was bypassed). Over https nothing is requested before the TLS handshake.
      req.on('socket', (socket) => {
        socket.once('connect', () => {
          const problem = allowed(socket.remoteAddress ?? '')
          if (problem !== undefined) finish(fetchError(`Refused to fetch ${url}: ${problem}.`))
        })
      })
      req.on('error', (e: NodeJS.ErrnoException) =>
        finish(e.code === REFUSED_ADDRESS ? fetchError(`Refused to fetch ${url}: ${e.message}.`, e) : fetchError(`Could not fetch ${url}: ${e.code ?? e.message}.`, e)),
      )
      req.end()
    })
}
