/** Time and randomness, injected everywhere so tests are deterministic and the core stays pure. */
import { randomUUID } from 'node:crypto'
import { RandomPool } from './random-pool.js'

export interface Clock {
  /** Epoch milliseconds. */
  now(): number
}

export interface Random {
  bytes(n: number): Uint8Array
  uuid(): string
}

export const systemClock: Clock = { now: () => Date.now() }

const pool = new RandomPool()

/** The CSPRNG: bytes from one pooled buffer (random-pool.ts); uuids from Node's own entropy cache. */
export const systemRandom: Random = {
  bytes: (n) => pool.bytes(n),
  uuid: () => randomUUID(),
}
