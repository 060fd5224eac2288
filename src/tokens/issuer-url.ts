/**
 * OIDC issuer identifiers: which URLs irsa accepts as an issuer, and the string forms derived from
 * them (the `host/path` key IAM uses, document URLs under the issuer).
 *
 * An issuer is an `https://` URL, or `http://` on a loopback host only (127.0.0.0/8, `::1`,
 * `localhost`) so local clusters and tests work without TLS. It has no user info, query or
 * fragment (OpenID Connect Discovery 1.0, sections 3 and 4: the issuer identifier).
 */
import { IrsaError } from '../errors.js'

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/**
 * True for the loopback host names irsa allows plain HTTP to: `localhost`, any 127.0.0.0/8
 * address and `::1` (with or without the URL brackets). Expects a `URL#hostname` (already
 * lower-cased and canonicalised by the WHATWG URL parser).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  if (host === 'localhost') return true
  if (host === '[::1]' || host === '::1') return true
  const m = IPV4_LOOPBACK.exec(host)
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255)
}

/** Why a URL is not an allowed issuer, or undefined when it is allowed. */
export function issuerUrlProblem(text: string): string | undefined {
  // The WHATWG parser forgives a lot (surrounding spaces, a backslash for `/`, upper-case schemes); an
  // issuer is compared as an exact string, so only the plain form is accepted.
  if ([...text].some((c) => c <= ' ' || c === '\x7f' || c === '\\')) return 'it must not contain whitespace, control characters or backslashes'
  if (!/^https?:\/\/[^/]/.test(text)) return 'it must start with https:// (http:// is allowed only on a loopback host)'
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'it is not an absolute URL'
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) return 'it must use https (http is allowed only on a loopback host)'
  } else if (url.protocol !== 'https:') {
    return 'it must use https (http is allowed only on a loopback host)'
  }
  if (url.username !== '' || url.password !== '') return 'it must not contain user info'
  if (text.includes('?')) return 'it must not contain a query'
  if (text.includes('#')) return 'it must not contain a fragment'
  return undefined
}

/** The URL of an allowed issuer; throws `ERR_TOKEN_ISSUER_URL` otherwise. */
export function parseIssuerUrl(text: string): URL {
  const problem = issuerUrlProblem(text)
  if (problem !== undefined) {
    throw new IrsaError('ERR_TOKEN_ISSUER_URL', `Issuer ${JSON.stringify(text)} is not allowed: ${problem}.`)
  }
  return new URL(text)
}

/**
 * The canonical form of irsa's own issuer: scheme and host as the URL parser normalises them,
 * the path kept, trailing slashes removed (`https://Example.com/a/` → `https://example.com/a`).
 * Tokens carry this exact string as `iss` and the discovery document repeats it.
 */
export function canonicalIssuer(text: string): string {
  const url = parseIssuerUrl(text)
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
}

/**
 * The `host/path` form of an issuer or IAM provider URL: scheme removed, trailing slashes removed.
 * IAM names providers this way (`arn:aws:iam::111122223333:oidc-provider/<host/path>`) and uses it
 * as the condition-key prefix. Case is kept: IAM provider URLs are case-sensitive.
 */
export function issuerHostPath(text: string): string {
  return text.replace(/^https?:\/\//i, '').replace(/\/+$/, '')
}

/**
 * The one `iss` an IAM OIDC provider accepts, exactly (case-sensitive): the provider URL's scheme
 * (`https://` for IAM's unschemed `host/path` form), then its `host/path` without trailing slashes.
 * AWS matches `iss` against the registered provider URL as a case-sensitive string that begins with
 * `https://`; irsa stores provider URLs without trailing slashes, so `https://host/path/` (or `//`…)
 * is not the provider `https://host/path`. This is also the issuer whose documents are fetched, so
 * a token's spelling of `iss` never chooses what irsa fetches.
 */
export function providerIssuer(providerUrl: string): string {
  const scheme = /^(https?):\/\//i.exec(providerUrl)?.[1]?.toLowerCase() ?? 'https'
  return `${scheme}://${issuerHostPath(providerUrl)}`
}

/** A document URL under an issuer: the issuer minus trailing slashes, then `path` (as OpenID Connect Discovery 1.0 builds it). */
export function issuerDocumentUrl(issuer: string, path: string): string {
  return issuer.replace(/\/+$/, '') + path
}
