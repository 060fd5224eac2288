import { calculateJwkThumbprint, CompactSign, compactVerify } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { isIrsaError } from '../../src/errors.js'
import { clearSigningKeyCache, generateSigningKey, importSigningKey, parseSigningKey } from '../../src/tokens/signing-key.js'
import type { SigningKey } from '../../src/tokens/signing-key.js'

let rsa: SigningKey
let ec: SigningKey
let ec2: SigningKey

beforeAll(async () => {
  ;[rsa, ec, ec2] = await Promise.all([generateSigningKey('RS256', 1000.7), generateSigningKey('ES256', 1000), generateSigningKey('ES256', 1000)])
})

function expectKeyError(fn: () => unknown, message: RegExp): void {
  let thrown: unknown
  try {
    fn()
  } catch (e) {
    thrown = e
  }
  expect(isIrsaError(thrown, 'ERR_TOKEN_SIGNING_KEY'), String(thrown)).toBe(true)
  expect((thrown as Error).message).toMatch(message)
}

describe('generateSigningKey', () => {
  it('creates RS256 and ES256 keys whose kid is the RFC 7638 thumbprint of the public JWK', async () => {
    expect(rsa.alg).toBe('RS256')
    expect(Object.keys(rsa.publicJwk).sort()).toEqual(['e', 'kty', 'n'])
    expect(Object.keys(rsa.privateJwk).sort()).toEqual(['d', 'dp', 'dq', 'e', 'kty', 'n', 'p', 'q', 'qi'])
    expect(rsa.kid).toBe(await calculateJwkThumbprint(rsa.publicJwk, 'sha256'))
    expect(rsa.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(rsa.createdAt).toBe(1000)
    expect(rsa.retiredAt).toBeUndefined()
    expect(ec.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' })
    expect(Object.keys(ec.privateJwk).sort()).toEqual(['crv', 'd', 'kty', 'x', 'y'])
    expect(ec.kid).toBe(await calculateJwkThumbprint(ec.publicJwk, 'sha256'))
    expect(ec.kid).not.toBe(ec2.kid)
  })

  it('refuses unknown algorithms and bad times as programmer errors', async () => {
    await expect(generateSigningKey('HS256' as never, 0)).rejects.toThrow(TypeError)
    await expect(generateSigningKey('ES256', -1)).rejects.toThrow(TypeError)
  })
})

describe('storage round trip', () => {
  it('survives JSON and re-imports into a working key pair', async () => {
    for (const key of [rsa, ec]) {
      const stored = parseSigningKey(JSON.parse(JSON.stringify(key)))
      expect(stored).toEqual(key)
      const imported = await importSigningKey(stored)
      expect(imported.kid).toBe(key.kid)
      expect(imported.privateKey.extractable).toBe(false)
      const jws = await new CompactSign(new TextEncoder().encode('hi')).setProtectedHeader({ alg: key.alg }).sign(imported.privateKey)
      const { payload } = await compactVerify(jws, imported.publicKey)
      expect(new TextDecoder().decode(payload)).toBe('hi')
    }
  })

  it('reads retiredAt (null means absent) and drops unknown members', () => {
    const stored = { ...JSON.parse(JSON.stringify(ec)), retiredAt: null, extra: 1 }
    const parsed = parseSigningKey(stored)
    expect('retiredAt' in parsed).toBe(false)
    expect('extra' in parsed).toBe(false)
    expect(parseSigningKey({ ...stored, retiredAt: 2000 }).retiredAt).toBe(2000)
    const withExtraJwkMember = { ...JSON.parse(JSON.stringify(ec)), publicJwk: { ...ec.publicJwk, use: 'enc' } }
    expect(parseSigningKey(withExtraJwkMember).publicJwk).toEqual(ec.publicJwk)
  })

  it('rejects malformed stored keys without echoing key material', () => {
    const base = JSON.parse(JSON.stringify(rsa)) as Record<string, unknown>
    const cases: [unknown, RegExp][] = [
      [null, /not an object/],
      [{ ...base, alg: 'PS256' }, /alg must be one of RS256, ES256/],
      [{ ...base, kid: 'a b' }, /kid/],
      [{ ...base, publicJwk: { ...rsa.publicJwk, kty: 'EC' } }, /publicJwk.kty must be RSA/],
      [{ ...base, privateJwk: { ...rsa.privateJwk, d: undefined } }, /privateJwk.d is missing/],
      [{ ...base, privateJwk: { ...rsa.privateJwk, n: ec.publicJwk.x } }, /privateJwk.n differs/],
      [{ ...base, createdAt: 1.5 }, /createdAt/],
      [{ ...base, retiredAt: '5' }, /retiredAt/],
      [{ ...JSON.parse(JSON.stringify(ec)), publicJwk: { ...ec.publicJwk, crv: 'P-384' }, privateJwk: { ...ec.privateJwk, crv: 'P-384' } }, /P-256/],
    ]
    for (const [value, message] of cases) {
      expectKeyError(() => parseSigningKey(value), message)
      try {
        parseSigningKey(value)
      } catch (e) {
        expect((e as Error).message).not.toContain(String(rsa.privateJwk.d))
      }
    }
  })

  it('refuses a kid that is not the thumbprint, and a private half from another key', async () => {
    clearSigningKeyCache()
    await expect(importSigningKey({ ...ec, kid: ec2.kid })).rejects.toSatisfy((e) => isIrsaError(e, 'ERR_TOKEN_SIGNING_KEY') && /thumbprint/.test((e as Error).message))
    const mixed: SigningKey = { ...ec, privateJwk: { ...ec.privateJwk, d: ec2.privateJwk.d } }
    await expect(importSigningKey(mixed)).rejects.toThrow(/cannot be imported|private key does not match the public key/)
  })

  it('caches imports by kid, but never serves a different key under a reused kid', async () => {
    clearSigningKeyCache()
    const a = await importSigningKey(ec)
    const b = await importSigningKey(JSON.parse(JSON.stringify(ec)) as SigningKey)
    expect(b).toBe(a)
    const mixed: SigningKey = { ...ec, privateJwk: { ...ec.privateJwk, d: ec2.privateJwk.d } }
    await expect(importSigningKey(mixed)).rejects.toThrow(/cannot be imported|does not match/)
    // The failed import does not evict or poison the good entry.
    expect(await importSigningKey(ec)).not.toBe(undefined)
  })
})
