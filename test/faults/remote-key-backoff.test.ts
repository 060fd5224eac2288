// The unknown-kid back-off of the remote key source, on a fake clock: an issuer's routine rotation
// (publish new + old, then sign with new) is picked up at once even right after a fetch, while
// made-up kids still cause at most one fetch per interval. (End to end: key-rotation.test.ts.)
import { describe, expect, it } from 'vitest'
import { publishedJwk } from '../../src/tokens/discovery.js'
import { createRemoteKeySource } from '../../src/tokens/remote-key-source.js'
import type { FetchJson } from '../../src/tokens/remote-key-source.js'
import { generateSigningKey } from '../../src/tokens/signing-key.js'
import type { SigningKey } from '../../src/tokens/signing-key.js'

const ISS = 'https://oidc.rotating.example.com'
const PROVIDER = { arn: 'arn:aws:iam::111122223333:oidc-provider/oidc.rotating.example.com', url: ISS, clientIds: ['sts.amazonaws.com'] }

function setup(first: SigningKey) {
  const idp = { keys: [first], jwksFetches: 0 }
  const fetchJson: FetchJson = async (url) => {
    if (url === `${ISS}/.well-known/openid-configuration`) return { issuer: ISS, jwks_uri: `${ISS}/keys` }
    idp.jwksFetches++
    return { keys: idp.keys.map(publishedJwk) }
  }
  const clock = { now: 1_700_000_000 }
  const source = createRemoteKeySource({ fetchJson, now: () => clock.now, minRefreshIntervalMs: 60_000 })
  const lookup = (key: { kid: string; alg: string }): Promise<boolean> =>
    source.getKey(PROVIDER, { alg: key.alg as 'ES256', kid: key.kid }, { issuer: ISS }).then(
      () => true,
      () => false,
    )
  return { idp, clock, lookup }
}

describe('remote key source back-off', () => {
  it('picks up a key first used seconds after a fetch that found its kid', async () => {
    const [k1, k2] = await Promise.all([generateSigningKey('ES256', 0), generateSigningKey('ES256', 0)])
    const { idp, clock, lookup } = setup(k1)
    expect(await lookup(k1)).toBe(true)
    idp.keys = [k1, k2] // published new + old
    clock.now += 5
    expect(await lookup(k2)).toBe(true) // signing with new, 5 s after the first fetch
    expect(idp.jwksFetches).toBe(2)
  })

  it('still fetches at most once per interval for kids the issuer never published', async () => {
    const [k1, k2] = await Promise.all([generateSigningKey('ES256', 0), generateSigningKey('ES256', 0)])
    const { idp, clock, lookup } = setup(k1)
    expect(await lookup(k1)).toBe(true)
    for (let i = 0; i < 30; i++) {
      clock.now += 1
      expect(await lookup({ kid: `made-up-${i}`, alg: 'ES256' })).toBe(false)
    }
    expect(idp.jwksFetches).toBe(2) // the first made-up kid fetched once; the rest wait
    idp.keys = [k1, k2]
    clock.now += 20
    expect(await lookup(k2)).toBe(false) // 50 s after the missed fetch: still backing off
    clock.now += 11
    expect(await lookup(k2)).toBe(true)
    expect(idp.jwksFetches).toBe(3)
  })
})
