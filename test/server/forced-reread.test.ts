// The rate limit on store re-reads forced by unknown key ids, on a fake clock and a fake wait: at
// most one read per interval, and every caller answered by a read that started after it asked.
import { describe, expect, it } from 'vitest'
import { rateLimitedReread } from '../../src/core/forced-reread.js'

function setup() {
  const clock = { now: 1_000_000 }
  const waits: { ms: number; resolve: () => void }[] = []
  let reads = 0
  const reread = rateLimitedReread(async () => ++reads, {
    intervalMs: 1000,
    now: () => clock.now,
    wait: (ms) => new Promise<void>((resolve) => waits.push({ ms, resolve })),
  })
  /** Let the pending wait end, as the real timer would after `ms`. */
  const elapse = async (): Promise<void> => {
    const w = waits.shift()
    if (w === undefined) throw new Error('nothing is waiting')
    clock.now += w.ms
    w.resolve()
    await new Promise((r) => setImmediate(r))
  }
  return { clock, waits, reread, elapse, reads: () => reads }
}

describe('rateLimitedReread', () => {
  it('reads at once the first time, then makes every caller within the interval share one later read', async () => {
    const { reread, waits, elapse, reads } = setup()
    expect(await reread()).toBe(1)
    const later = Array.from({ length: 50 }, () => reread())
    expect(waits.map((w) => w.ms)).toEqual([1000])
    expect(reads()).toBe(1)
    await elapse()
    expect(await Promise.all(later)).toEqual(Array.from({ length: 50 }, () => 2))
    expect(reads()).toBe(2)
  })

  it('waits only for the rest of the interval', async () => {
    const { reread, clock, waits } = setup()
    await reread()
    clock.now += 700
    void reread()
    expect(waits.map((w) => w.ms)).toEqual([300])
  })

  it('does not wait at all once the interval has passed', async () => {
    const { reread, clock, waits, reads } = setup()
    await reread()
    clock.now += 1000
    expect(await reread()).toBe(2)
    expect(waits).toEqual([])
    expect(reads()).toBe(2)
  })

  it('a caller arriving while a read is running gets the next read, not the running one', async () => {
    let release: (() => void) | undefined
    let reads = 0
    const clock = { now: 0 }
    const waits: number[] = []
    const reread = rateLimitedReread(
      () =>
        new Promise<number>((resolve) => {
          reads++
          const n = reads
          release = () => resolve(n)
        }),
      { intervalMs: 1000, now: () => clock.now, wait: async (ms) => void waits.push(ms) },
    )
    const first = reread()
    const second = reread() // the first read has started: this one must wait for a new read
    expect(waits).toEqual([1000])
    release?.()
    expect(await first).toBe(1)
    await new Promise((r) => setImmediate(r))
    release?.()
    expect(await second).toBe(2)
  })
})
