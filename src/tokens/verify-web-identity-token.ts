/**
 * The AssumeRoleWithWebIdentity token validation pipeline (AWS STS API Reference,
 * AssumeRoleWithWebIdentity; IAM User Guide, "Create an OpenID Connect (OIDC) identity provider in
 * IAM"). Bad tokens never throw: the result is data, `{ ok: true, ... }` or
 * `{ ok: false, code, reason, message }`, with AWS's `Code` and, where AWS's text is known, its exact
 * message.
 *
 * Order: size → decode → header (alg allow-list, no `crit`) → `iss` → provider → `aud` → `sub` →
 * time-claim types → key → signature → times. Cheap local checks run before any key fetch; time
 * comparisons run after the signature. (AWS does not publish its own order; where two checks fail, a
 * client may see a different one of the two codes than AWS would send.)
 *
 * `now` is epoch **seconds** (floored).
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, errors } from 'jose'
import type { CryptoKey, JWK, JWTPayload, KeyObject } from 'jose'
import { KeyObject as NodeKeyObject } from 'node:crypto'
import { isIrsaError } from '../errors.js'
import { verifyCompactSignature } from './verify-signature.js'
import { isWebIdentityAlgorithm, WEB_IDENTITY_ALGORITHMS } from './algorithms.js'
import type { WebIdentityAlgorithm } from './algorithms.js'
import { issuerUrlProblem, providerIssuer } from './issuer-url.js'

/** STS's length limit on the `WebIdentityToken` parameter. */
export const MAX_WEB_IDENTITY_TOKEN_LENGTH = 20000
/** Default clock-skew allowance for `nbf` and `iat` in the future (AWS's is undocumented). */
export const DEFAULT_LEEWAY_SECONDS = 300

/** AWS's exact message when keys cannot be fetched or used (note the two spaces after the comma). */
export const KEY_RETRIEVAL_FAILED_MESSAGE =
  "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
/** AWS's exact message when the IdP's TLS chain is untrusted and matches no thumbprint. */
export const THUMBPRINT_MISMATCH_MESSAGE = "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
export const INCORRECT_AUDIENCE_MESSAGE = 'Incorrect token audience'

/** The token verifier's view of an IAM OIDC identity provider (resolved from the role's account; the stored record is `OidcProvider` in model/iam.ts). */
export interface VerifierProvider {
  readonly arn: string
  /** The provider URL, with or without `https://`; `iss` must be exactly its {@link providerIssuer}. */
  readonly url: string
  readonly clientIds: readonly string[]
  /** SHA-1 thumbprints (40 hex) for the TLS fallback; used by key sources that fetch. */
  readonly thumbprints?: readonly string[]
}

/** The decoded protected header once the algorithm is known to be allowed. */
export interface WebIdentityTokenHeader {
  readonly alg: WebIdentityAlgorithm
  readonly kid?: string
  readonly typ?: string
  readonly [member: string]: unknown
}

/** A public key to verify with. Symmetric secrets are not accepted. */
export type VerificationKey = CryptoKey | KeyObject | JWK

/**
 * Resolve the verification key(s) for a token. May return several candidates (e.g. a token without
 * `kid` and a JWKS with several keys without `kid`): the signature must verify under one of them.
 * Rejecting means the key could not be retrieved.
 */
export type GetVerificationKey = (
  provider: VerifierProvider,
  header: WebIdentityTokenHeader,
  token: { readonly issuer: string },
) => Promise<VerificationKey | readonly VerificationKey[]>

export interface VerifyWebIdentityTokenOptions {
  /** Epoch seconds. */
  readonly now: number
  /** Allowance for `nbf`/`iat` in the future; default 300. Not applied to `exp`. */
  readonly leewaySeconds?: number
  /** When set, `exp - (iat ?? nbf)` must not exceed it (and `iat` or `nbf` is then required). */
  readonly maxLifetimeSeconds?: number
  /** The IAM OIDC provider for `iss` in the role's account; undefined when there is none. */
  readonly resolveProvider: (iss: string) => VerifierProvider | undefined | Promise<VerifierProvider | undefined>
  readonly getKey: GetVerificationKey
}

export type WebIdentityTokenFailureCode = 'InvalidIdentityToken' | 'ExpiredTokenException' | 'IDPCommunicationError'

/** A stable, machine-readable reason (for audit logs and tests); `code` is what STS returns. */
export type WebIdentityTokenFailureReason =
  | 'token-too-long'
  | 'malformed'
  | 'algorithm'
  | 'crit'
  | 'issuer'
  | 'no-provider'
  | 'audience'
  | 'subject'
  | 'claim-type'
  | 'key-retrieval'
  | 'thumbprint'
  | 'idp-unavailable'
  | 'key-mismatch'
  | 'signature'
  | 'expired'
  | 'not-yet-valid'
  | 'issued-in-future'
  | 'lifetime'

export interface WebIdentityTokenSuccess {
  readonly ok: true
  readonly claims: JWTPayload
  /** The `iss` claim, exactly. */
  readonly issuer: string
  readonly subject: string
  readonly provider: VerifierProvider
  /** The first `aud` element (in token order) that is one of the provider's client IDs. */
  readonly audience: string
  readonly header: WebIdentityTokenHeader
}

export interface WebIdentityTokenFailure {
  readonly ok: false
  readonly code: WebIdentityTokenFailureCode
  readonly reason: WebIdentityTokenFailureReason
  readonly message: string
  /** For the operator's log only, never the client: why keys could not be had (no token text in it). */
  readonly detail?: string
}

export type VerifyWebIdentityTokenResult = WebIdentityTokenSuccess | WebIdentityTokenFailure

const SEGMENT = /^[A-Za-z0-9_-]+$/
// WHATWG ASCII whitespace: TAB, LF, FF, CR, SPACE.
const ASCII_WHITESPACE = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g
const MAX_ECHO = 256

function fail(reason: WebIdentityTokenFailureReason, message: string, code: WebIdentityTokenFailureCode = 'InvalidIdentityToken'): WebIdentityTokenFailure {
  return { ok: false, code, reason, message }
}

/** Quote an attacker-controlled value for a message, bounded in length. */
function echo(value: string): string {
  return JSON.stringify(value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value)
}

function isCanonicalBase64url(segment: string): boolean {
  return Buffer.from(segment, 'base64url').toString('base64url') === segment
}

function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function irsaCodeInChain(e: unknown): 'thumbprint' | 'idp-unavailable' | undefined {
  for (let cur = e, depth = 0; cur !== undefined && cur !== null && depth < 8; depth++) {
    if (isIrsaError(cur, 'ERR_TOKEN_THUMBPRINT')) return 'thumbprint'
    if (isIrsaError(cur, 'ERR_TOKEN_IDP_UNAVAILABLE')) return 'idp-unavailable'
    cur = cur instanceof Error ? cur.cause : undefined
  }
  return undefined
}

function keyFailure(e: unknown): WebIdentityTokenFailure {
  const failure = ((): WebIdentityTokenFailure => {
    switch (irsaCodeInChain(e)) {
      case 'thumbprint':
        return fail('thumbprint', THUMBPRINT_MISMATCH_MESSAGE)
      case 'idp-unavailable':
        return fail('idp-unavailable', 'Your identity provider is temporarily unavailable; retry the request', 'IDPCommunicationError')
      default:
        return fail('key-retrieval', KEY_RETRIEVAL_FAILED_MESSAGE)
    }
  })()
  return e instanceof Error ? { ...failure, detail: e.message.slice(0, 2 * MAX_ECHO) } : failure
}

/**
 * Validate a web-identity token. Never throws for a bad token; may throw (reject) only when an
 * injected function does something other than its contract allows (`resolveProvider` throwing) or
 * for programmer errors in `options` (TypeError).
 */
export async function verifyWebIdentityToken(
  rawToken: string,
  options: VerifyWebIdentityTokenOptions,
): Promise<VerifyWebIdentityTokenResult> {
  if (typeof rawToken !== 'string') throw new TypeError('token must be a string')
  const { now: nowInput, resolveProvider, getKey } = options
  if (!Number.isFinite(nowInput) || nowInput < 0) throw new TypeError('now must be a non-negative number of epoch seconds')
  const leeway = options.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS
  if (!Number.isFinite(leeway) || leeway < 0) throw new TypeError('leewaySeconds must be a non-negative number')
  const maxLifetime = options.maxLifetimeSeconds
  if (maxLifetime !== undefined && (!Number.isFinite(maxLifetime) || maxLifetime <= 0)) {
    throw new TypeError('maxLifetimeSeconds must be a positive number')
  }
  const now = Math.floor(nowInput)

  // 0. Size (STS's parameter limit applies to the raw value), then trim: a token file's newline is normal.
  if (rawToken.length > MAX_WEB_IDENTITY_TOKEN_LENGTH) {
    return fail('token-too-long', `The web identity token is longer than ${MAX_WEB_IDENTITY_TOKEN_LENGTH} characters`)
  }
  const token = rawToken.replace(ASCII_WHITESPACE, '')

  // 1. Decode: three non-empty base64url segments; header and payload are JSON objects.
  const segments = token.split('.')
  if (segments.length !== 3 || !segments.every((s) => SEGMENT.test(s))) {
    return fail('malformed', 'The web identity token is not a JWT in compact serialization (three base64url segments)')
  }
  // Canonical base64url only: otherwise the unused low bits of a segment's last character could
  // change freely, and one signature would stand for several different token strings.
  if (!segments.every(isCanonicalBase64url)) {
    return fail('malformed', 'The web identity token is not in canonical base64url (unused bits are set)')
  }
  let rawHeader: Record<string, unknown>
  let claims: JWTPayload
  try {
    rawHeader = decodeProtectedHeader(token) as Record<string, unknown>
  } catch {
    return fail('malformed', 'The web identity token header is not a base64url-encoded JSON object')
  }
  try {
    claims = decodeJwt(token)
  } catch {
    return fail('malformed', 'The web identity token payload is not a base64url-encoded JSON object')
  }

  // Header: algorithm allow-list; no critical extensions; kid, when present, a string.
  const alg = rawHeader.alg
  if (!isWebIdentityAlgorithm(alg)) {
    const shown = typeof alg === 'string' ? echo(alg) : 'missing'
    return fail('algorithm', `The token signing algorithm ${shown} is not allowed; use one of ${WEB_IDENTITY_ALGORITHMS.join(', ')}`)
  }
  if ('crit' in rawHeader) return fail('crit', 'The token header must not contain critical extensions (crit)')
  if (rawHeader.kid !== undefined && typeof rawHeader.kid !== 'string') return fail('malformed', 'The token header kid must be a string')
  if (rawHeader.typ !== undefined && typeof rawHeader.typ !== 'string') return fail('malformed', 'The token header typ must be a string')
  const header = { ...rawHeader, alg } as WebIdentityTokenHeader

  // 2. iss: https, or http on a loopback host.
  const iss = claims.iss
  if (iss === undefined || iss === null || iss === '') return fail('issuer', 'Missing a required claim: iss')
  if (typeof iss !== 'string') return fail('issuer', 'Invalid claim: iss must be a string')
  const issProblem = issuerUrlProblem(iss)
  if (issProblem !== undefined) return fail('issuer', `Invalid token issuer ${echo(iss)}: ${issProblem}`)

  // 3. The provider for iss, in the role's account: iss must spell the provider URL exactly (no
  // trailing-slash, scheme or case variants), before anything is fetched.
  const provider = await resolveProvider(iss)
  if (provider === undefined || providerIssuer(provider.url) !== iss) {
    return fail('no-provider', `No OpenIDConnect provider found in your account for ${iss}`)
  }

  // 4. Required claims: aud (string or array; any element a client ID), then sub.
  const aud = claims.aud
  if (aud === undefined || aud === null || (Array.isArray(aud) && aud.length === 0)) {
    return fail('audience', 'Missing a required claim: aud')
  }
  const audiences: unknown[] = Array.isArray(aud) ? aud : [aud]
  if (!audiences.every((a) => typeof a === 'string')) return fail('audience', 'Invalid claim: aud must be a string or an array of strings')
  const audience = (audiences as string[]).find((a) => provider.clientIds.includes(a))
  if (audience === undefined) return fail('audience', INCORRECT_AUDIENCE_MESSAGE)
  const sub = claims.sub
  if (sub === undefined || sub === null || sub === '') return fail('subject', 'Missing a required claim: sub')
  if (typeof sub !== 'string') return fail('subject', 'Invalid claim: sub must be a string')

  // Time claims must be integers ("formatted as either an integer or a long integer"); exp is required.
  if (claims.exp === undefined || claims.exp === null) return fail('claim-type', 'Missing a required claim: exp')
  for (const name of ['exp', 'iat', 'nbf'] as const) {
    const v = claims[name]
    if (v !== undefined && !isTimestamp(v)) {
      return fail('claim-type', `Invalid claim: ${name} must be an integer number of seconds since the epoch`)
    }
  }
  const exp = claims.exp as number
  const iat = claims.iat
  const nbf = claims.nbf

  // 5–6. Keys.
  let candidates: readonly VerificationKey[]
  try {
    const got = await getKey(provider, header, { issuer: iss })
    candidates = Array.isArray(got) ? (got as readonly VerificationKey[]) : [got as VerificationKey]
  } catch (e) {
    // Our own store being down is not the token's fault: let the caller answer a retryable 503.
    if (isIrsaError(e, 'ERR_STORE_UNAVAILABLE')) throw e
    return keyFailure(e)
  }
  if (candidates.length === 0) return fail('key-retrieval', KEY_RETRIEVAL_FAILED_MESSAGE)

  // 7. Signature, with jose, under one of the candidate keys. The allow-list is passed again so jose
  // enforces it too; jose also refuses a key whose type does not fit `alg` and RSA keys < 2048 bits.
  let verified = false
  let sawSignatureFailure = false
  for (const key of candidates) {
    if (key instanceof Uint8Array) continue
    if (key instanceof NodeKeyObject) {
      const r = verifyCompactSignature(token, key, alg)
      if (r === 'ok') {
        verified = true
        break
      }
      if (r === 'bad-signature') sawSignatureFailure = true
      continue
    }
    try {
      await compactVerify(token, key, { algorithms: [alg] })
      verified = true
      break
    } catch (e) {
      if (e instanceof errors.JWSSignatureVerificationFailed) sawSignatureFailure = true
    }
  }
  if (!verified) {
    return sawSignatureFailure
      ? fail('signature', 'The web identity token signature is invalid')
      : fail('key-mismatch', `The verification key does not fit the token algorithm ${alg}`)
  }

  // 8. Times. exp gets no leeway; nbf and iat may be up to `leeway` seconds in the future.
  if (exp <= now) {
    return fail('expired', `Token expired: current date/time ${now} must be before the expiration date/time ${exp}`, 'ExpiredTokenException')
  }
  if (nbf !== undefined && nbf > now + leeway) {
    return fail('not-yet-valid', `Token not yet valid: current date/time ${now} is before the not-before date/time ${nbf}`)
  }
  if (iat !== undefined && iat > now + leeway) {
    return fail('issued-in-future', `Token issued in the future: issue date/time ${iat} is after current date/time ${now}`)
  }
  if ((iat !== undefined && exp <= iat) || (nbf !== undefined && exp <= nbf)) {
    return fail('lifetime', 'Token expiration date/time must be after its issue and not-before date/times')
  }
  if (maxLifetime !== undefined) {
    const start = iat ?? nbf
    if (start === undefined) return fail('claim-type', 'Missing a required claim: iat')
    if (exp - start > maxLifetime) {
      return fail('lifetime', `Token lifetime of ${exp - start} seconds exceeds the maximum of ${Math.floor(maxLifetime)} seconds`)
    }
  }

  return { ok: true, claims, issuer: iss, subject: sub, provider, audience, header }
}
