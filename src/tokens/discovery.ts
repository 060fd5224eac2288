/**
 * The two documents irsa's issuer serves, in the shape EKS and kube-apiserver serve them: the OIDC
 * discovery document at {@link DISCOVERY_PATH} and the JWKS at {@link JWKS_PATH}.
 */
import type { SigningAlgorithm, SigningKey } from './signing-key.js'
import { issuerDocumentUrl, parseIssuerUrl } from './issuer-url.js'

/** Where a relying party (STS) looks for the discovery document, under the issuer. */
export const DISCOVERY_PATH = '/.well-known/openid-configuration'

/** Where irsa serves its JWKS, under the issuer: kube-apiserver's path (EKS serves `/keys`). */
export const JWKS_PATH = '/openid/v1/jwks'

/** The OIDC discovery document, members in EKS order. */
export interface DiscoveryDocument {
  readonly issuer: string
  readonly jwks_uri: string
  readonly authorization_endpoint: 'urn:kubernetes:programmatic_authorization'
  readonly response_types_supported: readonly ['id_token']
  readonly subject_types_supported: readonly ['public']
  readonly claims_supported: readonly ['sub', 'iss']
  readonly id_token_signing_alg_values_supported: readonly SigningAlgorithm[]
}

/** A public JWK as published: `{kty, alg, use, kid, n, e}` or `{kty, alg, use, kid, crv, x, y}`. */
export type PublishedJwk =
  | { readonly kty: 'RSA'; readonly alg: SigningAlgorithm; readonly use: 'sig'; readonly kid: string; readonly n: string; readonly e: string }
  | {
      readonly kty: 'EC'
      readonly alg: SigningAlgorithm
      readonly use: 'sig'
      readonly kid: string
      readonly crv: string
      readonly x: string
      readonly y: string
    }

export interface JwksDocument {
  readonly keys: readonly PublishedJwk[]
}

const ALG_ORDER: readonly SigningAlgorithm[] = ['RS256', 'ES256']

/** The `jwks_uri` of an issuer: the issuer minus trailing slashes, then {@link JWKS_PATH}. */
export function jwksUri(issuer: string): string {
  return issuerDocumentUrl(issuer, JWKS_PATH)
}

/**
 * The discovery document for `issuer` (used verbatim: it must equal the `iss` of minted tokens;
 * pass it through `canonicalIssuer` once at start-up). `id_token_signing_alg_values_supported`
 * lists the algorithms of `keys` (the published keys), RS256 before ES256, and is empty when no
 * key is published. Throws `ERR_TOKEN_ISSUER_URL` for a disallowed issuer.
 */
export function discoveryDocument(issuer: string, keys: readonly SigningKey[]): DiscoveryDocument {
  parseIssuerUrl(issuer)
  const algs = new Set(keys.map((k) => k.alg))
  return {
    issuer,
    jwks_uri: jwksUri(issuer),
    authorization_endpoint: 'urn:kubernetes:programmatic_authorization',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    claims_supported: ['sub', 'iss'],
    id_token_signing_alg_values_supported: ALG_ORDER.filter((a) => algs.has(a)),
  }
}

/** One published JWK, built member by member from the public JWK so no private member can leak. */
export function publishedJwk(key: SigningKey): PublishedJwk {
  const pub = key.publicJwk
  if (pub.kty === 'RSA' && typeof pub.n === 'string' && typeof pub.e === 'string') {
    return { kty: 'RSA', alg: key.alg, use: 'sig', kid: key.kid, n: pub.n, e: pub.e }
  }
  if (pub.kty === 'EC' && typeof pub.crv === 'string' && typeof pub.x === 'string' && typeof pub.y === 'string') {
    return { kty: 'EC', alg: key.alg, use: 'sig', kid: key.kid, crv: pub.crv, x: pub.x, y: pub.y }
  }
  throw new TypeError(`Signing key ${key.kid} has an unsupported public JWK`)
}

/** The JWKS document for the published keys, in the order given (key-ring order: newest first). */
export function jwksDocument(keys: readonly SigningKey[]): JwksDocument {
  return { keys: keys.map(publishedJwk) }
}
