/**
 * The `Marker` of the policy simulation APIs: an opaque, authenticated position in the request's
 * action × resource product. It carries the index of the next result and an HMAC-SHA-256 tag over
 * that index and a digest of every parameter that shapes the results (so a marker only continues the
 * request it came from). The key is derived from the administrator secret, which every replica of one
 * deployment shares, so any replica accepts a marker another one issued. A marker that is not one
 * irsa issued for this request (edited, truncated, from another request or deployment) is refused
 * with `InvalidInput` before any evaluation.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { AwsError } from '../../aws/aws-error.js'

const VERSION = 'v1'
const TAG_BYTES = 16

/** A digest of the parameters that decide a simulation's results, in order (JSON keeps them apart). */
export function requestDigest(parts: readonly unknown[]): Buffer {
  return createHash('sha256').update(JSON.stringify(parts), 'utf8').digest()
}

function markerKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('irsa-simulation-marker-v1').digest()
}

function tag(secret: string, digest: Buffer, index: number): Buffer {
  return createHmac('sha256', markerKey(secret)).update(digest).update(`\u0000${VERSION}\u0000${index}`).digest().subarray(0, TAG_BYTES)
}

/** The marker for the result at `index` of the request with this digest. */
export function encodeMarker(secret: string, digest: Buffer, index: number): string {
  return `${VERSION}.${index.toString(36)}.${tag(secret, digest, index).toString('base64url')}`
}

/** The index a marker names, checked against this request and the number of results (0 < index < total). */
export function decodeMarker(secret: string, digest: Buffer, marker: string, total: number): number {
  const invalid = new AwsError('InvalidInput', 'Invalid Marker.')
  const m = /^v1\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/.exec(marker)
  if (m === null) throw invalid
  const index = parseInt(m[1] as string, 36)
  const given = Buffer.from(m[2] as string, 'base64url')
  // One spelling per marker: no leading zeros, no other base64url spelling of the same tag bytes.
  if (index.toString(36) !== m[1] || given.toString('base64url') !== m[2]) throw invalid
  if (given.length !== TAG_BYTES || !timingSafeEqual(given, tag(secret, digest, index))) throw invalid
  if (!Number.isSafeInteger(index) || index <= 0 || index >= total) throw invalid
  return index
}
