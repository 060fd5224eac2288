/**
 * Random bytes served from one pooled buffer: a request draws a few dozen bytes (an access key id,
 * a secret, an IV), and one `randomFillSync` of the whole pool per refill costs far less than one
 * call per draw. Every byte handed out is fresh CSPRNG output, used once: the pool only moves
 * forward, and each draw is a copy the caller owns.
 */
import { randomFillSync } from 'node:crypto'

/** Draws larger than this bypass the pool (one fill each), so a big draw does not drain it. */
const MAX_POOLED_DRAW = 512

export class RandomPool {
  private readonly pool: Uint8Array
  private offset: number
  private readonly fill: (buf: Uint8Array) => void

  /** `fill` writes fresh random bytes over a whole buffer (the CSPRNG by default; tests pass their own). */
  constructor(size = 8192, fill: (buf: Uint8Array) => void = (buf) => void randomFillSync(buf)) {
    this.fill = fill
    if (!Number.isInteger(size) || size < MAX_POOLED_DRAW) throw new RangeError(`pool size must be an integer ≥ ${MAX_POOLED_DRAW}`)
    this.pool = new Uint8Array(size)
    this.offset = size // empty: the first draw fills it
  }

  /** `n` fresh random bytes, never handed out before. */
  bytes(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`cannot draw ${n} random bytes`)
    if (n > MAX_POOLED_DRAW) {
      const out = new Uint8Array(n)
      this.fill(out)
      return out
    }
    if (this.offset + n > this.pool.length) {
      this.fill(this.pool)
      this.offset = 0
    }
    const out = this.pool.slice(this.offset, this.offset + n)
    this.pool.fill(0, this.offset, this.offset + n) // what was handed out does not stay behind in the pool
    this.offset += n
    return out
  }
}
