/**
 * The JWS algorithms STS accepts for web-identity tokens: "Tokens must be signed using either RSA
 * keys (RS256, RS384, or RS512) or ECDSA keys (ES256, ES384, or ES512)" (STS API model). `none`,
 * HMAC (HS*), RSA-PSS (PS*) and EdDSA are refused.
 */
import type { JWK } from 'jose'

export const WEB_IDENTITY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const

export type WebIdentityAlgorithm = (typeof WEB_IDENTITY_ALGORITHMS)[number]

const EC_CURVES: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }

/** True when `value` is one of the allowed algorithm names (exact, case-sensitive). */
export function isWebIdentityAlgorithm(value: unknown): value is WebIdentityAlgorithm {
  return typeof value === 'string' && (WEB_IDENTITY_ALGORITHMS as readonly string[]).includes(value)
}

/**
 * True when a public JWK can verify `alg`: RSA keys for RS*, EC keys on the matching curve for ES*;
 * and, when present, `use` is `sig`, `alg` equals `alg`, `key_ops` includes `verify`. Keys with
 * private members are refused: a JWKS must never publish them.
 */
export function jwkFitsAlgorithm(jwk: JWK, alg: WebIdentityAlgorithm): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false
  if (jwk.alg !== undefined && jwk.alg !== alg) return false
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return false
  if (jwk.d !== undefined) return false
  if (alg.startsWith('RS')) return jwk.kty === 'RSA' && typeof jwk.n === 'string' && typeof jwk.e === 'string'
  return (
    jwk.kty === 'EC' && jwk.crv === EC_CURVES[alg] && typeof jwk.x === 'string' && typeof jwk.y === 'string'
  )
}
