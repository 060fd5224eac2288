/**
 * Kubernetes projected service-account tokens, minted exactly as kube-apiserver does: header
 * `{"alg","kid"}` and the claim set `aud exp iat iss jti kubernetes.io nbf sub` (alphabetical, as
 * go-jose serialises them), with `aud` always an array and `nbf = iat`.
 *
 * `now` is epoch **seconds** (floored). `jti` is passed in: this module uses no randomness.
 */
import { CompactSign } from 'jose'
import { IrsaError } from '../errors.js'
import { issuerUrlProblem } from './issuer-url.js'
import { importSigningKey } from './signing-key.js'
import type { SigningKey } from './signing-key.js'

/** Kubernetes' minimum `expirationSeconds` for a TokenRequest / projected volume (10 minutes). */
export const MIN_EXPIRATION_SECONDS = 600
/** Kubernetes' maximum `expirationSeconds` (2^32 seconds). */
export const MAX_EXPIRATION_SECONDS = 2 ** 32
/** The IRSA default, as the pod-identity webhook projects it. */
export const DEFAULT_EXPIRATION_SECONDS = 86400

const SUBJECT_PREFIX = 'system:serviceaccount:'
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const UID = /^[\x21-\x7e]{1,128}$/

/** An object the token is bound to: its name and uid. */
export interface ObjectRef {
  readonly name: string
  readonly uid: string
}

export interface ServiceAccountTokenInput {
  /** The issuer, used verbatim as `iss` (https, or http on a loopback host). */
  readonly issuer: string
  /** At least one; becomes the `aud` array in this order. IRSA uses `["sts.amazonaws.com"]`. */
  readonly audiences: readonly string[]
  /** A DNS-1123 label. */
  readonly namespace: string
  /** `name` is a DNS-1123 subdomain. */
  readonly serviceAccount: ObjectRef
  readonly pod?: ObjectRef
  readonly node?: ObjectRef
  /** Epoch seconds; becomes `iat` and `nbf`. */
  readonly now: number
  /** 600 ≤ seconds ≤ 2^32, integer; default 86400. */
  readonly expirationSeconds?: number
  /** A lowercase RFC 4122 UUID, as kube-apiserver puts in `jti`. */
  readonly jti: string
}

export interface KubernetesClaim {
  readonly namespace: string
  readonly node?: ObjectRef
  readonly pod?: ObjectRef
  readonly serviceaccount: ObjectRef
}

/** The claim set of a projected service-account token, in kube-apiserver's member order. */
export interface ServiceAccountTokenClaims {
  readonly aud: string[]
  readonly exp: number
  readonly iat: number
  readonly iss: string
  readonly jti: string
  readonly 'kubernetes.io': KubernetesClaim
  readonly nbf: number
  readonly sub: string
}

/** A service account named by a `system:serviceaccount:<namespace>:<name>` subject. */
export interface ServiceAccountName {
  readonly namespace: string
  readonly name: string
}

function inputError(message: string, path: string): IrsaError {
  return new IrsaError('ERR_TOKEN_INPUT', message, { path })
}

/** True for a DNS-1123 label: at most 63 of `[a-z0-9-]`, alphanumeric at both ends. */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value)
}

/** True for a DNS-1123 subdomain: at most 253 characters of dot-separated DNS-1123 labels. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every((l) => l.length > 0 && DNS1123_LABEL.test(l))
}

/** `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountSubject(namespace: string, name: string): string {
  return `${SUBJECT_PREFIX}${namespace}:${name}`
}

/**
 * Parse a `system:serviceaccount:<namespace>:<name>` subject; undefined unless the namespace is a
 * DNS-1123 label and the name a DNS-1123 subdomain (so neither can contain `:`).
 */
export function serviceAccountFromSubject(sub: string): ServiceAccountName | undefined {
  if (!sub.startsWith(SUBJECT_PREFIX)) return undefined
  const rest = sub.slice(SUBJECT_PREFIX.length)
  const colon = rest.indexOf(':')
  if (colon < 0) return undefined
  const namespace = rest.slice(0, colon)
  const name = rest.slice(colon + 1)
  return isDns1123Label(namespace) && isDns1123Subdomain(name) ? { namespace, name } : undefined
}

function objectRef(value: ObjectRef | undefined, path: string, kind: string): ObjectRef {
  if (typeof value !== 'object' || value === null) throw inputError(`${kind} must be an object with name and uid.`, path)
  if (typeof value.name !== 'string' || !isDns1123Subdomain(value.name)) {
    throw inputError(`${kind} name ${JSON.stringify(value.name)} is not a DNS-1123 subdomain (lowercase alphanumerics, '-' and '.', at most 253 characters).`, `${path}/name`)
  }
  if (typeof value.uid !== 'string' || !UID.test(value.uid)) {
    throw inputError(`${kind} uid must be 1 to 128 printable ASCII characters without spaces.`, `${path}/uid`)
  }
  return { name: value.name, uid: value.uid }
}

/**
 * Validate the input and build the claim set (pure, synchronous). Throws `ERR_TOKEN_INPUT` with a
 * JSON-pointer `path` into the input.
 */
export function serviceAccountTokenClaims(input: ServiceAccountTokenInput): ServiceAccountTokenClaims {
  const issuerProblem = typeof input.issuer === 'string' ? issuerUrlProblem(input.issuer) : 'it is not a string'
  if (issuerProblem !== undefined) throw inputError(`Issuer is not allowed: ${issuerProblem}.`, '/issuer')
  if (!Array.isArray(input.audiences) || input.audiences.length === 0) {
    throw inputError('At least one audience is required.', '/audiences')
  }
  input.audiences.forEach((a, i) => {
    if (typeof a !== 'string' || a.length === 0) throw inputError('Audiences must be non-empty strings.', `/audiences/${i}`)
    if (input.audiences.indexOf(a) !== i) throw inputError(`Audience ${JSON.stringify(a)} is repeated.`, `/audiences/${i}`)
  })
  if (typeof input.namespace !== 'string' || !isDns1123Label(input.namespace)) {
    throw inputError(
      `Namespace ${JSON.stringify(input.namespace)} is not a DNS-1123 label (lowercase alphanumerics and '-', at most 63 characters).`,
      '/namespace',
    )
  }
  const serviceaccount = objectRef(input.serviceAccount, '/serviceAccount', 'Service account')
  const pod = input.pod === undefined ? undefined : objectRef(input.pod, '/pod', 'Pod')
  const node = input.node === undefined ? undefined : objectRef(input.node, '/node', 'Node')
  if (typeof input.now !== 'number' || !Number.isFinite(input.now) || input.now < 0) {
    throw inputError('now must be a non-negative number of epoch seconds.', '/now')
  }
  const expiration = input.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS
  if (!Number.isSafeInteger(expiration) || expiration < MIN_EXPIRATION_SECONDS || expiration > MAX_EXPIRATION_SECONDS) {
    throw inputError(
      `expirationSeconds must be an integer from ${MIN_EXPIRATION_SECONDS} (10 minutes) to ${MAX_EXPIRATION_SECONDS} (2^32).`,
      '/expirationSeconds',
    )
  }
  if (typeof input.jti !== 'string' || !UUID.test(input.jti)) throw inputError('jti must be a lowercase RFC 4122 UUID.', '/jti')

  const iat = Math.floor(input.now)
  // Members in go-jose's (alphabetical) order, so the payload bytes look like kube-apiserver's.
  const kubernetes: KubernetesClaim = {
    namespace: input.namespace,
    ...(node === undefined ? {} : { node }),
    ...(pod === undefined ? {} : { pod }),
    serviceaccount,
  }
  return {
    aud: [...input.audiences],
    exp: iat + expiration,
    iat,
    iss: input.issuer,
    jti: input.jti,
    'kubernetes.io': kubernetes,
    nbf: iat,
    sub: serviceAccountSubject(input.namespace, serviceaccount.name),
  }
}

/**
 * Mint a projected service-account token signed by `key` (which must be active, i.e. not retired).
 * The protected header is exactly `{"alg":<key.alg>,"kid":<key.kid>}`. Throws `ERR_TOKEN_INPUT`
 * for bad input and `ERR_TOKEN_SIGNING_KEY` for an unusable key.
 */
export async function mintServiceAccountToken(input: ServiceAccountTokenInput, key: SigningKey): Promise<string> {
  const claims = serviceAccountTokenClaims(input)
  if (key.retiredAt !== undefined) throw new IrsaError('ERR_TOKEN_SIGNING_KEY', `Signing key ${key.kid} is retired and must not sign.`)
  const imported = await importSigningKey(key)
  const payload = new TextEncoder().encode(JSON.stringify(claims))
  return new CompactSign(payload).setProtectedHeader({ alg: imported.alg, kid: imported.kid }).sign(imported.privateKey)
}
