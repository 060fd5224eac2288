import { describe, expect, it } from 'vitest'
import { RandomPool } from '../../src/core/random-pool.js'
import { systemRandom } from '../../src/core/clock.js'

/** A fill that writes a running counter, so every byte the pool hands out is identifiable. */
function counterFill(): { fill: (b: Uint8Array) => void; calls: () => number } {
  let next = 0
  let calls = 0
  return {
    fill: (b) => {
      calls++
      for (let i = 0; i < b.length; i++) b[i] = next++ & 0xff
    },
    calls: () => calls,
  }
}

describe('RandomPool', () => {
  it('hands out every filled byte once, in order, refilling with one fill when the pool runs out', () => {
    const f = counterFill()
    const pool = new RandomPool(1024, f.fill)
    const seen: number[] = []
    for (let i = 0; i < 200; i++) seen.push(...pool.bytes(1 + (i % 30)))
    // 200 draws totalling > 2 pools: the bytes are exactly the fill stream minus the tails skipped at each refill
    expect(f.calls()).toBeGreaterThanOrEqual(Math.ceil(seen.length / 1024))
    expect(f.calls()).toBeLessThanOrEqual(Math.ceil(seen.length / (1024 - 30)))
    expect(new Set(seen.slice(0, 256)).size).toBe(256) // the first 256 bytes are 0..255, none repeated
  })

  it('never returns the same bytes twice, and a draw is a copy the caller owns', () => {
    const f = counterFill()
    const pool = new RandomPool(600, f.fill)
    const a = pool.bytes(40)
    const b = pool.bytes(40)
    expect([...a]).toEqual(Array.from({ length: 40 }, (_, i) => i))
    expect([...b]).toEqual(Array.from({ length: 40 }, (_, i) => 40 + i))
    a.fill(7)
    expect([...pool.bytes(4)]).toEqual([80, 81, 82, 83])
  })

  it('serves draws larger than a pooled draw with their own fill', () => {
    const f = counterFill()
    const pool = new RandomPool(1024, f.fill)
    expect(pool.bytes(2000)).toHaveLength(2000)
    expect(f.calls()).toBe(1)
    expect(pool.bytes(0)).toHaveLength(0)
    expect(() => pool.bytes(-1)).toThrow(RangeError)
    expect(() => pool.bytes(1.5)).toThrow(RangeError)
  })

  it('the system source gives distinct, roughly uniform bytes across refills', () => {
    const counts = new Array<number>(256).fill(0)
    const draws = new Set<string>()
    for (let i = 0; i < 4000; i++) {
      const b = systemRandom.bytes(30)
      draws.add(Buffer.from(b).toString('hex'))
      for (const x of b) counts[x] = (counts[x] as number) + 1
    }
    expect(draws.size).toBe(4000)
    // 120,000 bytes: each value expected ~469 times; a stuck or repeating pool would be far outside this
    for (const c of counts) expect(c).toBeGreaterThan(300)
  })
})
