/**
 * Verification keys of irsa's own issuer: straight from the key ring, no fetch. Pass a function
 * returning the currently published keys (`publishedKeys(ring, now, maxTokenLifetime)`), so a
 * key stops verifying when it stops being published. Keys are Node KeyObjects (native verify).
 */
import { createPublicKey } from 'node:crypto'
import type { JsonWebKey, KeyObject } from 'node:crypto'
import { IrsaError } from '../errors.js'
import type { SigningKey } from './signing-key.js'
import type { GetVerificationKey } from './verify-web-identity-token.js'

/** A key source over irsa's own published signing keys: exact `kid` and `alg` match. */
export function localKeySource(published: () => readonly SigningKey[]): GetVerificationKey {
  const cache = new WeakMap<SigningKey, KeyObject>()
  return async (_provider, header) => {
    const key = published().find((k) => k.kid === header.kid && k.alg === header.alg)
    if (key === undefined) {
      const kid = header.kid === undefined || header.kid === '' ? 'an empty kid' : `kid ${JSON.stringify(header.kid)}`
      throw new IrsaError('ERR_TOKEN_NO_KEY', `No published signing key matches ${kid} and algorithm ${header.alg}.`)
    }
    let k = cache.get(key)
    if (k === undefined) {
      k = createPublicKey({ key: key.publicJwk as JsonWebKey, format: 'jwk' })
      cache.set(key, k)
    }
    return k
  }
}
