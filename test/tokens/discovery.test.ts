import { beforeAll, describe, expect, it } from 'vitest'
import { isIrsaError } from '../../src/errors.js'
import { DISCOVERY_PATH, discoveryDocument, JWKS_PATH, jwksDocument, jwksUri } from '../../src/tokens/discovery.js'
import { canonicalIssuer, isLoopbackHost, issuerDocumentUrl, issuerHostPath, parseIssuerUrl } from '../../src/tokens/issuer-url.js'
import { generateSigningKey } from '../../src/tokens/signing-key.js'
import type { SigningKey } from '../../src/tokens/signing-key.js'
import { ISSUER } from './helpers.js'

let rsa: SigningKey
let ec: SigningKey

beforeAll(async () => {
  ;[rsa, ec] = await Promise.all([generateSigningKey('RS256', 1), generateSigningKey('ES256', 2)])
})

describe('discovery document', () => {
  it('has the EKS shape, member order included', () => {
    const doc = discoveryDocument(ISSUER, [rsa])
    expect(JSON.stringify(doc)).toBe(
      JSON.stringify({
        issuer: ISSUER,
        jwks_uri: `${ISSUER}/openid/v1/jwks`,
        authorization_endpoint: 'urn:kubernetes:programmatic_authorization',
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        claims_supported: ['sub', 'iss'],
        id_token_signing_alg_values_supported: ['RS256'],
      }),
    )
  })

  it('lists the algorithms of the published keys, once each, in a fixed order', () => {
    expect(discoveryDocument(ISSUER, [ec, rsa, ec]).id_token_signing_alg_values_supported).toEqual(['RS256', 'ES256'])
    expect(discoveryDocument(ISSUER, [ec]).id_token_signing_alg_values_supported).toEqual(['ES256'])
    expect(discoveryDocument(ISSUER, []).id_token_signing_alg_values_supported).toEqual([])
  })

  it('refuses a disallowed issuer', () => {
    let e: unknown
    try {
      discoveryDocument('http://oidc.example.com', [rsa])
    } catch (err) {
      e = err
    }
    expect(isIrsaError(e, 'ERR_TOKEN_ISSUER_URL')).toBe(true)
  })

  it('builds jwks_uri and document URLs without doubling slashes', () => {
    expect(JWKS_PATH).toBe('/openid/v1/jwks')
    expect(jwksUri('https://a.example/x/')).toBe('https://a.example/x/openid/v1/jwks')
    expect(issuerDocumentUrl('https://a.example/', DISCOVERY_PATH)).toBe('https://a.example/.well-known/openid-configuration')
  })
})

describe('JWKS document', () => {
  it('publishes only public members, in the EKS member order', () => {
    const doc = jwksDocument([rsa, ec])
    expect(doc.keys).toHaveLength(2)
    expect(Object.keys(doc.keys[0] ?? {})).toEqual(['kty', 'alg', 'use', 'kid', 'n', 'e'])
    expect(doc.keys[0]).toEqual({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: rsa.kid, n: rsa.publicJwk.n, e: 'AQAB' })
    expect(Object.keys(doc.keys[1] ?? {})).toEqual(['kty', 'alg', 'use', 'kid', 'crv', 'x', 'y'])
    expect(doc.keys[1]).toEqual({ kty: 'EC', alg: 'ES256', use: 'sig', kid: ec.kid, crv: 'P-256', x: ec.publicJwk.x, y: ec.publicJwk.y })
    const text = JSON.stringify(doc)
    expect(text).not.toContain(String(rsa.privateJwk.d))
    expect(text).not.toContain(String(ec.privateJwk.d))
    expect(text).not.toMatch(/"(d|p|q|dp|dq|qi)":/)
  })

  it('stays public even if a caller passes the private JWK as the public one', () => {
    const leaky: SigningKey = { ...ec, publicJwk: ec.privateJwk }
    expect(JSON.stringify(jwksDocument([leaky]))).not.toContain(String(ec.privateJwk.d))
  })
})

describe('issuer URLs', () => {
  it('recognises loopback hosts only', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.255.254', '[::1]', '::1']) expect(isLoopbackHost(h), h).toBe(true)
    for (const h of ['localhost.example.com', '128.0.0.1', '127.0.0.256', '10.0.0.1', '[::2]', '0.0.0.0', 'example.com']) {
      expect(isLoopbackHost(h), h).toBe(false)
    }
  })

  it('canonicalises irsa’s own issuer and derives host/path keys', () => {
    expect(canonicalIssuer('https://Example.COM:443/id/X/')).toBe('https://example.com/id/X')
    expect(canonicalIssuer('http://127.0.0.1:8443/')).toBe('http://127.0.0.1:8443')
    expect(issuerHostPath('https://oidc.example.com/id/X/')).toBe('oidc.example.com/id/X')
    expect(issuerHostPath('oidc.example.com/id/X')).toBe('oidc.example.com/id/X')
    expect(() => parseIssuerUrl('https://a.example/?q')).toThrow(/must not contain a query/)
    expect(() => canonicalIssuer('http://a.example')).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_ISSUER_URL' }))
  })
})
