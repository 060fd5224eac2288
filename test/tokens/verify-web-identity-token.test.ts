import { KeyObject } from 'node:crypto'
import { CompactSign, exportSPKI, generateKeyPair, importJWK, SignJWT, UnsecuredJWT } from 'jose'
import type { CryptoKey } from 'jose'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { isIrsaError, IrsaError } from '../../src/errors.js'
import { localKeySource } from '../../src/tokens/local-key-source.js'
import { mintServiceAccountToken, serviceAccountTokenClaims } from '../../src/tokens/service-account-token.js'
import { generateSigningKey, importSigningKey } from '../../src/tokens/signing-key.js'
import type { SigningKey } from '../../src/tokens/signing-key.js'
import {
  KEY_RETRIEVAL_FAILED_MESSAGE,
  MAX_WEB_IDENTITY_TOKEN_LENGTH,
  THUMBPRINT_MISMATCH_MESSAGE,
  verifyWebIdentityToken,
} from '../../src/tokens/verify-web-identity-token.js'
import type {
  GetVerificationKey,
  VerifierProvider,
  VerifyWebIdentityTokenOptions,
  VerifyWebIdentityTokenResult,
} from '../../src/tokens/verify-web-identity-token.js'
import { decodeParts, input, ISSUER, JTI, NOW, PROVIDER, tamper } from './helpers.js'

let rsa: SigningKey
let ec: SigningKey
let other: SigningKey

beforeAll(async () => {
  ;[rsa, ec, other] = await Promise.all([
    generateSigningKey('RS256', NOW - 100),
    generateSigningKey('ES256', NOW - 100),
    generateSigningKey('RS256', NOW - 100),
  ])
})

function options(overrides: Partial<VerifyWebIdentityTokenOptions> = {}): VerifyWebIdentityTokenOptions {
  return {
    now: NOW + 10,
    resolveProvider: (iss) => (iss === ISSUER ? PROVIDER : undefined),
    getKey: localKeySource(() => [rsa, ec]),
    ...overrides,
  }
}

/** Sign arbitrary claims with a key's private half, kube-style header unless overridden. */
async function signClaims(claims: Record<string, unknown>, key: SigningKey, header: Record<string, unknown> = {}): Promise<string> {
  const { privateKey } = await importSigningKey(key)
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(privateKey, { crit: { exp: true } })
}

function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...serviceAccountTokenClaims(input()), ...overrides }
}

function expectFailure(result: VerifyWebIdentityTokenResult, code: string, reason: string, message: string | RegExp): void {
  expect(result.ok).toBe(false)
  if (result.ok) return
  expect(result.reason).toBe(reason)
  expect(result.code).toBe(code)
  if (typeof message === 'string') expect(result.message).toBe(message)
  else expect(result.message).toMatch(message)
}

describe('verifyWebIdentityToken: round trip', () => {
  it('accepts a minted token, with the exact Kubernetes header and claims', async () => {
    const token = await mintServiceAccountToken(input(), rsa)
    const { header, payload } = decodeParts(token)
    expect(Object.keys(header)).toEqual(['alg', 'kid'])
    expect(header).toEqual({ alg: 'RS256', kid: rsa.kid })
    expect(Object.keys(payload)).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub'])

    const result = await verifyWebIdentityToken(`${token}\n`, options())
    expect(result).toEqual({
      ok: true,
      claims: {
        aud: ['sts.amazonaws.com'],
        exp: NOW + 86400,
        iat: NOW,
        iss: ISSUER,
        jti: JTI,
        'kubernetes.io': {
          namespace: 'default',
          pod: { name: 'alpine-57b5664646-rf966', uid: '5a20f883-0a1b-4c2d-9e3f-abcdefabcdef' },
          serviceaccount: { name: 's3-read-only', uid: 'a720ba5c-1b2c-4d3e-8f90-123456789abc' },
        },
        nbf: NOW,
        sub: 'system:serviceaccount:default:s3-read-only',
      },
      issuer: ISSUER,
      subject: 'system:serviceaccount:default:s3-read-only',
      provider: PROVIDER,
      audience: 'sts.amazonaws.com',
      header: { alg: 'RS256', kid: rsa.kid },
    })
  })

  it('accepts ES256 tokens, surrounding ASCII whitespace, a trailing-slash provider URL and an unschemed one', async () => {
    const token = await mintServiceAccountToken(input(), ec)
    const a = await verifyWebIdentityToken(` \t${token}\r\n`, options())
    expect(a.ok).toBe(true)
    for (const url of [`${ISSUER}/`, ISSUER.replace('https://', '')]) {
      const b = await verifyWebIdentityToken(token, options({ resolveProvider: () => ({ ...PROVIDER, url }) }))
      expect(b.ok).toBe(true)
    }
  })

  it('matches any aud element and reports the matched one; aud may be a plain string', async () => {
    const provider: VerifierProvider = { ...PROVIDER, clientIds: ['other', 'sts.amazonaws.com'] }
    const opts = options({ resolveProvider: () => provider })
    const arr = await signClaims(validClaims({ aud: ['x', 'sts.amazonaws.com', 'other'] }), rsa)
    const r1 = await verifyWebIdentityToken(arr, opts)
    expect(r1.ok && r1.audience).toBe('sts.amazonaws.com')
    const str = await signClaims(validClaims({ aud: 'other' }), rsa)
    const r2 = await verifyWebIdentityToken(str, opts)
    expect(r2.ok && r2.audience).toBe('other')
  })

  it('accepts http issuers on loopback hosts', async () => {
    for (const iss of ['http://127.0.0.1:8443', 'http://localhost/issuer', 'http://[::1]:9000', 'http://127.10.0.3']) {
      const token = await mintServiceAccountToken(input({ issuer: iss }), rsa)
      const r = await verifyWebIdentityToken(token, options({ resolveProvider: () => ({ ...PROVIDER, url: iss }) }))
      expect(r.ok, iss).toBe(true)
    }
  })

  it('accepts nbf and iat in the future within the leeway', async () => {
    const token = await signClaims(validClaims({ iat: NOW + 300, nbf: NOW + 300 }), rsa)
    expect((await verifyWebIdentityToken(token, options({ now: NOW }))).ok).toBe(true)
  })
})

describe('verifyWebIdentityToken: rejections', () => {
  it('rejects a token signed by another key (same kid)', async () => {
    const token = await signClaims(validClaims(), other, { kid: rsa.kid })
    expectFailure(await verifyWebIdentityToken(token, options()), 'InvalidIdentityToken', 'signature', 'The web identity token signature is invalid')
  })

  it('rejects a tampered payload and a tampered header', async () => {
    const token = await mintServiceAccountToken(input(), rsa)
    const payload = { ...decodeParts(token).payload, sub: 'system:serviceaccount:kube-system:admin' }
    expectFailure(await verifyWebIdentityToken(tamper(token, { payload }), options()), 'InvalidIdentityToken', 'signature', /signature is invalid/)
    const header = { alg: 'RS256', kid: rsa.kid, typ: 'JWT' }
    expectFailure(await verifyWebIdentityToken(tamper(token, { header }), options()), 'InvalidIdentityToken', 'signature', /signature is invalid/)
    // Switching to another allowed RSA algorithm does not help either (key source given the RSA key directly).
    const { publicKey } = await importSigningKey(rsa)
    const rs384 = tamper(token, { header: { alg: 'RS384', kid: rsa.kid } })
    expectFailure(await verifyWebIdentityToken(rs384, options({ getKey: async () => publicKey })), 'InvalidIdentityToken', 'key-mismatch', /RS384/)
  })

  it('rejects alg none without fetching a key', async () => {
    const getKey = vi.fn<GetVerificationKey>()
    const token = new UnsecuredJWT(validClaims()).encode()
    expect(token.endsWith('.')).toBe(true)
    expectFailure(await verifyWebIdentityToken(token, options({ getKey })), 'InvalidIdentityToken', 'malformed', /three base64url segments/)
    // Even with a dummy signature segment, "none" is not an allowed algorithm.
    expectFailure(await verifyWebIdentityToken(`${token}AAAA`, options({ getKey })), 'InvalidIdentityToken', 'algorithm', /"none" is not allowed/)
    expect(getKey).not.toHaveBeenCalled()
  })

  it('rejects HS256 signed with the public key as the HMAC secret (key confusion)', async () => {
    const { publicKey } = await importSigningKey(rsa)
    const getKey = vi.fn<GetVerificationKey>(async () => publicKey)
    for (const secretText of [await exportSPKI(publicKey), JSON.stringify(rsa.publicJwk)]) {
      const token = await new SignJWT(validClaims())
        .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
        .sign(new TextEncoder().encode(secretText))
      expectFailure(await verifyWebIdentityToken(token, options({ getKey })), 'InvalidIdentityToken', 'algorithm', /"HS256" is not allowed/)
    }
    expect(getKey).not.toHaveBeenCalled()
  })

  it('rejects PS256 even with a valid RSA-PSS signature', async () => {
    const { privateKey, publicKey } = await generateKeyPair('PS256')
    const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'PS256', kid: 'pss' }).sign(privateKey)
    const r = await verifyWebIdentityToken(token, options({ getKey: async () => publicKey }))
    expectFailure(r, 'InvalidIdentityToken', 'algorithm', 'The token signing algorithm "PS256" is not allowed; use one of RS256, RS384, RS512, ES256, ES384, ES512')
  })

  it('rejects a header alg that does not fit the key type', async () => {
    const { publicKey } = await importSigningKey(rsa)
    const ecToken = await signClaims(validClaims(), ec)
    const r = await verifyWebIdentityToken(ecToken, options({ getKey: async () => publicKey }))
    expectFailure(r, 'InvalidIdentityToken', 'key-mismatch', 'The verification key does not fit the token algorithm ES256')
    // A JWK whose alg member disagrees with the header is refused too.
    const r2 = await verifyWebIdentityToken(await signClaims(validClaims(), rsa), options({ getKey: async () => ({ ...rsa.publicJwk, alg: 'RS512' }) }))
    expectFailure(r2, 'InvalidIdentityToken', 'key-mismatch', /does not fit/)
  })

  it('verifies under any of several candidate keys and refuses symmetric keys', async () => {
    const [a, b] = await Promise.all([importSigningKey(other), importSigningKey(rsa)])
    const token = await signClaims(validClaims(), rsa)
    expect((await verifyWebIdentityToken(token, options({ getKey: async () => [a.publicKey, b.publicKey] }))).ok).toBe(true)
    const secret = new TextEncoder().encode('x'.repeat(64)) as unknown as CryptoKey
    expectFailure(await verifyWebIdentityToken(token, options({ getKey: async () => [secret] })), 'InvalidIdentityToken', 'key-mismatch', /does not fit/)
    expectFailure(await verifyWebIdentityToken(token, options({ getKey: async () => [] })), 'InvalidIdentityToken', 'key-retrieval', KEY_RETRIEVAL_FAILED_MESSAGE)
  })

  it('rejects an unknown provider with the AWS message naming the iss', async () => {
    const token = await mintServiceAccountToken(input({ issuer: 'https://oidc.example.com/id/ABC' }), rsa)
    expectFailure(
      await verifyWebIdentityToken(token, options()),
      'InvalidIdentityToken',
      'no-provider',
      'No OpenIDConnect provider found in your account for https://oidc.example.com/id/ABC',
    )
  })

  it('rejects a provider whose URL names another issuer (resolver mistakes)', async () => {
    const token = await mintServiceAccountToken(input(), rsa)
    const r = await verifyWebIdentityToken(token, options({ resolveProvider: () => ({ ...PROVIDER, url: 'https://elsewhere.example.com' }) }))
    expectFailure(r, 'InvalidIdentityToken', 'no-provider', `No OpenIDConnect provider found in your account for ${ISSUER}`)
  })

  it('rejects http issuers off loopback, and other bad iss values', async () => {
    const cases: [unknown, RegExp][] = [
      ['http://oidc.example.com', /must use https/],
      ['http://10.0.0.1', /must use https/],
      ['http://[::ffff:127.0.0.1]', /must use https/],
      ['ftp://oidc.example.com', /must start with https:\/\//],
      ['HTTPS://oidc.example.com', /must start with https:\/\//],
      ['https:\\\\oidc.example.com', /backslashes/],
      [' https://oidc.example.com', /whitespace/],
      [`${ISSUER}\n`, /whitespace/],
      ['https:///x', /must start with https:\/\//],
      ['https://user:pw@oidc.example.com', /user info/],
      ['https://oidc.example.com?x=1', /query/],
      ['https://oidc.example.com#f', /fragment/],
      ['oidc.example.com', /must start with https:\/\//],
      ['https://exa mple.com', /whitespace/],
      ['https://[::1', /not an absolute URL/],
      [42, /iss must be a string/],
      [undefined, /^Missing a required claim: iss$/],
    ]
    const resolveProvider = vi.fn(() => PROVIDER)
    for (const [iss, message] of cases) {
      const token = await signClaims(validClaims({ iss }), rsa)
      expectFailure(await verifyWebIdentityToken(token, options({ resolveProvider })), 'InvalidIdentityToken', 'issuer', message)
    }
    expect(resolveProvider).not.toHaveBeenCalled()
  })

  it('rejects a missing aud and an aud not in the client IDs (string and array)', async () => {
    for (const aud of [undefined, null, []]) {
      const token = await signClaims(validClaims({ aud }), rsa)
      expectFailure(await verifyWebIdentityToken(token, options()), 'InvalidIdentityToken', 'audience', 'Missing a required claim: aud')
    }
    for (const aud of ['sts.amazonaws.com.evil', ['api', 'vault'], 'STS.AMAZONAWS.COM']) {
      const token = await signClaims(validClaims({ aud }), rsa)
      expectFailure(await verifyWebIdentityToken(token, options()), 'InvalidIdentityToken', 'audience', 'Incorrect token audience')
    }
    const bad = await signClaims(validClaims({ aud: ['sts.amazonaws.com', 7] }), rsa)
    expectFailure(await verifyWebIdentityToken(bad, options()), 'InvalidIdentityToken', 'audience', /aud must be a string or an array of strings/)
  })

  it('rejects a missing sub', async () => {
    for (const sub of [undefined, '']) {
      const token = await signClaims(validClaims({ sub }), rsa)
      expectFailure(await verifyWebIdentityToken(token, options()), 'InvalidIdentityToken', 'subject', 'Missing a required claim: sub')
    }
    const token = await signClaims(validClaims({ sub: { a: 1 } }), rsa)
    expectFailure(await verifyWebIdentityToken(token, options()), 'InvalidIdentityToken', 'subject', 'Invalid claim: sub must be a string')
  })

  it('reports an expired token with the exact AWS message and numbers', async () => {
    const token = await mintServiceAccountToken(input({ expirationSeconds: 600 }), rsa)
    expectFailure(
      await verifyWebIdentityToken(token, options({ now: NOW + 600.9 })),
      'ExpiredTokenException',
      'expired',
      `Token expired: current date/time ${NOW + 600} must be before the expiration date/time ${NOW + 600}`,
    )
    expect((await verifyWebIdentityToken(token, options({ now: NOW + 599.9 }))).ok).toBe(true)
  })

  it('rejects nbf and iat in the future beyond the leeway', async () => {
    const nbf = await signClaims(validClaims({ nbf: NOW + 301 }), rsa)
    expectFailure(await verifyWebIdentityToken(nbf, options({ now: NOW })), 'InvalidIdentityToken', 'not-yet-valid', /not-before date\/time 1700000301/)
    const iat = await signClaims(validClaims({ iat: NOW + 61, nbf: NOW }), rsa)
    expectFailure(await verifyWebIdentityToken(iat, options({ now: NOW, leewaySeconds: 60 })), 'InvalidIdentityToken', 'issued-in-future', /issue date\/time 1700000061/)
    expect((await verifyWebIdentityToken(iat, options({ now: NOW + 1, leewaySeconds: 60 }))).ok).toBe(true)
  })

  it('rejects float, string, negative and missing time claims', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ exp: NOW + 86400.5 }, /exp must be an integer/],
      [{ exp: String(NOW + 86400) }, /exp must be an integer/],
      [{ iat: NOW + 0.25 }, /iat must be an integer/],
      [{ nbf: `${NOW}` }, /nbf must be an integer/],
      [{ nbf: -1 }, /nbf must be an integer/],
      [{ exp: 2 ** 53 }, /exp must be an integer/],
      [{ exp: undefined }, /^Missing a required claim: exp$/],
    ]
    const getKey = vi.fn<GetVerificationKey>()
    for (const [claims, message] of cases) {
      const token = await signClaims(validClaims(claims), rsa)
      expectFailure(await verifyWebIdentityToken(token, options({ getKey })), 'InvalidIdentityToken', 'claim-type', message)
    }
    expect(getKey).not.toHaveBeenCalled()
  })

  it('rejects an expiry not after iat/nbf, and lifetimes over maxLifetimeSeconds', async () => {
    const backwards = await signClaims(validClaims({ iat: NOW + 100, nbf: NOW, exp: NOW + 50 }), rsa)
    expectFailure(await verifyWebIdentityToken(backwards, options({ now: NOW })), 'InvalidIdentityToken', 'lifetime', /must be after/)
    const token = await mintServiceAccountToken(input(), rsa)
    expectFailure(
      await verifyWebIdentityToken(token, options({ maxLifetimeSeconds: 3600 })),
      'InvalidIdentityToken',
      'lifetime',
      'Token lifetime of 86400 seconds exceeds the maximum of 3600 seconds',
    )
    expect((await verifyWebIdentityToken(token, options({ maxLifetimeSeconds: 86400 }))).ok).toBe(true)
    const noIat = await signClaims(validClaims({ iat: undefined, nbf: undefined }), rsa)
    expect((await verifyWebIdentityToken(noIat, options())).ok).toBe(true)
    expectFailure(await verifyWebIdentityToken(noIat, options({ maxLifetimeSeconds: 86400 })), 'InvalidIdentityToken', 'claim-type', 'Missing a required claim: iat')
  })

  it('rejects over-long tokens', async () => {
    const token = await signClaims(validClaims({ pad: 'x'.repeat(MAX_WEB_IDENTITY_TOKEN_LENGTH) }), rsa)
    expectFailure(await verifyWebIdentityToken(token, options()), 'InvalidIdentityToken', 'token-too-long', /longer than 20000 characters/)
    const exactly = 'a'.repeat(MAX_WEB_IDENTITY_TOKEN_LENGTH + 1)
    expectFailure(await verifyWebIdentityToken(exactly, options()), 'InvalidIdentityToken', 'token-too-long', /longer than/)
  })

  it('rejects 2 or 4 segments, empty segments and non-base64url characters', async () => {
    const token = await mintServiceAccountToken(input(), rsa)
    const [h, p, s] = token.split('.') as [string, string, string]
    for (const bad of [`${h}.${p}`, `${token}.${s}`, `${h}..${s}`, `.${p}.${s}`, `${h}.${p}.${s}=`, `${h}.${p}+.${s}`, '', 'abc']) {
      expectFailure(await verifyWebIdentityToken(bad, options()), 'InvalidIdentityToken', 'malformed', /three base64url segments/)
    }
  })

  it('rejects a non-JSON header or payload, and non-object JSON', async () => {
    const token = await mintServiceAccountToken(input(), rsa)
    const [h, p, s] = token.split('.') as [string, string, string]
    const b = (text: string): string => Buffer.from(text).toString('base64url')
    expectFailure(await verifyWebIdentityToken(`${b('{"alg":"RS256"')}.${p}.${s}`, options()), 'InvalidIdentityToken', 'malformed', /header is not/)
    expectFailure(await verifyWebIdentityToken(`${b('["RS256"]')}.${p}.${s}`, options()), 'InvalidIdentityToken', 'malformed', /header is not/)
    expectFailure(await verifyWebIdentityToken(`${h}.${b('not json')}.${s}`, options()), 'InvalidIdentityToken', 'malformed', /payload is not/)
    expectFailure(await verifyWebIdentityToken(`${h}.${b('"a string"')}.${s}`, options()), 'InvalidIdentityToken', 'malformed', /payload is not/)
  })

  it('rejects crit headers and a non-string kid', async () => {
    const crit = await signClaims(validClaims(), rsa, { crit: ['exp'], exp: 1 })
    expectFailure(await verifyWebIdentityToken(crit, options()), 'InvalidIdentityToken', 'crit', /critical extensions/)
    const b64 = await signClaims(validClaims(), rsa, { crit: ['b64'], b64: true })
    expectFailure(await verifyWebIdentityToken(b64, options()), 'InvalidIdentityToken', 'crit', /critical extensions/)
    const kid = tamper(await mintServiceAccountToken(input(), rsa), { header: { alg: 'RS256', kid: 5 } })
    expectFailure(await verifyWebIdentityToken(kid, options()), 'InvalidIdentityToken', 'malformed', /kid must be a string/)
  })

  it('maps an unknown kid (key source failure) to the AWS key-retrieval message', async () => {
    const token = await signClaims(validClaims(), rsa, { kid: 'no-such-kid' })
    const r = await verifyWebIdentityToken(token, options())
    expectFailure(r, 'InvalidIdentityToken', 'key-retrieval', KEY_RETRIEVAL_FAILED_MESSAGE)
    expect(KEY_RETRIEVAL_FAILED_MESSAGE).toContain('provider,  please')
    const missing = await signClaims(validClaims(), rsa, { kid: undefined })
    expectFailure(await verifyWebIdentityToken(missing, options()), 'InvalidIdentityToken', 'key-retrieval', KEY_RETRIEVAL_FAILED_MESSAGE)
  })

  it('maps thumbprint and transient IdP failures, even when wrapped', async () => {
    const token = await mintServiceAccountToken(input(), rsa)
    const thumb = new IrsaError('ERR_TOKEN_THUMBPRINT', 'x')
    const r1 = await verifyWebIdentityToken(token, options({ getKey: () => Promise.reject(new Error('wrapped', { cause: thumb })) }))
    expectFailure(r1, 'InvalidIdentityToken', 'thumbprint', THUMBPRINT_MISMATCH_MESSAGE)
    const r2 = await verifyWebIdentityToken(token, options({ getKey: () => Promise.reject(new IrsaError('ERR_TOKEN_IDP_UNAVAILABLE', 'HTTP 503')) }))
    expectFailure(r2, 'IDPCommunicationError', 'idp-unavailable', /temporarily unavailable/)
    const r3 = await verifyWebIdentityToken(token, options({ getKey: () => Promise.reject(new TypeError('boom')) }))
    expectFailure(r3, 'InvalidIdentityToken', 'key-retrieval', KEY_RETRIEVAL_FAILED_MESSAGE)
  })

  it('never echoes an unbounded attacker value in messages', async () => {
    const alg = 'A'.repeat(5000)
    const token = tamper(await mintServiceAccountToken(input(), rsa), { header: { alg } })
    const r = await verifyWebIdentityToken(token, options())
    expect(!r.ok && r.message.length).toBeLessThan(400)
  })

  it('treats bad options as programmer errors', async () => {
    const token = await mintServiceAccountToken(input(), rsa)
    await expect(verifyWebIdentityToken(token, options({ now: Number.NaN }))).rejects.toThrow(TypeError)
    await expect(verifyWebIdentityToken(token, options({ leewaySeconds: -1 }))).rejects.toThrow(TypeError)
  })
})

describe('localKeySource', () => {
  it('serves only published keys with matching kid and alg', async () => {
    const source = localKeySource(() => [rsa])
    const key = await source(PROVIDER, { alg: 'RS256', kid: rsa.kid }, { issuer: ISSUER })
    // A Node KeyObject (verified natively), equal to the key ring's public key, and cached.
    expect(key).toBeInstanceOf(KeyObject)
    expect((key as KeyObject).export({ format: 'jwk' })).toEqual(rsa.publicJwk)
    expect(await source(PROVIDER, { alg: 'RS256', kid: rsa.kid }, { issuer: ISSUER })).toBe(key)
    await expect(source(PROVIDER, { alg: 'RS384', kid: rsa.kid }, { issuer: ISSUER })).rejects.toSatisfy((e) => isIrsaError(e, 'ERR_TOKEN_NO_KEY'))
    await expect(source(PROVIDER, { alg: 'RS256' }, { issuer: ISSUER })).rejects.toThrow(/an empty kid/)
  })

  it('verifies a JWK returned by a key source', async () => {
    const token = await mintServiceAccountToken(input(), ec)
    const r = await verifyWebIdentityToken(token, options({ getKey: async () => ec.publicJwk }))
    expect(r.ok).toBe(true)
    // and an imported CryptoKey from the JWK
    const r2 = await verifyWebIdentityToken(token, options({ getKey: async () => importJWK(ec.publicJwk, 'ES256') as Promise<CryptoKey> }))
    expect(r2.ok).toBe(true)
  })
})
