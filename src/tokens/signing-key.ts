/**
 * Signing keys of irsa's own issuer. A key is plain JSON (so the lead can store it in SQLite as
 * text) holding both JWKs; `kid` is the RFC 7638 SHA-256 thumbprint of the public JWK.
 *
 * Times are epoch **seconds** (integers; fractional input is floored).
 *
 * > The private JWK is secret: never log a SigningKey or put it in an error message.
 */
import { calculateJwkThumbprint, CompactSign, compactVerify, exportJWK, generateKeyPair, importJWK } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { IrsaError } from '../errors.js'

export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number]

/** A signing key as stored. Every member is JSON; `retiredAt` is absent while the key is active. */
export interface SigningKey {
  /** RFC 7638 thumbprint (SHA-256, base64url) of `publicJwk`. */
  readonly kid: string
  readonly alg: SigningAlgorithm
  /** The private JWK, required members only (RSA: kty n e d p q dp dq qi; EC: kty crv x y d). */
  readonly privateJwk: JWK
  /** The public JWK, required members only (RSA: kty n e; EC: kty crv x y). */
  readonly publicJwk: JWK
  /** Epoch seconds. */
  readonly createdAt: number
  /** Epoch seconds; set when the key stops signing. */
  readonly retiredAt?: number
}

/** A SigningKey imported into WebCrypto. The private CryptoKey is not extractable. */
export interface ImportedSigningKey {
  readonly kid: string
  readonly alg: SigningAlgorithm
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
}

const PUBLIC_MEMBERS = { RSA: ['kty', 'n', 'e'], EC: ['kty', 'crv', 'x', 'y'] } as const
const PRIVATE_MEMBERS = {
  RSA: ['kty', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'],
  EC: ['kty', 'crv', 'x', 'y', 'd'],
} as const
const KTY: Readonly<Record<SigningAlgorithm, 'RSA' | 'EC'>> = { RS256: 'RSA', ES256: 'EC' }
const B64URL = /^[A-Za-z0-9_-]+$/

function pick(jwk: JWK, members: readonly string[]): JWK {
  const out: Record<string, unknown> = {}
  for (const m of members) out[m] = (jwk as Record<string, unknown>)[m]
  return out as JWK
}

function epochSeconds(now: number, what: string): number {
  if (!Number.isFinite(now) || now < 0) throw new TypeError(`${what} must be a non-negative number of epoch seconds`)
  return Math.floor(now)
}

/** A fresh key pair for `alg` (RSA 2048 for RS256, P-256 for ES256) created at `now` (epoch seconds). */
export async function generateSigningKey(alg: SigningAlgorithm, now: number): Promise<SigningKey> {
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new TypeError(`alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`)
  }
  const createdAt = epochSeconds(now, 'now')
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 })
  const kty = KTY[alg]
  const publicJwk = pick(await exportJWK(publicKey), PUBLIC_MEMBERS[kty])
  const privateJwk = pick(await exportJWK(privateKey), PRIVATE_MEMBERS[kty])
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256')
  return { kid, alg, privateJwk, publicJwk, createdAt }
}

function keyShapeError(detail: string): IrsaError {
  // Never echo the value: it may hold private key material.
  return new IrsaError('ERR_TOKEN_SIGNING_KEY', `Stored signing key is malformed: ${detail}.`)
}

function readJwk(value: unknown, members: readonly string[], kty: string, label: string): JWK {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw keyShapeError(`${label} is not an object`)
  const rec = value as Record<string, unknown>
  if (rec.kty !== kty) throw keyShapeError(`${label}.kty must be ${kty}`)
  for (const m of members) {
    if (m === 'kty') continue
    const v = rec[m]
    if (typeof v !== 'string' || (m !== 'crv' && !B64URL.test(v))) throw keyShapeError(`${label}.${m} is missing or not base64url`)
  }
  return pick(value as JWK, members)
}

/**
 * Check the shape of a stored key (e.g. `JSON.parse` of a SQLite column) and return a clean
 * SigningKey with only the known members. `retiredAt: null` is read as absent. Throws
 * `ERR_TOKEN_SIGNING_KEY`. Cryptographic consistency is checked by {@link importSigningKey}.
 */
export function parseSigningKey(value: unknown): SigningKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw keyShapeError('not an object')
  const rec = value as Record<string, unknown>
  const alg = rec.alg
  if (typeof alg !== 'string' || !(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
    throw keyShapeError(`alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`)
  }
  const a = alg as SigningAlgorithm
  const kty = KTY[a]
  if (typeof rec.kid !== 'string' || !B64URL.test(rec.kid)) throw keyShapeError('kid is missing or not base64url')
  const publicJwk = readJwk(rec.publicJwk, PUBLIC_MEMBERS[kty], kty, 'publicJwk')
  const privateJwk = readJwk(rec.privateJwk, PRIVATE_MEMBERS[kty], kty, 'privateJwk')
  for (const m of PUBLIC_MEMBERS[kty]) {
    if ((publicJwk as Record<string, unknown>)[m] !== (privateJwk as Record<string, unknown>)[m]) {
      throw keyShapeError(`privateJwk.${m} differs from publicJwk.${m}`)
    }
  }
  if (kty === 'EC' && publicJwk.crv !== 'P-256') throw keyShapeError('ES256 keys must use curve P-256')
  const createdAt = rec.createdAt
  if (!Number.isSafeInteger(createdAt) || (createdAt as number) < 0) throw keyShapeError('createdAt must be epoch seconds')
  const retiredAt = rec.retiredAt
  if (retiredAt !== undefined && retiredAt !== null && (!Number.isSafeInteger(retiredAt) || (retiredAt as number) < 0)) {
    throw keyShapeError('retiredAt must be epoch seconds')
  }
  const key: SigningKey = { kid: rec.kid, alg: a, privateJwk, publicJwk, createdAt: createdAt as number }
  return retiredAt === undefined || retiredAt === null ? key : { ...key, retiredAt: retiredAt as number }
}

interface CacheEntry {
  readonly material: string
  readonly imported: Promise<ImportedSigningKey>
}

const CACHE_LIMIT = 256
const cache = new Map<string, CacheEntry>()

async function importUncached(key: SigningKey): Promise<ImportedSigningKey> {
  const clean = parseSigningKey(key)
  const kid = await calculateJwkThumbprint(clean.publicJwk, 'sha256')
  if (kid !== clean.kid) throw new IrsaError('ERR_TOKEN_SIGNING_KEY', `Signing key ${clean.kid}: kid is not the RFC 7638 thumbprint of its public key.`)
  let privateKey: CryptoKey
  let publicKey: CryptoKey
  try {
    privateKey = (await importJWK(clean.privateJwk, clean.alg, { extractable: false })) as CryptoKey
    publicKey = (await importJWK(clean.publicJwk, clean.alg)) as CryptoKey
  } catch (cause) {
    throw new IrsaError('ERR_TOKEN_SIGNING_KEY', `Signing key ${clean.kid} cannot be imported.`, { cause })
  }
  // A self-test: a private half that does not belong to the public half would mint tokens nobody can verify.
  try {
    const probe = new TextEncoder().encode('irsa signing-key self-test')
    const jws = await new CompactSign(probe).setProtectedHeader({ alg: clean.alg }).sign(privateKey)
    await compactVerify(jws, publicKey, { algorithms: [clean.alg] })
  } catch (cause) {
    throw new IrsaError('ERR_TOKEN_SIGNING_KEY', `Signing key ${clean.kid}: the private key does not match the public key.`, { cause })
  }
  return { kid: clean.kid, alg: clean.alg, privateKey, publicKey }
}

/**
 * Import a stored key into WebCrypto, checking that it is well formed, that `kid` is its
 * thumbprint and that the private key matches the public key. Results are cached by `kid` (and
 * checked against the full key material, so a different key reusing a `kid` is never served from
 * the cache). Throws `ERR_TOKEN_SIGNING_KEY`.
 */
export function importSigningKey(key: SigningKey): Promise<ImportedSigningKey> {
  const material = JSON.stringify([key.kid, key.alg, key.privateJwk])
  const hit = cache.get(key.kid)
  if (hit !== undefined && hit.material === material) return hit.imported
  const imported = importUncached(key)
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next()
    if (oldest.done !== true) cache.delete(oldest.value)
  }
  cache.set(key.kid, { material, imported })
  imported.catch(() => {
    if (cache.get(key.kid)?.imported === imported) cache.delete(key.kid)
  })
  return imported
}

/** Empty the import cache (tests; or after a key is deleted from storage). */
export function clearSigningKeyCache(): void {
  cache.clear()
}
