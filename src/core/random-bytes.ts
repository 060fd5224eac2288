/** A source of cryptographically strong random bytes, e.g. `(n) => crypto.randomBytes(n)`; injected so tests can be deterministic. */
export type RandomBytes = (n: number) => Uint8Array
