/**
 * Forced re-reads of a key list from the store, for a key id the cache does not know (another
 * replica may just have added the key), at most one per interval in this process.
 *
 * Each caller is answered by a read that starts after it asked: the first forced read runs at once;
 * a caller arriving less than `intervalMs` after the last one started waits for the next, which all
 * callers waiting share. So a genuinely new key is found within one interval, while a flood of
 * made-up key ids (from requests nobody has authenticated yet) costs at most one store read per
 * interval, however many requests there are.
 */
import { setTimeout as sleep } from 'node:timers/promises'

export interface ForcedRereadOptions {
  /** Minimum time between the starts of two forced reads; default 1000. */
  readonly intervalMs?: number
  /** Epoch milliseconds. */
  readonly now: () => number
  /** Waits `ms`; default a real timer. */
  readonly wait?: (ms: number) => Promise<unknown>
}

export const DEFAULT_FORCED_REREAD_INTERVAL_MS = 1000

/** Wrap `read` so calls to the result start at most one `read` per interval (see the module comment). */
export function rateLimitedReread<T>(read: () => Promise<T>, o: ForcedRereadOptions): () => Promise<T> {
  const intervalMs = o.intervalMs ?? DEFAULT_FORCED_REREAD_INTERVAL_MS
  const wait = o.wait ?? ((ms: number) => sleep(ms, undefined, { ref: false }))
  let lastStartMs: number | undefined
  /** The next read, not yet started: every caller arriving before it starts shares it. */
  let next: Promise<T> | undefined
  return () => {
    if (next !== undefined) return next
    const elapsed = lastStartMs === undefined ? intervalMs : o.now() - lastStartMs
    // Clamped, so a clock that jumps either way never stalls a caller for more than one interval.
    const delay = Math.min(intervalMs, Math.max(0, intervalMs - elapsed))
    if (delay === 0) {
      lastStartMs = o.now()
      return read()
    }
    const scheduled = (async () => {
      await wait(delay)
      next = undefined
      lastStartMs = o.now()
      return read()
    })()
    next = scheduled
    return scheduled
  }
}
