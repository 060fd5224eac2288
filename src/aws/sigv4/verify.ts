/**
 * Server-side verification of AWS Signature Version 4 (`AWS4-HMAC-SHA256`), in both the
 * `Authorization` header form and the presigned query form (`X-Amz-Signature`), as the AWS SDKs and
 * the AWS CLI send them to STS (IAM User Guide, "AWS Signature Version 4 for API requests"),
 * answering with STS's error codes, HTTP statuses and messages.
 *
 * The outcome is data: `{ ok: true, ... }` or `{ ok: false, code, status, message }` with the AWS
 * error code, HTTP status and message text to send back. Nothing is thrown for a bad request; a
 * throwing or rejecting `lookupCredentials` propagates (that is a server fault, not the caller's).
 *
 * The checks run in this order: find the auth (MissingAuthenticationToken), parse it
 * (IncompleteSignature), look the key up (InvalidClientTokenId, ExpiredToken), check the scope and the
 * clock (SignatureDoesNotMatch), then the payload hash and the signature (SignatureDoesNotMatch).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { formatAmzDate, parseAmzDate } from './amz-date.js'
import {
  canonicalPath,
  canonicalQueryString,
  canonicalRequest,
  parseRawQuery,
  sha256Hex,
  stringToSign,
} from './canonical-request.js'
import type { QueryParam } from './canonical-request.js'
import { createSigningKeyCache } from './signing-key.js'
import type { SigningKeyCache } from './signing-key.js'

/** The AWS error codes a SigV4 check can end in, with the HTTP statuses STS answers them with. */
export const SIGV4_ERROR_STATUS = {
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  InvalidClientTokenId: 403,
  ExpiredToken: 403,
  SignatureDoesNotMatch: 403,
} as const

export type SigV4ErrorCode = keyof typeof SIGV4_ERROR_STATUS

/** The messages STS sends verbatim for these codes (the SDKs show them to the user as is). */
export const SIGV4_MESSAGES = {
  missingAuthenticationToken: 'Request is missing Authentication Token',
  invalidClientTokenId: 'The security token included in the request is invalid.',
  expiredToken: 'The security token included in the request is expired',
  signatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
} as const

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256'
/** The longest validity a presigned request may ask for: seven days. */
export const MAX_PRESIGN_EXPIRES_SECONDS = 604_800
const DEFAULT_MAX_SKEW_SECONDS = 900

/** A received request, as raw as the HTTP server gives it. */
export interface SigV4Request {
  readonly method: string
  /** The raw request path, without the query (`/` for STS). */
  readonly path: string
  /** The raw query string, without the `?`; empty when there is none. */
  readonly query: string
  /**
   * Header values by lower-case name. Pass Node's `req.headersDistinct` rather than `req.headers`:
   * Node joins repeated headers with `", "` (and drops repeats of some), while SigV4 joins with `","`.
   */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>
  /** The raw body bytes, exactly as received. */
  readonly body: Uint8Array
}

/** What `lookupCredentials` found for an access key id (and the security token presented with it). */
export type CredentialLookup<C> =
  | {
      readonly found: true
      readonly secretAccessKey: string
      /** When the credentials stop working, in epoch seconds; absent for long-term keys. */
      readonly expiresAt?: number
      /** Handed back untouched in the success result (the session claims, the user, ...). */
      readonly credential: C
    }
  | {
      readonly found: false
      /**
       * `unknown-key` and `invalid-token` (missing, undecipherable, or not for this key) both answer
       * InvalidClientTokenId; `expired` answers ExpiredToken.
       */
      readonly reason: 'unknown-key' | 'invalid-token' | 'expired'
    }

export type LookupCredentials<C> = (
  accessKeyId: string,
  securityToken: string | undefined,
) => CredentialLookup<C> | undefined | PromiseLike<CredentialLookup<C> | undefined>

export interface VerifySigV4Options<C> {
  /** The server's current time (a Date or epoch milliseconds). */
  readonly now: Date | number
  /**
   * Resolve the signing secret from the access key id and the `X-Amz-Security-Token` presented
   * (header form: the header; presigned form: the query parameter). Sealed session tokens carry the
   * secret, so for them this is a decryption rather than a database read. `undefined` = unknown key.
   */
  readonly lookupCredentials: LookupCredentials<C>
  /** The allowed clock difference either way; 900 (15 min) as AWS. */
  readonly maxSkewSeconds?: number
  /** The service the credential scope must name; `sts` by default. */
  readonly expectedService?: string
  /** Where derived signing keys are cached; a module-wide cache of 256 entries by default. */
  readonly signingKeyCache?: SigningKeyCache
  /**
   * `body` (default): the payload hash is computed from `request.body`, so an unsigned body can never
   * pass. `declared`: the signature is checked against the `x-amz-content-sha256` the client declared
   * (a hex SHA-256, `UNSIGNED-PAYLOAD`, or a `STREAMING-…` form) and `request.body` is ignored; the
   * caller then verifies the body as it streams (aws-chunked.ts, or the hash of the bytes received)
   * and must not let the request take effect before it has. Without the header, the body is hashed.
   */
  readonly payload?: 'body' | 'declared'
  /**
   * S3 signs the path exactly as sent (encoded once, no dot-segment removal); every other service
   * normalises and encodes it again.
   */
  readonly s3Path?: boolean
}

export interface SigV4Success<C> {
  readonly ok: true
  /** `header` for an Authorization header, `query` for a presigned request. */
  readonly form: 'header' | 'query'
  readonly accessKeyId: string
  readonly region: string
  readonly service: string
  /** The signed header names, lower case, in the client's order. */
  readonly signedHeaders: readonly string[]
  /** The request time (X-Amz-Date, or the Date header) in epoch milliseconds. */
  readonly signedAt: number
  readonly securityToken: string | undefined
  readonly credential: C
  /** The payload hash the signature covers (`x-amz-content-sha256` in `declared` mode). */
  readonly payloadHash: string
  /**
   * What chained chunk signatures continue from (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`): the request's
   * signature (the seed), its timestamp and scope, and the derived signing key.
   */
  readonly chain: { readonly seedSignature: string; readonly amzDate: string; readonly scope: string; readonly signingKey: Buffer }
}

export interface SigV4Failure {
  readonly ok: false
  readonly code: SigV4ErrorCode
  readonly status: 400 | 403
  readonly message: string
}

export type SigV4Result<C> = SigV4Success<C> | SigV4Failure

/** Auth material parsed from the request, before any key is known. */
interface ParsedAuth {
  readonly form: 'header' | 'query'
  readonly accessKeyId: string
  readonly scopeDate: string
  readonly region: string
  readonly service: string
  readonly terminator: string
  readonly signedHeaders: readonly string[]
  readonly signature: string
  /** The timestamp as it goes into the string to sign. */
  readonly amzDate: string
  readonly signedAt: number
  readonly securityToken: string | undefined
  /** Presigned form only. */
  readonly expiresSeconds: number | undefined
  readonly params: readonly QueryParam[]
}

const defaultCache = createSigningKeyCache(256)

function fail(code: SigV4ErrorCode, message: string): SigV4Failure {
  return { ok: false, code, status: SIGV4_ERROR_STATUS[code], message }
}

function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

const MULTIPLE: unique symbol = Symbol('multiple')

/** A header's single value; `multiple` when it was sent more than once with different values. */
function singleHeader(headers: SigV4Request['headers'], name: string): string | undefined | typeof MULTIPLE {
  const v = headers[name]
  if (v === undefined || typeof v === 'string') return v
  if (v.length === 0) return undefined
  const first = v[0] as string
  return v.every((x) => x === first) ? first : MULTIPLE
}

/**
 * Verify a SigV4-signed request. Synchronous when `lookupCredentials` is; a Promise otherwise.
 *
 * @example
 * const result = await verifySigV4(
 *   { method: req.method, path, query, headers: req.headersDistinct, body },
 *   { now: clock(), lookupCredentials: (akid, token) => sessions.resolve(akid, token) },
 * )
 * if (!result.ok) return sendAwsError(result.code, result.status, result.message)
 */
export function verifySigV4<C>(
  request: SigV4Request,
  options: VerifySigV4Options<C>,
): SigV4Result<C> | Promise<SigV4Result<C>> {
  const nowMs = typeof options.now === 'number' ? options.now : options.now.getTime()
  if (!Number.isFinite(nowMs)) throw new TypeError('options.now must be a valid time')
  const parsed = parseAuth(request)
  if (!parsed.ok) return parsed
  const looked = options.lookupCredentials(parsed.auth.accessKeyId, parsed.auth.securityToken)
  if (isPromiseLike<CredentialLookup<C> | undefined>(looked)) {
    return Promise.resolve(looked).then((l) => finish(request, parsed.auth, l, nowMs, options))
  }
  return finish(request, parsed.auth, looked, nowMs, options)
}

const ONE_MECHANISM =
  'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified'

function parseAuth(request: SigV4Request): { ok: true; auth: ParsedAuth } | SigV4Failure {
  const params = parseRawQuery(request.query)
  const queryAuth = params.some((p) => p.name === 'X-Amz-Signature' || p.name === 'X-Amz-Algorithm' || p.name === 'X-Amz-Credential')
  const authorization = singleHeader(request.headers, 'authorization')
  if (authorization === MULTIPLE) return fail('IncompleteSignature', 'Multiple Authorization headers are not allowed.')
  if (authorization !== undefined && authorization.trim() !== '') {
    if (queryAuth) return fail('IncompleteSignature', ONE_MECHANISM)
    return parseHeaderAuth(request, authorization, params)
  }
  if (queryAuth) return parseQueryAuth(params)
  return fail('MissingAuthenticationToken', SIGV4_MESSAGES.missingAuthenticationToken)
}

const AUTH_PARAMS = ['Credential', 'SignedHeaders', 'Signature'] as const
type AuthParam = (typeof AUTH_PARAMS)[number]

function parseHeaderAuth(
  request: SigV4Request,
  authorization: string,
  params: readonly QueryParam[],
): { ok: true; auth: ParsedAuth } | SigV4Failure {
  const trimmed = authorization.trim()
  const space = trimmed.search(/\s/)
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space)
  const rest = space < 0 ? '' : trimmed.slice(space + 1)
  if (algorithm !== SIGV4_ALGORITHM) return fail('IncompleteSignature', `Unsupported AWS 'algorithm': '${algorithm}'.`)

  const fields: Partial<Record<AuthParam, string>> = {}
  for (const rawPart of rest.split(',')) {
    const part = rawPart.trim()
    if (part === '') continue
    const eq = part.indexOf('=')
    if (eq < 0) {
      return fail('IncompleteSignature', `'${part}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`)
    }
    const key = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (!(AUTH_PARAMS as readonly string[]).includes(key)) continue
    if (fields[key as AuthParam] !== undefined) {
      return fail('IncompleteSignature', `Authorization header has a duplicate '${key}' parameter. Authorization=${authorization}`)
    }
    fields[key as AuthParam] = value
  }

  const dateHeader = singleHeader(request.headers, 'x-amz-date')
  const httpDate = singleHeader(request.headers, 'date')
  if (dateHeader === MULTIPLE || httpDate === MULTIPLE) return fail('IncompleteSignature', 'Multiple X-Amz-Date or Date headers are not allowed.')
  const problems: string[] = []
  for (const name of AUTH_PARAMS) {
    if (fields[name] === undefined || fields[name] === '') problems.push(`Authorization header requires '${name}' parameter.`)
  }
  if (dateHeader === undefined && httpDate === undefined) {
    problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
  }
  if (problems.length > 0) return fail('IncompleteSignature', `${problems.join(' ')} Authorization=${authorization}`)

  let amzDate: string
  let signedAt: number
  if (dateHeader !== undefined) {
    const t = parseAmzDate(dateHeader.trim())
    if (t === undefined) return badDate(dateHeader)
    amzDate = dateHeader.trim()
    signedAt = t
  } else {
    const t = Date.parse(httpDate as string)
    if (!Number.isFinite(t)) return badDate(httpDate as string)
    signedAt = Math.floor(t / 1000) * 1000
    amzDate = formatAmzDate(signedAt)
  }

  const token = singleHeader(request.headers, 'x-amz-security-token')
  if (token === MULTIPLE) return fail('IncompleteSignature', 'Multiple X-Amz-Security-Token headers are not allowed.')

  return withCredential(fields.Credential as string, {
    form: 'header',
    signedHeaders: (fields.SignedHeaders as string).split(';'),
    signature: fields.Signature as string,
    amzDate,
    signedAt,
    securityToken: token,
    expiresSeconds: undefined,
    params,
  })
}

function badDate(value: string): SigV4Failure {
  return fail('IncompleteSignature', `Date must be in ISO-8601 'basic format'. Got '${value}'. See http://en.wikipedia.org/wiki/ISO_8601`)
}

const QUERY_REQUIRED = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'] as const
const QUERY_SINGLE = [...QUERY_REQUIRED, 'X-Amz-Security-Token'] as const

function parseQueryAuth(params: readonly QueryParam[]): { ok: true; auth: ParsedAuth } | SigV4Failure {
  const values = new Map<string, string>()
  for (const p of params) {
    if (!(QUERY_SINGLE as readonly string[]).includes(p.name)) continue
    if (values.has(p.name)) return fail('IncompleteSignature', `AWS query-string parameter '${p.name}' must appear only once.`)
    values.set(p.name, p.value)
  }
  const missing = QUERY_REQUIRED.filter((n) => (values.get(n) ?? '') === '')
  if (missing.length > 0) {
    return fail(
      'IncompleteSignature',
      `${missing.map((n) => `AWS query-string parameters must include '${n}'.`).join(' ')} Re-examine the query-string parameters.`,
    )
  }
  const algorithm = values.get('X-Amz-Algorithm') as string
  if (algorithm !== SIGV4_ALGORITHM) return fail('IncompleteSignature', `Unsupported AWS 'algorithm': '${algorithm}'.`)
  const amzDate = values.get('X-Amz-Date') as string
  const signedAt = parseAmzDate(amzDate)
  if (signedAt === undefined) return badDate(amzDate)
  const expires = values.get('X-Amz-Expires') as string
  if (!/^\d{1,10}$/.test(expires)) return fail('IncompleteSignature', 'X-Amz-Expires should be a number')
  const expiresSeconds = Number(expires)
  if (expiresSeconds > MAX_PRESIGN_EXPIRES_SECONDS) {
    return fail(
      'IncompleteSignature',
      `X-Amz-Expires must be less than a week (in seconds) that is; the maximum expires is ${MAX_PRESIGN_EXPIRES_SECONDS} seconds`,
    )
  }
  return withCredential(values.get('X-Amz-Credential') as string, {
    form: 'query',
    signedHeaders: (values.get('X-Amz-SignedHeaders') as string).split(';'),
    signature: values.get('X-Amz-Signature') as string,
    amzDate,
    signedAt,
    securityToken: values.get('X-Amz-Security-Token'),
    expiresSeconds,
    params,
  })
}

function withCredential(
  credential: string,
  rest: Omit<ParsedAuth, 'accessKeyId' | 'scopeDate' | 'region' | 'service' | 'terminator'>,
): { ok: true; auth: ParsedAuth } | SigV4Failure {
  const parts = credential.split('/')
  if (parts.length !== 5 || parts[0] === '') {
    return fail('IncompleteSignature', `Credential is malformed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request". Credential=${credential}`)
  }
  const [accessKeyId, scopeDate, region, service, terminator] = parts as [string, string, string, string, string]
  return { ok: true, auth: { ...rest, accessKeyId, scopeDate, region, service, terminator } }
}

function finish<C>(
  request: SigV4Request,
  auth: ParsedAuth,
  looked: CredentialLookup<C> | undefined,
  nowMs: number,
  options: VerifySigV4Options<C>,
): SigV4Result<C> {
  // 3. The key and its session.
  if (looked === undefined) return fail('InvalidClientTokenId', SIGV4_MESSAGES.invalidClientTokenId)
  if (!looked.found) {
    return looked.reason === 'expired'
      ? fail('ExpiredToken', SIGV4_MESSAGES.expiredToken)
      : fail('InvalidClientTokenId', SIGV4_MESSAGES.invalidClientTokenId)
  }
  if (looked.expiresAt !== undefined && nowMs >= looked.expiresAt * 1000) return fail('ExpiredToken', SIGV4_MESSAGES.expiredToken)

  // 4. Scope, signed headers and clock.
  if (auth.terminator !== 'aws4_request') {
    return fail('SignatureDoesNotMatch', `Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator}'. `)
  }
  const expectedService = options.expectedService ?? 'sts'
  if (auth.service !== expectedService) {
    return fail('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${expectedService}'. `)
  }
  if (auth.region === '') return fail('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not ''. `)
  if (auth.scopeDate !== auth.amzDate.slice(0, 8)) {
    return fail(
      'SignatureDoesNotMatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${auth.amzDate.slice(0, 8)}', from '${auth.amzDate}'.`,
    )
  }
  const signedHeaders = auth.signedHeaders.map((h) => h.toLowerCase())
  if (!signedHeaders.includes('host') && !signedHeaders.includes(':authority')) {
    return fail('IncompleteSignature', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
  }
  if (auth.expiresSeconds !== undefined && nowMs > auth.signedAt + auth.expiresSeconds * 1000) {
    return fail('SignatureDoesNotMatch', 'Request has expired')
  }
  const skewSeconds = options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS
  const now = Math.floor(nowMs / 1000) * 1000
  const minutes = `${skewSeconds / 60} min.`
  if (auth.signedAt < now - skewSeconds * 1000) {
    return fail(
      'SignatureDoesNotMatch',
      `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(now - skewSeconds * 1000)} (${formatAmzDate(now)} - ${minutes})`,
    )
  }
  if (auth.signedAt > now + skewSeconds * 1000) {
    return fail(
      'SignatureDoesNotMatch',
      `Signature not yet current: ${auth.amzDate} is still later than ${formatAmzDate(now + skewSeconds * 1000)} (${formatAmzDate(now)} + ${minutes})`,
    )
  }

  // 5. The payload: the hash of the bytes received (so an unsigned body can never pass), unless the
  // caller verifies the declared hash itself while the body streams.
  const declared = singleHeader(request.headers, 'x-amz-content-sha256')
  if (declared === MULTIPLE) return fail('IncompleteSignature', 'Multiple X-Amz-Content-Sha256 headers are not allowed.')
  // An S3 presigned URL signs UNSIGNED-PAYLOAD without sending the header.
  const presignedS3 = auth.form === 'query' && options.s3Path === true && declared === undefined
  const deferred = options.payload === 'declared' && (declared !== undefined || presignedS3)
  const payloadHash = deferred ? (declared ?? 'UNSIGNED-PAYLOAD').trim() : sha256Hex(request.body)
  if (!deferred && declared !== undefined && declared.trim().toLowerCase() !== payloadHash) {
    return fail('SignatureDoesNotMatch', "The provided 'x-amz-content-sha256' header does not match what was computed.")
  }

  // 5–7. Canonical request, string to sign, signature.
  const canonical = canonicalRequest({
    method: request.method.toUpperCase(),
    canonicalUri: options.s3Path === true ? (request.path === '' ? '/' : request.path) : canonicalPath(request.path),
    canonicalQuery: canonicalQueryString(auth.params),
    signedHeaders: auth.signedHeaders,
    headers: request.headers,
    payloadHash,
  })
  const scope = `${auth.scopeDate}/${auth.region}/${auth.service}/${auth.terminator}`
  const cache = options.signingKeyCache ?? defaultCache
  const key = cache.get(looked.secretAccessKey, auth.scopeDate, auth.region, auth.service)
  const expected = createHmac('sha256', key).update(stringToSign(auth.amzDate, scope, canonical), 'utf8').digest()
  const provided = /^[0-9a-f]{64}$/.test(auth.signature) ? Buffer.from(auth.signature, 'hex') : undefined
  if (provided === undefined || !timingSafeEqual(expected, provided)) {
    return fail('SignatureDoesNotMatch', SIGV4_MESSAGES.signatureDoesNotMatch)
  }

  return {
    ok: true,
    form: auth.form,
    accessKeyId: auth.accessKeyId,
    region: auth.region,
    service: auth.service,
    signedHeaders,
    signedAt: auth.signedAt,
    securityToken: auth.securityToken,
    credential: looked.credential,
    payloadHash,
    chain: { seedSignature: auth.signature, amzDate: auth.amzDate, scope, signingKey: key },
  }
}
