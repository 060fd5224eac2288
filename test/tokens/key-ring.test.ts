import { beforeAll, describe, expect, it } from 'vitest'
import { isIrsaError } from '../../src/errors.js'
import { activeKey, needsRotation, publishedKeys, pruneKeys, rotate } from '../../src/tokens/key-ring.js'
import { localKeySource } from '../../src/tokens/local-key-source.js'
import { mintServiceAccountToken } from '../../src/tokens/service-account-token.js'
import { generateSigningKey } from '../../src/tokens/signing-key.js'
import type { SigningKey } from '../../src/tokens/signing-key.js'
import { verifyWebIdentityToken } from '../../src/tokens/verify-web-identity-token.js'
import { input, ISSUER, PROVIDER } from './helpers.js'

const DAY = 86400
const T0 = 1_700_000_000
let k1: SigningKey
let k2: SigningKey
let k3: SigningKey

beforeAll(async () => {
  ;[k1, k2, k3] = await Promise.all([
    generateSigningKey('ES256', T0),
    generateSigningKey('ES256', T0 + 7 * DAY),
    generateSigningKey('RS256', T0 + 14 * DAY),
  ])
})

describe('key ring', () => {
  it('activeKey is the newest key that is not retired', () => {
    expect(activeKey([])).toBeUndefined()
    expect(activeKey([k1, k2])).toBe(k2)
    expect(activeKey([k2, { ...k1 }])?.kid).toBe(k2.kid)
    expect(activeKey([{ ...k2, retiredAt: T0 + 8 * DAY }, k1])?.kid).toBe(k1.kid)
    expect(activeKey([{ ...k1, retiredAt: T0 }])).toBeUndefined()
  })

  it('rotate retires the active key at now and adds the new key, without mutating its input', () => {
    const ring = [k1]
    const next = rotate(ring, k2, T0 + 7 * DAY + 0.5)
    expect(ring).toEqual([k1])
    expect(next.map((k) => k.kid)).toEqual([k2.kid, k1.kid])
    expect(next[1]?.retiredAt).toBe(T0 + 7 * DAY)
    expect(activeKey(next)).toBe(k2)
    const again = rotate(next, k3, T0 + 14 * DAY)
    expect(again.map((k) => [k.kid, k.retiredAt])).toEqual([
      [k3.kid, undefined],
      [k2.kid, T0 + 14 * DAY],
      [k1.kid, T0 + 7 * DAY],
    ])
  })

  it('rotate refuses a duplicate kid or a retired new key', () => {
    expect(() => rotate([k1], k1, T0)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_KEY_RING' }))
    let e: unknown
    try {
      rotate([k1], { ...k2, retiredAt: T0 }, T0)
    } catch (err) {
      e = err
    }
    expect(isIrsaError(e, 'ERR_TOKEN_KEY_RING')).toBe(true)
  })

  it('publishes retired keys until retiredAt + maxTokenLifetime, and pruneKeys splits accordingly', () => {
    const ring = rotate([k1], k2, T0 + 7 * DAY)
    const retiredAt = T0 + 7 * DAY
    expect(publishedKeys(ring, retiredAt + DAY - 1, DAY).map((k) => k.kid)).toEqual([k2.kid, k1.kid])
    expect(publishedKeys(ring, retiredAt + DAY, DAY).map((k) => k.kid)).toEqual([k2.kid])
    const { keep, drop } = pruneKeys(ring, retiredAt + DAY, DAY)
    expect(keep.map((k) => k.kid)).toEqual([k2.kid])
    expect(drop.map((k) => k.kid)).toEqual([k1.kid])
    expect(pruneKeys(ring, retiredAt, DAY).drop).toEqual([])
  })

  it('needsRotation when there is no active key or it is old enough', () => {
    expect(needsRotation([], T0, 7 * DAY)).toBe(true)
    expect(needsRotation([k1], T0 + 7 * DAY - 1, 7 * DAY)).toBe(false)
    expect(needsRotation([k1], T0 + 7 * DAY, 7 * DAY)).toBe(true)
    expect(needsRotation([{ ...k1, retiredAt: T0 }], T0, 7 * DAY)).toBe(true)
  })

  it('a token signed by a retired key verifies while published, and not after retiredAt + maxTokenLifetime', async () => {
    const maxLifetime = DAY
    let ring: SigningKey[] = [k1]
    const mintedAt = T0 + 7 * DAY - 3600
    const token = await mintServiceAccountToken(input({ now: mintedAt, expirationSeconds: maxLifetime }), activeKey(ring) as SigningKey)
    const retiredAt = T0 + 7 * DAY
    ring = rotate(ring, k2, retiredAt)
    let clock = retiredAt + 60
    const verify = () =>
      verifyWebIdentityToken(token, {
        now: clock,
        resolveProvider: (iss) => (iss === ISSUER ? PROVIDER : undefined),
        getKey: localKeySource(() => publishedKeys(ring, clock, maxLifetime)),
      })
    expect((await verify()).ok).toBe(true)
    clock = mintedAt + maxLifetime - 1
    expect((await verify()).ok).toBe(true)
    // The token has expired anyway, and now its key is gone too: the key check comes first.
    clock = retiredAt + maxLifetime
    const after = await verify()
    expect(after.ok).toBe(false)
    expect(!after.ok && after.reason).toBe('key-retrieval')
    // New tokens from the new active key keep verifying.
    const fresh = await mintServiceAccountToken(input({ now: clock }), activeKey(ring) as SigningKey)
    expect((await verifyWebIdentityToken(fresh, { now: clock, resolveProvider: () => PROVIDER, getKey: localKeySource(() => publishedKeys(ring, clock, maxLifetime)) })).ok).toBe(true)
  })

  it('refuses to mint with a retired key', async () => {
    await expect(mintServiceAccountToken(input(), { ...k1, retiredAt: T0 })).rejects.toSatisfy((e) => isIrsaError(e, 'ERR_TOKEN_SIGNING_KEY'))
  })
})
