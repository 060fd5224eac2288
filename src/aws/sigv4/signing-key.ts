/**
 * SigV4 signing-key derivation, with a small bounded cache: the key depends only on the secret and
 * the (date, region, service) scope, so it changes at most once a day per credential.
 */
import { createHash, createHmac } from 'node:crypto'

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secretAccessKey}`).update(date, 'utf8').digest()
  const kRegion = createHmac('sha256', kDate).update(region, 'utf8').digest()
  const kService = createHmac('sha256', kRegion).update(service, 'utf8').digest()
  return createHmac('sha256', kService).update('aws4_request', 'utf8').digest()
}

export interface SigningKeyCache {
  /** The signing key for the scope, derived on a miss. */
  get(secretAccessKey: string, date: string, region: string, service: string): Buffer
  readonly size: number
}

/**
 * A least-recently-used cache of derived signing keys, at most `maxEntries` of them. Entries are keyed
 * by a SHA-256 of the secret, never by the secret itself.
 */
export function createSigningKeyCache(maxEntries = 256): SigningKeyCache {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer')
  const map = new Map<string, Buffer>()
  return {
    get(secretAccessKey, date, region, service) {
      const id = `${createHash('sha256').update(secretAccessKey, 'utf8').digest('base64')}\n${date}\n${region}\n${service}`
      const hit = map.get(id)
      if (hit !== undefined) {
        map.delete(id)
        map.set(id, hit)
        return hit
      }
      const key = deriveSigningKey(secretAccessKey, date, region, service)
      map.set(id, key)
      if (map.size > maxEntries) {
        const oldest = map.keys().next()
        if (oldest.done !== true) map.delete(oldest.value)
      }
      return key
    },
    get size() {
      return map.size
    },
  }
}
