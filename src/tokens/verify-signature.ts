/**
 * JWS signature verification with Node's native crypto for KeyObjects: jose 6 verifies through
 * WebCrypto, whose per-call algorithm normalisation costs about ten times the RSA verification
 * itself on Node 20. Same checks as jose: the key type and size must fit the algorithm.
 */
import { verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { WebIdentityAlgorithm } from './algorithms.js'

const HASH: Readonly<Record<WebIdentityAlgorithm, string>> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
}
const CURVE: Readonly<Record<string, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }

/** 'ok', 'bad-signature', or 'key-mismatch' when the key cannot verify `alg` at all. */
export function verifyCompactSignature(token: string, key: KeyObject, alg: WebIdentityAlgorithm): 'ok' | 'bad-signature' | 'key-mismatch' {
  if (key.type !== 'public') return 'key-mismatch'
  const details = key.asymmetricKeyDetails
  if (alg.startsWith('RS')) {
    if (key.asymmetricKeyType !== 'rsa' || (details?.modulusLength ?? 0) < 2048) return 'key-mismatch'
  } else if (key.asymmetricKeyType !== 'ec' || details?.namedCurve !== CURVE[alg]) {
    return 'key-mismatch'
  }
  const dot = token.lastIndexOf('.')
  const input = Buffer.from(token.slice(0, dot), 'ascii')
  const signature = Buffer.from(token.slice(dot + 1), 'base64url')
  const ok = alg.startsWith('ES')
    ? verify(HASH[alg], input, { key, dsaEncoding: 'ieee-p1363' }, signature)
    : verify(HASH[alg], input, key, signature)
  return ok ? 'ok' : 'bad-signature'
}
