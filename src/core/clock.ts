/** Time and randomness, injected everywhere so tests are deterministic and the core stays pure. */
import { randomBytes, randomUUID } from 'node:crypto'

export interface Clock {
  /** Epoch milliseconds. */
  now(): number
}

export interface Random {
  bytes(n: number): Uint8Array
  uuid(): string
}

export const systemClock: Clock = { now: () => Date.now() }

export const systemRandom: Random = {
  bytes: (n) => new Uint8Array(randomBytes(n)),
  uuid: () => randomUUID(),
}
