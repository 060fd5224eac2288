import fc from 'fast-check'
import { describe, expect, it, beforeAll } from 'vitest'
import { isIrsaError } from '../../src/errors.js'
import {
  DEFAULT_EXPIRATION_SECONDS,
  isDns1123Label,
  isDns1123Subdomain,
  mintServiceAccountToken,
  serviceAccountFromSubject,
  serviceAccountSubject,
  serviceAccountTokenClaims,
} from '../../src/tokens/service-account-token.js'
import type { ServiceAccountTokenInput } from '../../src/tokens/service-account-token.js'
import { generateSigningKey } from '../../src/tokens/signing-key.js'
import type { SigningKey } from '../../src/tokens/signing-key.js'
import { decodeParts, input, ISSUER, JTI, NOW } from './helpers.js'

let key: SigningKey
beforeAll(async () => {
  key = await generateSigningKey('ES256', NOW)
})

function inputError(overrides: Partial<ServiceAccountTokenInput>): { path: string | undefined; message: string } {
  try {
    serviceAccountTokenClaims({ ...input(), ...overrides })
  } catch (e) {
    if (isIrsaError(e, 'ERR_TOKEN_INPUT')) return { path: e.path, message: e.message }
    throw e
  }
  throw new Error('expected ERR_TOKEN_INPUT')
}

describe('mintServiceAccountToken', () => {
  it('produces the kube-apiserver header and claim set, byte for byte in member order', async () => {
    const token = await mintServiceAccountToken(
      input({ node: { name: 'ip-10-0-1-23.us-west-2.compute.internal', uid: 'node-uid-1' }, now: NOW + 0.9 }),
      key,
    )
    const { header, payload } = decodeParts(token)
    expect(JSON.stringify(header)).toBe(JSON.stringify({ alg: 'ES256', kid: key.kid }))
    expect(JSON.stringify(payload)).toBe(
      JSON.stringify({
        aud: ['sts.amazonaws.com'],
        exp: NOW + DEFAULT_EXPIRATION_SECONDS,
        iat: NOW,
        iss: ISSUER,
        jti: JTI,
        'kubernetes.io': {
          namespace: 'default',
          node: { name: 'ip-10-0-1-23.us-west-2.compute.internal', uid: 'node-uid-1' },
          pod: { name: 'alpine-57b5664646-rf966', uid: '5a20f883-0a1b-4c2d-9e3f-abcdefabcdef' },
          serviceaccount: { name: 's3-read-only', uid: 'a720ba5c-1b2c-4d3e-8f90-123456789abc' },
        },
        nbf: NOW,
        sub: 'system:serviceaccount:default:s3-read-only',
      }),
    )
  })

  it('omits pod and node when not bound, keeps audience order, honours expirationSeconds', () => {
    const claims = serviceAccountTokenClaims(input({ pod: undefined, audiences: ['b', 'a'], expirationSeconds: 600 }))
    expect(claims['kubernetes.io']).toEqual({ namespace: 'default', serviceaccount: { name: 's3-read-only', uid: 'a720ba5c-1b2c-4d3e-8f90-123456789abc' } })
    expect(claims.aud).toEqual(['b', 'a'])
    expect(claims.exp - claims.iat).toBe(600)
  })

  it('validates its input with paths and clear messages', () => {
    const cases: [Partial<ServiceAccountTokenInput>, string, RegExp][] = [
      [{ issuer: 'http://oidc.example.com' }, '/issuer', /must use https/],
      [{ audiences: [] }, '/audiences', /At least one audience/],
      [{ audiences: ['a', ''] }, '/audiences/1', /non-empty strings/],
      [{ audiences: ['a', 'a'] }, '/audiences/1', /repeated/],
      [{ namespace: 'Default' }, '/namespace', /DNS-1123 label/],
      [{ namespace: 'a'.repeat(64) }, '/namespace', /DNS-1123 label/],
      [{ namespace: 'my-ns-' }, '/namespace', /DNS-1123 label/],
      [{ serviceAccount: { name: 'my_sa', uid: 'u' } }, '/serviceAccount/name', /DNS-1123 subdomain/],
      [{ serviceAccount: { name: 'a:b', uid: 'u' } }, '/serviceAccount/name', /DNS-1123 subdomain/],
      [{ serviceAccount: { name: 'sa', uid: '' } }, '/serviceAccount/uid', /uid/],
      [{ pod: { name: 'p', uid: 'has space' } }, '/pod/uid', /uid/],
      [{ node: { name: 'Node', uid: 'u' } }, '/node/name', /Node name/],
      [{ expirationSeconds: 599 }, '/expirationSeconds', /from 600 \(10 minutes\)/],
      [{ expirationSeconds: 3600.5 }, '/expirationSeconds', /integer/],
      [{ expirationSeconds: 2 ** 32 + 1 }, '/expirationSeconds', /2\^32/],
      [{ now: -5 }, '/now', /epoch seconds/],
      [{ jti: 'not-a-uuid' }, '/jti', /UUID/],
      [{ jti: JTI.toUpperCase() }, '/jti', /lowercase/],
    ]
    for (const [overrides, path, message] of cases) {
      const e = inputError(overrides)
      expect(e.path, JSON.stringify(overrides)).toBe(path)
      expect(e.message).toMatch(message)
    }
  })

  it('accepts the boundaries Kubernetes accepts', () => {
    expect(serviceAccountTokenClaims(input({ expirationSeconds: 600 })).exp).toBe(NOW + 600)
    expect(serviceAccountTokenClaims(input({ expirationSeconds: 2 ** 32 })).exp).toBe(NOW + 2 ** 32)
    expect(serviceAccountTokenClaims(input({ namespace: 'a'.repeat(63) })).sub).toBe(`system:serviceaccount:${'a'.repeat(63)}:s3-read-only`)
    expect(serviceAccountTokenClaims(input({ serviceAccount: { name: 'a.b-c.d', uid: 'u' } })).sub).toBe('system:serviceaccount:default:a.b-c.d')
  })
})

describe('service-account subjects', () => {
  it('parses system:serviceaccount:<ns>:<name>', () => {
    expect(serviceAccountFromSubject('system:serviceaccount:default:my-sa')).toEqual({ namespace: 'default', name: 'my-sa' })
    expect(serviceAccountFromSubject('system:serviceaccount:kube-system:a.b')).toEqual({ namespace: 'kube-system', name: 'a.b' })
    for (const bad of [
      'system:serviceaccount:default',
      'system:serviceaccount::sa',
      'system:serviceaccount:ns:',
      'system:serviceaccount:ns:a:b',
      'system:serviceaccount:NS:sa',
      'system:serviceaccounts:ns',
      'system:node:ip-1',
      ' system:serviceaccount:ns:sa',
    ]) {
      expect(serviceAccountFromSubject(bad), bad).toBeUndefined()
    }
  })

  it('round-trips every valid namespace/name pair (property)', () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/)
    const subdomain = fc.array(label, { minLength: 1, maxLength: 3 }).map((ls) => ls.join('.')).filter((s) => s.length <= 253)
    fc.assert(
      fc.property(label, subdomain, (ns, name) => {
        expect(isDns1123Label(ns)).toBe(true)
        expect(isDns1123Subdomain(name)).toBe(true)
        expect(serviceAccountFromSubject(serviceAccountSubject(ns, name))).toEqual({ namespace: ns, name })
      }),
      { numRuns: 300 },
    )
  })
})
