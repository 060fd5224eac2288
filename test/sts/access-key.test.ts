import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { accessKeyId, accountFromKeyId, roleId, secretAccessKey } from '../../src/sts/access-key.js'
import { base32Decode, base32Encode } from '../../src/sts/lib/base32.js'
import { seededRandom } from './helpers.js'

const random = seededRandom('access-key-tests')
const zeros = (n: number): Uint8Array => new Uint8Array(n)
const account = fc.bigInt({ min: 0n, max: 999_999_999_999n }).map((n) => n.toString().padStart(12, '0'))
/** A byte source built from fast-check bytes, so shrinking finds the smallest failing randomness. */
const randomSource = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((seed) => {
  let i = 0
  return (n: number) => Uint8Array.from({ length: n }, () => seed[i++ % seed.length] as number)
})

describe('access key ids and role ids (account id encoded as in real keys)', () => {
  it('match the worked examples', () => {
    expect(accessKeyId('ASIA', '111122223333', random)).toMatch(/^ASIARTX3GSDS[A-Z2-7]{8}$/)
    expect(roleId('111122223333', random)).toMatch(/^AROARTX3GSDS[A-Z2-7]{9}$/)
    expect(accessKeyId('ASIA', '688655246681', random)).toMatch(/^ASIA2AVYNEVM[A-Z2-7]{8}$/)
    expect(accessKeyId('AKIA', '688655246681', random)).toMatch(/^AKIA2AVYNEVM[A-Z2-7]{8}$/)
  })

  it('decode the spec examples, real keys with and without the top bit', () => {
    expect(accountFromKeyId('ASIA2AVYNEVMQECFBHEU')).toBe('688655246681')
    expect(accountFromKeyId('ASIAKAVYNEVMQECFBHEU')).toBe('688655246681')
    expect(accountFromKeyId('AROA2AVYNEVMZEZ2AFVYI')).toBe('688655246681')
    expect(accountFromKeyId('ASIARTX3GSDSVIJDIVTY')).toBe('111122223333')
    expect(accountFromKeyId('AROARTX3GSDSVLPK3PXPA')).toBe('111122223333')
  })

  it('are fully determined by the randomness given', () => {
    // head48 = 1<<47 | 111122223333<<7 | 0, then zero bytes (checked with Python's base64.b32encode).
    expect(accessKeyId('ASIA', '111122223333', zeros)).toBe('ASIARTX3GSDSQAAAAAAA')
    expect(roleId('000000000000', zeros)).toBe('AROAQAAAAAAAAAAAAAAAA')
    expect(accessKeyId('ASIA', '111122223333', seededRandom('x'))).toBe(accessKeyId('ASIA', '111122223333', seededRandom('x')))
  })

  it('round-trip any account, with the top bit set and AWS’s shape', () => {
    fc.assert(
      fc.property(account, randomSource, fc.constantFrom('ASIA' as const, 'AKIA' as const), (acct, rnd, prefix) => {
        const key = accessKeyId(prefix, acct, rnd)
        expect(key).toMatch(new RegExp(`^${prefix}[A-Z2-7]{16}$`))
        // Top bit set: the first base32 character after the prefix is in the upper half of the alphabet.
        expect('QRSTUVWXYZ234567').toContain(key[4])
        expect(accountFromKeyId(key)).toBe(acct)
        const role = roleId(acct, rnd)
        expect(role).toMatch(/^AROA[A-Z2-7]{17}$/)
        expect(accountFromKeyId(role)).toBe(acct)
      }),
    )
  })

  it('refuse a malformed account, and decode only well-formed ids', () => {
    for (const bad of ['12345678901', '1234567890123', '11112222333a', '', ' 111122223333']) {
      expect(() => accessKeyId('ASIA', bad, random)).toThrow(TypeError)
      expect(() => roleId(bad, random)).toThrow(TypeError)
    }
    expect(() => accessKeyId('ABCD' as 'ASIA', '111122223333', random)).toThrow(TypeError)
    for (const bad of ['', 'ASIA', 'ASIA2AVYNEVMQECFBHE', 'asia2avynevmqecfbheu', 'ASIA2AVYNEVMQECFBHE1', 'ASIA2AVYNEVMQECFBHE=']) {
      expect(accountFromKeyId(bad)).toBeUndefined()
    }
    // 2^40 - 1 is more than 12 digits: such an id carries no account.
    expect(accountFromKeyId('ASIA7777777777777777')).toBeUndefined()
  })
})

describe('secret access keys', () => {
  it('are 40 characters of [A-Za-z0-9+/]', () => {
    fc.assert(
      fc.property(randomSource, (rnd) => {
        expect(secretAccessKey(rnd)).toMatch(/^[A-Za-z0-9+/]{40}$/)
      }),
    )
    expect(secretAccessKey(random)).not.toBe(secretAccessKey(random))
  })

  it('refuse a byte source that returns too little', () => {
    expect(() => secretAccessKey(() => new Uint8Array(3))).toThrow(TypeError)
  })
})

describe('base32', () => {
  it('matches RFC 4648 test vectors (unpadded)', () => {
    const vectors: Array<[string, string]> = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']]
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded)
      expect(Buffer.from(base32Decode(encoded) as Uint8Array).toString()).toBe(plain)
    }
    expect(base32Decode('MZ1')).toBeUndefined()
  })

  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(base32Decode(base32Encode(bytes))).toEqual(bytes)
    }))
  })
})
