/**
 * Sealed session tokens: the `SessionToken` handed out with temporary credentials is the session
 * itself, encrypted and authenticated with AES-256-GCM under a server-side sealing key. Any replica
 * holding the key can open it and recover the secret access key and claims, with no database read.
 *
 * Layout (opaque to clients): `IQoJb3JpZ2luX2Vj` + base64( version | keyIdLength | keyId | iv | ciphertext | tag ).
 * - version: one byte, 1;
 * - keyIdLength: one byte, then the key id in ASCII (1–64 of `[A-Za-z0-9._-]`), so keys can rotate;
 * - iv: 12 random bytes; tag: 16 bytes;
 * - associated data: version | keyIdLength | keyId, so the header cannot be swapped either.
 * The prefix is what newer real STS session tokens start with, and is itself aligned base64, so the
 * whole token is valid base64 as real ones are.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import type { RandomBytes } from './random-bytes.js'

/** What a session token carries. Times are epoch seconds. */
export interface SessionClaims {
  readonly v: 1
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly account: string
  readonly roleArn: string
  readonly roleId: string
  readonly roleName: string
  readonly sessionName: string
  readonly issuedAt: number
  readonly expiresAt: number
  /** Inline session policies, each a policy JSON text. */
  readonly sessionPolicies?: readonly string[]
  readonly sessionPolicyArns?: readonly string[]
  readonly providerArn?: string
  readonly subject?: string
  readonly audience?: string
  readonly sourceIdentity?: string
  readonly tags?: Readonly<Record<string, string>>
  readonly transitiveTagKeys?: readonly string[]
  readonly jti?: string
}

export interface SealingKey {
  /** Names the key inside each token; 1–64 of `[A-Za-z0-9._-]`. */
  readonly id: string
  /** 32 bytes of AES-256 key. */
  readonly secret: Uint8Array
}

export type OpenSessionResult =
  | { readonly ok: true; readonly payload: SessionClaims; readonly keyId: string }
  | { readonly ok: false; readonly reason: 'malformed' | 'unknown-key' | 'tampered' }

export const SESSION_TOKEN_PREFIX = 'IQoJb3JpZ2luX2Vj'
/** Tokens longer than this are refused unopened (and never sealed). */
export const MAX_SESSION_TOKEN_LENGTH = 65_536

const VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

function checkKey(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) throw new TypeError('a sealing key secret must be 32 bytes')
}

function header(keyId: string): Buffer {
  return Buffer.concat([Buffer.from([VERSION, keyId.length]), Buffer.from(keyId, 'ascii')])
}

/**
 * Seal claims into a session token.
 *
 * @example
 * const token = sealSession(claims, currentKey, (n) => crypto.randomBytes(n))
 */
export function sealSession(payload: SessionClaims, key: SealingKey, random: RandomBytes): string {
  if (!KEY_ID.test(key.id)) throw new TypeError(`invalid sealing key id '${key.id}'`)
  checkKey(key.secret)
  const iv = random(IV_BYTES)
  if (!(iv instanceof Uint8Array) || iv.length < IV_BYTES) throw new TypeError(`random(${IV_BYTES}) must return ${IV_BYTES} bytes`)
  const aad = header(key.id)
  const cipher = createCipheriv('aes-256-gcm', key.secret, iv.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()])
  const token = SESSION_TOKEN_PREFIX + Buffer.concat([aad, iv.subarray(0, IV_BYTES), ciphertext, cipher.getAuthTag()]).toString('base64')
  if (token.length > MAX_SESSION_TOKEN_LENGTH) {
    throw new RangeError(`the sealed session token would be ${token.length} characters, over ${MAX_SESSION_TOKEN_LENGTH}`)
  }
  return token
}

/**
 * Open a session token: `malformed` when it is not one of ours at all (wrong prefix, bad base64,
 * unknown version, too short or too long, or claims of the wrong shape), `unknown-key` when its key id
 * is not among `keys`, `tampered` when it does not authenticate under that key. Never throws for any
 * string input.
 */
export function openSession(token: string, keys: (id: string) => Uint8Array | undefined): OpenSessionResult {
  if (typeof token !== 'string' || token.length > MAX_SESSION_TOKEN_LENGTH || !token.startsWith(SESSION_TOKEN_PREFIX)) {
    return { ok: false, reason: 'malformed' }
  }
  const body = token.slice(SESSION_TOKEN_PREFIX.length)
  if (body.length % 4 !== 0 || !BASE64.test(body)) return { ok: false, reason: 'malformed' }
  const bytes = Buffer.from(body, 'base64')
  // Canonical base64 only: otherwise the unused low bits of the last character could change freely.
  if (bytes.toString('base64') !== body) return { ok: false, reason: 'malformed' }
  if (bytes.length < 2 || bytes[0] !== VERSION) return { ok: false, reason: 'malformed' }
  const idLength = bytes[1] as number
  const ivAt = 2 + idLength
  if (bytes.length < ivAt + IV_BYTES + TAG_BYTES + 1) return { ok: false, reason: 'malformed' }
  const keyId = bytes.subarray(2, ivAt).toString('latin1')
  if (!KEY_ID.test(keyId)) return { ok: false, reason: 'malformed' }
  const secret = keys(keyId)
  if (secret === undefined) return { ok: false, reason: 'unknown-key' }
  checkKey(secret)

  let plaintext: string
  try {
    const decipher = createDecipheriv('aes-256-gcm', secret, bytes.subarray(ivAt, ivAt + IV_BYTES), { authTagLength: TAG_BYTES })
    decipher.setAAD(bytes.subarray(0, ivAt))
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
    plaintext = Buffer.concat([decipher.update(bytes.subarray(ivAt + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8')
  } catch {
    return { ok: false, reason: 'tampered' }
  }
  let payload: unknown
  try {
    payload = JSON.parse(plaintext)
  } catch {
    return { ok: false, reason: 'malformed' }
  }
  return isSessionClaims(payload) ? { ok: true, payload, keyId } : { ok: false, reason: 'malformed' }
}

/** A fresh sealing key: a random 16-hex-digit id and a 32-byte secret. */
export function generateSealingKey(random: RandomBytes): SealingKey {
  const id = Buffer.from(random(8).subarray(0, 8)).toString('hex')
  const secret = Uint8Array.from(random(32).subarray(0, 32))
  checkKey(secret)
  return { id, secret }
}

const REQUIRED_STRINGS = ['accessKeyId', 'secretAccessKey', 'account', 'roleArn', 'roleId', 'roleName', 'sessionName'] as const
const OPTIONAL_STRINGS = ['providerArn', 'subject', 'audience', 'sourceIdentity', 'jti'] as const
const OPTIONAL_STRING_LISTS = ['sessionPolicies', 'sessionPolicyArns', 'transitiveTagKeys'] as const

function isStringList(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === 'string')
}

/** The shape check applied after decryption (defence in depth: only our own key could have sealed it). */
function isSessionClaims(v: unknown): v is SessionClaims {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const o = v as Record<string, unknown>
  if (o.v !== 1) return false
  if (!REQUIRED_STRINGS.every((k) => typeof o[k] === 'string')) return false
  if (!Number.isFinite(o.issuedAt) || !Number.isFinite(o.expiresAt)) return false
  if (!OPTIONAL_STRINGS.every((k) => o[k] === undefined || typeof o[k] === 'string')) return false
  if (!OPTIONAL_STRING_LISTS.every((k) => o[k] === undefined || isStringList(o[k]))) return false
  if (o.tags !== undefined) {
    if (typeof o.tags !== 'object' || o.tags === null || Array.isArray(o.tags)) return false
    if (!Object.values(o.tags).every((x) => typeof x === 'string')) return false
  }
  return true
}
