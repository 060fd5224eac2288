import { createPublicKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { CompactSign } from 'jose'
import { describe, expect, it } from 'vitest'
import { verifyCompactSignature } from '../../src/tokens/verify-signature.js'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rsaShort = generateKeyPairSync('rsa', { modulusLength: 1024 })
const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })

async function sign(alg: string, key: KeyObject): Promise<string> {
  return new CompactSign(new TextEncoder().encode('{"sub":"x"}')).setProtectedHeader({ alg }).sign(key)
}

describe('native JWS signature verification', () => {
  it('verifies what jose signs, for RSA and EC', async () => {
    expect(verifyCompactSignature(await sign('RS256', rsa.privateKey), rsa.publicKey, 'RS256')).toBe('ok')
    expect(verifyCompactSignature(await sign('RS512', rsa.privateKey), rsa.publicKey, 'RS512')).toBe('ok')
    expect(verifyCompactSignature(await sign('ES256', p256.privateKey), p256.publicKey, 'ES256')).toBe('ok')
    expect(verifyCompactSignature(await sign('ES384', p384.privateKey), p384.publicKey, 'ES384')).toBe('ok')
  })
  it('rejects a tampered payload or signature', async () => {
    const t = await sign('RS256', rsa.privateKey)
    const [h, p, s] = t.split('.') as [string, string, string]
    expect(verifyCompactSignature(`${h}.${p}x.${s}`, rsa.publicKey, 'RS256')).toBe('bad-signature')
    expect(verifyCompactSignature(`${h}.${p}.${s.slice(0, -4)}AAAA`, rsa.publicKey, 'RS256')).toBe('bad-signature')
    const e = await sign('ES256', p256.privateKey)
    expect(verifyCompactSignature(`${e.slice(0, -6)}AAAAAA`, p256.publicKey, 'ES256')).toBe('bad-signature')
  })
  it('refuses keys that do not fit the algorithm, as jose does', async () => {
    const t = await sign('RS256', rsa.privateKey)
    expect(verifyCompactSignature(t, p256.publicKey, 'RS256')).toBe('key-mismatch')
    expect(verifyCompactSignature(t, rsa.privateKey, 'RS256')).toBe('key-mismatch')
    // jose will not even sign with a 1024-bit key: build that token with Node directly.
    const input = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}`
    const short = `${input}.${nodeSign('sha256', Buffer.from(input), rsaShort.privateKey).toString('base64url')}`
    expect(verifyCompactSignature(short, rsaShort.publicKey, 'RS256')).toBe('key-mismatch')
    expect(verifyCompactSignature(await sign('ES256', p256.privateKey), p256.publicKey, 'ES384')).toBe('key-mismatch')
    expect(verifyCompactSignature(t, createPublicKey(rsa.publicKey.export({ format: 'pem', type: 'spki' })), 'ES256')).toBe('key-mismatch')
  })
})
