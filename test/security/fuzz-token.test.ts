// Property-based fuzzing of the web-identity token verifier (src/tokens/verify-web-identity-token.ts),
// fast-check with fixed seeds and bounded runs: arbitrary strings and JWT-shaped junk are always a
// typed rejection, and no mutation of a valid token (character edits, re-encoded claims or headers
// under the original signature, non-canonical base64url) is ever accepted.
import { generateKeyPairSync, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { verifyWebIdentityToken } from '../../src/tokens/verify-web-identity-token.js'
import type { VerifierProvider, VerifyWebIdentityTokenResult } from '../../src/tokens/verify-web-identity-token.js'

const ISSUER = 'https://oidc.example.test/id/FUZZ'
const NOW = 1_700_000_000
const PROVIDER: VerifierProvider = { arn: 'arn:aws:iam::111122223333:oidc-provider/oidc.example.test/id/FUZZ', url: ISSUER, clientIds: ['sts.amazonaws.com'] }
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const KID = 'fuzz-key'
const CODES = new Set(['InvalidIdentityToken', 'ExpiredTokenException', 'IDPCommunicationError'])
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const params = (seed: number, numRuns: number): fc.Parameters<unknown> => ({ seed, numRuns })

const enc = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

function signToken(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject = privateKey): string {
  const input = `${enc(header)}.${enc(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
}

const HEADER = { alg: 'RS256', kid: KID, typ: 'JWT' }
const CLAIMS = {
  aud: ['sts.amazonaws.com'],
  exp: NOW + 3600,
  iat: NOW - 10,
  nbf: NOW - 10,
  iss: ISSUER,
  sub: 'system:serviceaccount:default:app',
  'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'app', uid: '00000000-0000-4000-8000-000000000000' } },
}
const VALID = signToken(HEADER, CLAIMS)

function verify(token: string): Promise<VerifyWebIdentityTokenResult> {
  return verifyWebIdentityToken(token, {
    now: NOW,
    resolveProvider: (iss) => (iss === ISSUER ? PROVIDER : undefined),
    getKey: (_p, header) => (header.kid === KID || header.kid === undefined ? Promise.resolve(publicKey) : Promise.reject(new Error('unknown kid'))),
  })
}

async function expectTypedRejection(token: string): Promise<void> {
  const r = await verify(token)
  expect(r.ok, token.slice(0, 200)).toBe(false)
  if (!r.ok) {
    expect(CODES.has(r.code)).toBe(true)
    expect(typeof r.reason).toBe('string')
    expect(typeof r.message).toBe('string')
  }
}

describe('token verifier fuzzing (fast-check)', () => {
  it('the untouched token is accepted (control)', async () => {
    expect((await verify(VALID)).ok).toBe(true)
  })

  it('arbitrary strings are always a typed rejection', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: fc.constantFrom(...`${B64URL}.`), maxLength: 300 })), async (s) => {
        await expectTypedRejection(s)
      }),
      params(6001, 500),
    )
  })

  it('JWT-shaped junk (any JSON header and payload, any signature) is always a typed rejection', async () => {
    const segment = fc.oneof(fc.jsonValue({ maxDepth: 3 }).map(enc), fc.string({ unit: fc.constantFrom(...B64URL), minLength: 1, maxLength: 60 }))
    const header = fc.oneof(
      segment,
      fc.record({ alg: fc.oneof(fc.constantFrom('RS256', 'ES256', 'HS256', 'none', 'PS256', 'rs256'), fc.jsonValue()), kid: fc.oneof(fc.constant(KID), fc.jsonValue()), jku: fc.webUrl(), crit: fc.array(fc.string()) }, { requiredKeys: ['alg'] }).map(enc),
    )
    const payload = fc.oneof(
      segment,
      fc.record({ iss: fc.oneof(fc.constant(ISSUER), fc.jsonValue()), aud: fc.oneof(fc.constant('sts.amazonaws.com'), fc.jsonValue()), sub: fc.jsonValue(), exp: fc.oneof(fc.constant(NOW + 60), fc.jsonValue()), nbf: fc.jsonValue(), iat: fc.jsonValue() }).map(enc),
    )
    const signature = fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 400 })
    await fc.assert(
      fc.asyncProperty(header, payload, signature, async (h, p, s) => {
        await expectTypedRejection(`${h}.${p}.${s}`)
      }),
      params(6002, 400),
    )
  })

  it('no character edit of a valid token is accepted', async () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('replace' as const), at: fc.nat(VALID.length - 1), c: fc.constantFrom(...`${B64URL}.=+/ `) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(VALID.length - 1), c: fc.constant('') }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(VALID.length), c: fc.constantFrom(...`${B64URL}.=`) }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        let t = VALID
        for (const e of edits) {
          const at = Math.min(e.at, t.length)
          t = e.kind === 'insert' ? t.slice(0, at) + e.c + t.slice(at) : t.slice(0, at) + e.c + t.slice(at + 1)
        }
        fc.pre(t !== VALID && t.trim() !== VALID)
        await expectTypedRejection(t)
      }),
      params(6003, 600),
    )
  })

  it('every variant of the last signature character (unused bits) except the original is refused', async () => {
    const body = VALID.slice(0, -1)
    for (const c of B64URL) {
      if (c === VALID.at(-1)) continue
      await expectTypedRejection(body + c)
    }
  })

  it('re-encoded claims or headers under the original signature are refused', async () => {
    const signature = VALID.split('.')[2] as string
    const claimsChange = fc.record(
      {
        sub: fc.string(),
        aud: fc.oneof(fc.string(), fc.array(fc.string())),
        exp: fc.integer({ min: NOW + 1, max: NOW + 10 ** 6 }),
        iss: fc.constantFrom(ISSUER, `${ISSUER}/`, ISSUER.toUpperCase()),
        extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    )
    const headerChange = fc.record({ kid: fc.string(), typ: fc.string(), jwk: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] })
    await fc.assert(
      fc.asyncProperty(claimsChange, headerChange, fc.boolean(), async (c, h, spaced) => {
        const claims = { ...CLAIMS, ...c }
        const header = { ...HEADER, ...h }
        // JSON.stringify with spacing re-encodes even an unchanged object into other bytes.
        const encode = (v: unknown): string => Buffer.from(spaced ? JSON.stringify(v, null, 1) : JSON.stringify(v)).toString('base64url')
        const t = `${encode(header)}.${encode(claims)}.${signature}`
        fc.pre(t !== VALID)
        await expectTypedRejection(t)
      }),
      params(6004, 300),
    )
  })

  it('a token signed by another key is refused whatever its claims', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    await fc.assert(
      fc.asyncProperty(fc.record({ sub: fc.string(), jti: fc.uuid() }), async (c) => {
        await expectTypedRejection(signToken(HEADER, { ...CLAIMS, ...c }, other))
      }),
      params(6005, 50),
    )
  })
})
