/**
 * AWS-shaped credential identifiers: access key ids and role ids that carry the account id the way
 * real ones do (STS GetAccessKeyInfo and other decoders read it back), and secret access keys.
 *
 * Encoding: the first 6 bytes after the 4-letter prefix are the 48-bit big-endian number
 * `(1 << 47) | (account << 7) | rand7`, followed by random bytes; the whole is base32 (`A-Z2-7`).
 * Decoding takes the 16 characters after the prefix: `(first6bytes & 0x7fffffffff80) >> 7`.
 */
import { base32Decode, base32Encode } from './lib/base32.js'
import type { RandomBytes } from '../core/random-bytes.js'

export type AccessKeyPrefix = 'ASIA' | 'AKIA'

const ACCOUNT = /^\d{12}$/
const SECRET_ALPHABET = /^[A-Za-z0-9+/]{40}$/

function take(random: RandomBytes, n: number): Uint8Array {
  const bytes = random(n)
  if (!(bytes instanceof Uint8Array) || bytes.length < n) throw new TypeError(`random(${n}) must return at least ${n} bytes`)
  return bytes.subarray(0, n)
}

/** The 6 leading bytes: top bit set, 40-bit account, 7 random bits. */
function head(account: string, random: RandomBytes): Uint8Array {
  if (!ACCOUNT.test(account)) throw new TypeError(`account must be 12 digits, got '${account}'`)
  const rand7 = BigInt((take(random, 1)[0] as number) & 0x7f)
  let n = (1n << 47n) | (BigInt(account) << 7n) | rand7
  const out = new Uint8Array(6)
  for (let i = 5; i >= 0; i--) {
    out[i] = Number(n & 0xffn)
    n >>= 8n
  }
  return out
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/**
 * A 20-character access key id: the prefix (`ASIA` for temporary, `AKIA` for long-term keys) then 16
 * base32 characters encoding the account.
 *
 * @example accessKeyId('ASIA', '111122223333', randomBytes) // 'ASIARTX3GSDS…'
 */
export function accessKeyId(prefix: AccessKeyPrefix, account: string, random: RandomBytes): string {
  if (prefix !== 'ASIA' && prefix !== 'AKIA') throw new TypeError(`unsupported access key prefix '${String(prefix)}'`)
  return prefix + base32Encode(concat(head(account, random), take(random, 4)))
}

/**
 * A 21-character role id, `AROA` + 17 base32 characters encoding the account.
 *
 * @example roleId('111122223333', randomBytes) // 'AROARTX3GSDS…'
 */
export function roleId(account: string, random: RandomBytes): string {
  return 'AROA' + base32Encode(concat(head(account, random), take(random, 10))).slice(0, 17)
}

/**
 * The 12-digit account id encoded in an access key id or a role id (`ASIA`, `AKIA`, `AROA`, or any
 * other 4-letter prefix), or undefined when the id is not of that shape. Works on ids with or without
 * the top bit set, as AWS's own decoding does.
 */
export function accountFromKeyId(id: string): string | undefined {
  if (!/^[A-Z]{4}[A-Z2-7]{16,124}$/.test(id)) return undefined
  const bytes = base32Decode(id.slice(4, 20))
  if (bytes === undefined) return undefined
  let n = 0n
  for (const b of bytes.subarray(0, 6)) n = (n << 8n) | BigInt(b)
  const account = (n & 0x7fffffffff80n) >> 7n
  if (account > 999_999_999_999n) return undefined
  return account.toString().padStart(12, '0')
}

/**
 * A 40-character secret access key over `[A-Za-z0-9+/]` (30 random bytes, base64).
 */
export function secretAccessKey(random: RandomBytes): string {
  const secret = Buffer.from(take(random, 30)).toString('base64')
  if (!SECRET_ALPHABET.test(secret)) throw new TypeError('unreachable: 30 bytes encode to 40 base64 characters')
  return secret
}
