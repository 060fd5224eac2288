/**
 * A cache of facts read from the backend: each entry lives `ttlMs` (by the clock passed in), at
 * most `maxEntries` are kept (the least recently used goes first), and concurrent misses for one
 * key share a single read. A key forgotten while its read is in flight does not get that read's
 * (possibly stale) answer stored; the callers already waiting still receive it.
 */
import type { Clock } from '../../core/clock.js'

interface Entry<V> {
  readonly value: V
  readonly expires: number
}

export interface FactsCacheOptions {
  readonly clock: Clock
  readonly ttlMs: number
  readonly maxEntries: number
}

export class FactsCache<V> {
  private readonly entries = new Map<string, Entry<V>>()
  /** Reads in flight; `stale` is set when the key is forgotten meanwhile, so the answer is not stored. */
  private readonly inflight = new Map<string, { readonly promise: Promise<V>; readonly flight: { stale: boolean } }>()
  private readonly o: FactsCacheOptions

  constructor(o: FactsCacheOptions) {
    if (!(o.ttlMs >= 0) || !(o.maxEntries >= 1)) throw new TypeError('ttlMs must be >= 0 and maxEntries >= 1')
    this.o = o
  }

  /** The fresh cached value, or undefined (marks it recently used). */
  peek(key: string): V | undefined {
    const e = this.entries.get(key)
    if (e === undefined) return undefined
    if (this.o.clock.now() >= e.expires) {
      this.entries.delete(key)
      return undefined
    }
    this.entries.delete(key)
    this.entries.set(key, e)
    return e.value
  }

  has(key: string): boolean {
    return this.peek(key) !== undefined
  }

  /** The cached value, or `load()`'s answer shared by every caller that misses meanwhile. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const e = this.entries.get(key)
    if (e !== undefined && this.o.clock.now() < e.expires) {
      this.entries.delete(key)
      this.entries.set(key, e)
      return Promise.resolve(e.value)
    }
    const pending = this.inflight.get(key)
    if (pending !== undefined) return pending.promise
    const flight = { stale: false }
    const settle = (): void => {
      if (this.inflight.get(key)?.flight === flight) this.inflight.delete(key)
    }
    const promise = Promise.resolve()
      .then(load)
      .then(
        (value) => {
          settle()
          if (!flight.stale) this.set(key, value)
          return value
        },
        (err: unknown) => {
          settle()
          throw err
        },
      )
    this.inflight.set(key, { promise, flight })
    return promise
  }

  set(key: string, value: V): void {
    this.entries.delete(key)
    this.entries.set(key, { value, expires: this.o.clock.now() + this.o.ttlMs })
    while (this.entries.size > this.o.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest === undefined) break
      this.entries.delete(oldest)
    }
  }

  forget(key: string): void {
    this.entries.delete(key)
    const f = this.inflight.get(key)
    if (f !== undefined) {
      f.flight.stale = true
      this.inflight.delete(key)
    }
  }

  /** Forget every entry (and in-flight read) whose key passes `test`. */
  forgetWhere(test: (key: string) => boolean): void {
    for (const key of [...this.entries.keys(), ...this.inflight.keys()]) if (test(key)) this.forget(key)
  }

  forgetAll(): void {
    this.entries.clear()
    for (const f of this.inflight.values()) f.flight.stale = true
    this.inflight.clear()
  }

  get size(): number {
    return this.entries.size
  }
}
