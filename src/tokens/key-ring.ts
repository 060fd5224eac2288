/**
 * Key rotation as pure functions over a list of SigningKeys. Nothing here mutates its input or
 * reads the clock: `now` is passed in, in epoch **seconds**.
 *
 * Invariant the lead must keep: `maxTokenLifetimeSeconds` is at least the longest lifetime
 * (`exp - iat`) of any token irsa mints, so a retired key stays published until every token it
 * signed has expired.
 */
import { IrsaError } from '../errors.js'
import type { SigningKey } from './signing-key.js'

function seconds(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${what} must be a non-negative number of seconds`)
  return Math.floor(value)
}

/** Newest first (by `createdAt`, then `kid` for a stable order). */
function newestFirst(a: SigningKey, b: SigningKey): number {
  return b.createdAt - a.createdAt || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0)
}

/** The key that signs: the newest key that is not retired; undefined when there is none. */
export function activeKey(keys: readonly SigningKey[]): SigningKey | undefined {
  return keys.filter((k) => k.retiredAt === undefined).sort(newestFirst)[0]
}

/**
 * Retire every key still active at `now` and add `newKey` as the active key. Returns a new list,
 * newest first. Throws `ERR_TOKEN_KEY_RING` if `newKey` is retired or its kid is already present.
 */
export function rotate(keys: readonly SigningKey[], newKey: SigningKey, now: number): SigningKey[] {
  const at = seconds(now, 'now')
  if (newKey.retiredAt !== undefined) throw new IrsaError('ERR_TOKEN_KEY_RING', `Key ${newKey.kid} is retired and cannot become the active key.`)
  if (keys.some((k) => k.kid === newKey.kid)) throw new IrsaError('ERR_TOKEN_KEY_RING', `Key ${newKey.kid} is already in the key ring.`)
  const retired = keys.map((k) => (k.retiredAt === undefined ? { ...k, retiredAt: at } : k))
  return [newKey, ...retired].sort(newestFirst)
}

function stillPublished(key: SigningKey, now: number, maxTokenLifetimeSeconds: number): boolean {
  return key.retiredAt === undefined || key.retiredAt + maxTokenLifetimeSeconds > now
}

/**
 * The keys to publish in the JWKS at `now`: active keys, plus retired keys whose
 * `retiredAt + maxTokenLifetimeSeconds` is still in the future (tokens they signed may still be
 * unexpired). Newest first.
 */
export function publishedKeys(keys: readonly SigningKey[], now: number, maxTokenLifetimeSeconds: number): SigningKey[] {
  const t = seconds(now, 'now')
  const max = seconds(maxTokenLifetimeSeconds, 'maxTokenLifetimeSeconds')
  return keys.filter((k) => stillPublished(k, t, max)).sort(newestFirst)
}

/** What to keep in storage and what to delete: `drop` holds retired keys no longer published. */
export interface PruneResult {
  readonly keep: SigningKey[]
  readonly drop: SigningKey[]
}

/** Split the ring into keys still needed (`keep` = {@link publishedKeys}) and keys to delete (`drop`). */
export function pruneKeys(keys: readonly SigningKey[], now: number, maxTokenLifetimeSeconds: number): PruneResult {
  const keep = publishedKeys(keys, now, maxTokenLifetimeSeconds)
  const kept = new Set(keep)
  return { keep, drop: keys.filter((k) => !kept.has(k)) }
}

/**
 * True when a new key should be generated: there is no active key, or the active key was created
 * `rotationIntervalSeconds` or more ago (EKS rotates every 7 days: 604800).
 */
export function needsRotation(keys: readonly SigningKey[], now: number, rotationIntervalSeconds: number): boolean {
  const active = activeKey(keys)
  return active === undefined || active.createdAt + seconds(rotationIntervalSeconds, 'rotationIntervalSeconds') <= seconds(now, 'now')
}
