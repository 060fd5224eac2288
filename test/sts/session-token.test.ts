import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MAX_SESSION_TOKEN_LENGTH,
  SESSION_TOKEN_PREFIX,
  generateSealingKey,
  openSession,
  sealSession,
} from '../../src/core/session-token.js'
import type { SealingKey, SessionClaims } from '../../src/core/session-token.js'
import { seededRandom } from './helpers.js'

const random = seededRandom('session-token-tests')
const KEY = generateSealingKey(random)
const OLD_KEY = generateSealingKey(random)
const keys = (...ks: SealingKey[]) => (id: string) => ks.find((k) => k.id === id)?.secret

const CLAIMS: SessionClaims = {
  v: 1,
  accessKeyId: 'ASIARTX3GSDSVIJDIVTY',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY',
  account: '111122223333',
  roleArn: 'arn:aws:iam::111122223333:role/team/irsa-role',
  roleId: 'AROARTX3GSDSVLPK3PXPA',
  roleName: 'irsa-role',
  sessionName: 'botocore-session-1764370396',
  issuedAt: 1_764_370_396,
  expiresAt: 1_764_373_996,
  sessionPolicies: ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'],
  sessionPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  providerArn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
  subject: 'system:serviceaccount:default:my-sa',
  audience: 'sts.amazonaws.com',
  sourceIdentity: 'alice',
  tags: { team: 'payments', 'kubernetes-namespace': 'default' },
  transitiveTagKeys: ['team'],
  jti: 'b1b2c3',
}

/** The token's binary part, and a token made of new binary bytes. */
const bytesOf = (token: string): Buffer => Buffer.from(token.slice(SESSION_TOKEN_PREFIX.length), 'base64')
const tokenOf = (bytes: Uint8Array): string => SESSION_TOKEN_PREFIX + Buffer.from(bytes).toString('base64')

describe('sealed session tokens', () => {
  it('round-trip the claims, and look like an AWS token', () => {
    const token = sealSession(CLAIMS, KEY, random)
    expect(token.startsWith('IQoJb3JpZ2luX2Vj')).toBe(true)
    expect(token).toMatch(/^[A-Za-z0-9+/]+={0,2}$/)
    expect(openSession(token, keys(KEY))).toEqual({ ok: true, payload: CLAIMS, keyId: KEY.id })
  })

  it('round-trip minimal claims and any strings in them', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.dictionary(fc.string(), fc.string()), fc.integer(), (name, tags, t) => {
        const claims: SessionClaims = { ...CLAIMS, sessionName: name, tags, issuedAt: t, expiresAt: t + 900 }
        const opened = openSession(sealSession(claims, KEY, random), keys(KEY))
        expect(opened).toEqual({ ok: true, payload: JSON.parse(JSON.stringify(claims)) as SessionClaims, keyId: KEY.id })
      }),
      { numRuns: 50 },
    )
  })

  it('a fresh IV each time: sealing twice gives different tokens', () => {
    expect(sealSession(CLAIMS, KEY, random)).not.toBe(sealSession(CLAIMS, KEY, random))
  })

  it('never carry the secret access key (or any claim) in clear', () => {
    const token = sealSession(CLAIMS, KEY, random)
    const whole = Buffer.from(token, 'base64')
    for (const secret of [CLAIMS.secretAccessKey, CLAIMS.accessKeyId, CLAIMS.roleArn, 'payments']) {
      expect(token).not.toContain(secret)
      expect(whole.includes(Buffer.from(secret))).toBe(false)
      expect(bytesOf(token).includes(Buffer.from(secret))).toBe(false)
    }
    expect(whole.includes(Buffer.from(KEY.secret))).toBe(false)
  })

  it('tampering with the IV, ciphertext or tag, bit by bit: tampered', () => {
    const token = sealSession(CLAIMS, KEY, random)
    const bytes = bytesOf(token)
    const ivAt = 2 + KEY.id.length
    // Every byte of IV, ciphertext and tag, one bit each (a different bit per position).
    for (let i = ivAt; i < bytes.length; i++) {
      const copy = Buffer.from(bytes)
      copy[i] = (copy[i] as number) ^ (1 << i % 8)
      expect(openSession(tokenOf(copy), keys(KEY)), `byte ${i}`).toEqual({ ok: false, reason: 'tampered' })
    }
    // Truncated ciphertext or tag.
    expect(openSession(tokenOf(bytes.subarray(0, bytes.length - 3)), keys(KEY))).toEqual({ ok: false, reason: 'tampered' })
  })

  it('the key id is authenticated: a header rewritten to another known key id is tampered', () => {
    const token = sealSession(CLAIMS, KEY, random)
    const bytes = bytesOf(token)
    const other = Buffer.from(bytes)
    other.write('X', 2, 'latin1') // first key id character
    // A resolver that hands out the same secret under any id: only the AAD binding stops this.
    expect(openSession(tokenOf(other), () => KEY.secret)).toEqual({ ok: false, reason: 'tampered' })
    // The id is one no key has: unknown-key.
    expect(openSession(tokenOf(other), keys(KEY))).toEqual({ ok: false, reason: 'unknown-key' })
  })

  it('the version byte is checked: another version is malformed', () => {
    const bytes = bytesOf(sealSession(CLAIMS, KEY, random))
    for (const version of [0, 2, 255]) {
      const copy = Buffer.from(bytes)
      copy[0] = version
      expect(openSession(tokenOf(copy), keys(KEY))).toEqual({ ok: false, reason: 'malformed' })
    }
  })

  it('a token sealed under a key not in the set: unknown-key; under a different secret of that id: tampered', () => {
    const token = sealSession(CLAIMS, KEY, random)
    expect(openSession(token, keys(OLD_KEY))).toEqual({ ok: false, reason: 'unknown-key' })
    expect(openSession(token, () => undefined)).toEqual({ ok: false, reason: 'unknown-key' })
    const impostor: SealingKey = { id: KEY.id, secret: generateSealingKey(random).secret }
    expect(openSession(token, keys(impostor))).toEqual({ ok: false, reason: 'tampered' })
  })

  it('rotation: tokens sealed with the old key still open while it is kept', () => {
    const oldToken = sealSession(CLAIMS, OLD_KEY, random)
    const newToken = sealSession(CLAIMS, KEY, random)
    const both = keys(KEY, OLD_KEY)
    expect(openSession(oldToken, both)).toMatchObject({ ok: true, keyId: OLD_KEY.id })
    expect(openSession(newToken, both)).toMatchObject({ ok: true, keyId: KEY.id })
    // Once the old key is retired, its tokens no longer open.
    expect(openSession(oldToken, keys(KEY))).toEqual({ ok: false, reason: 'unknown-key' })
  })

  it('anything that is not one of our tokens: malformed, never a throw', () => {
    const token = sealSession(CLAIMS, KEY, random)
    const cases = [
      '',
      'IQoJb3JpZ2luX2Vj',
      'FwoGZXIvYXdzEXAMPLE',
      'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI',
      token.slice(SESSION_TOKEN_PREFIX.length),
      `X${token}`,
      `${token}=`,
      `${token.slice(0, -4)}!!!!`,
      `${token} `,
      token.replace(/=+$/, ''),
      `${SESSION_TOKEN_PREFIX}${'A'.repeat(MAX_SESSION_TOKEN_LENGTH)}`,
      `${SESSION_TOKEN_PREFIX}AQ==`,
      tokenOf(Buffer.from([1, 0, ...new Uint8Array(40)])),
      tokenOf(Buffer.from([1, 3, 0x20, 0x21, 0x22, ...new Uint8Array(40)])),
      tokenOf(Buffer.from([1, 200, ...new Uint8Array(40)])),
    ]
    for (const bad of cases) expect(openSession(bad, keys(KEY)), JSON.stringify(bad.slice(0, 60))).toEqual({ ok: false, reason: 'malformed' })
    expect(openSession(undefined as unknown as string, keys(KEY))).toEqual({ ok: false, reason: 'malformed' })
  })

  it('non-canonical base64 (spare low bits set in the last character) is malformed, not accepted', () => {
    // Pick a session name that makes the byte length not a multiple of 3, so the token is padded.
    const padded = ['a', 'ab', 'abc'].map((sessionName) => sealSession({ ...CLAIMS, sessionName }, KEY, random))
    const token = padded.find((t) => t.endsWith('=')) as string
    const pad = token.length - token.replace(/=+$/, '').length
    expect(pad).toBeGreaterThan(0)
    const lastAt = token.length - pad - 1
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const last = alphabet.indexOf(token.charAt(lastAt))
    const bumped = token.slice(0, lastAt) + alphabet.charAt(last ^ 1) + token.slice(lastAt + 1)
    expect(openSession(bumped, keys(KEY))).toEqual({ ok: false, reason: 'malformed' })
  })

  it('any single-character change to a token fails to open', () => {
    const token = sealSession(CLAIMS, KEY, random)
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=!'), (i, c) => {
        fc.pre(token[i] !== c)
        const changed = token.slice(0, i) + c + token.slice(i + 1)
        expect(openSession(changed, keys(KEY)).ok).toBe(false)
      }),
      { numRuns: 300 },
    )
  })

  it('a sealed non-claims payload is malformed after decryption', () => {
    const bogus = { ...CLAIMS, v: 2 } as unknown as SessionClaims
    expect(openSession(sealSession(bogus, KEY, random), keys(KEY))).toEqual({ ok: false, reason: 'malformed' })
    const noSecret = { ...CLAIMS, secretAccessKey: undefined } as unknown as SessionClaims
    expect(openSession(sealSession(noSecret, KEY, random), keys(KEY))).toEqual({ ok: false, reason: 'malformed' })
    const badTags = { ...CLAIMS, tags: { a: 1 } } as unknown as SessionClaims
    expect(openSession(sealSession(badTags, KEY, random), keys(KEY))).toEqual({ ok: false, reason: 'malformed' })
  })

  it('refuses bad keys and oversized payloads when sealing', () => {
    expect(() => sealSession(CLAIMS, { id: 'k', secret: new Uint8Array(16) }, random)).toThrow(TypeError)
    expect(() => sealSession(CLAIMS, { id: 'bad id', secret: KEY.secret }, random)).toThrow(TypeError)
    expect(() => sealSession(CLAIMS, { id: 'x'.repeat(65), secret: KEY.secret }, random)).toThrow(TypeError)
    const huge = { ...CLAIMS, sessionPolicies: ['x'.repeat(MAX_SESSION_TOKEN_LENGTH)] }
    expect(() => sealSession(huge, KEY, random)).toThrow(RangeError)
  })

  it('generateSealingKey gives a 16-hex-digit id and 32 bytes', () => {
    const key = generateSealingKey(seededRandom('k'))
    expect(key.id).toMatch(/^[0-9a-f]{16}$/)
    expect(key.secret).toHaveLength(32)
    expect(generateSealingKey(seededRandom('k'))).toEqual(key)
  })
})
