import { CompactSign } from 'jose'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { isIrsaError } from '../../src/errors.js'
import { jwksDocument, publishedJwk } from '../../src/tokens/discovery.js'
import { createRemoteKeySource } from '../../src/tokens/remote-key-source.js'
import type { FetchJson, RemoteKeySourceOptions } from '../../src/tokens/remote-key-source.js'
import { mintServiceAccountToken, serviceAccountTokenClaims } from '../../src/tokens/service-account-token.js'
import { generateSigningKey, importSigningKey } from '../../src/tokens/signing-key.js'
import type { SigningKey } from '../../src/tokens/signing-key.js'
import { verifyWebIdentityToken } from '../../src/tokens/verify-web-identity-token.js'
import type { VerifierProvider, VerifyWebIdentityTokenResult } from '../../src/tokens/verify-web-identity-token.js'
import { input, NOW, PROVIDER } from './helpers.js'

const ISS = 'https://oidc.cluster.example.com'
const JWKS_URL = 'https://keys.example.net/cluster/jwks.json'
const PROV: VerifierProvider = { ...PROVIDER, url: ISS, thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'] }

let k1: SigningKey
let k2: SigningKey
let k3: SigningKey

beforeAll(async () => {
  ;[k1, k2, k3] = await Promise.all([generateSigningKey('RS256', NOW), generateSigningKey('ES256', NOW), generateSigningKey('ES256', NOW)])
})

/** A fake IdP: serves a discovery document and a mutable JWKS, counting requests. */
function fakeIdp(initialKeys: unknown[]) {
  const state = { keys: initialKeys, issuer: ISS, jwksUri: JWKS_URL as unknown, fail: undefined as Error | undefined }
  const fetchJson = vi.fn<FetchJson>(async (url, options) => {
    expect(options?.thumbprints).toEqual(PROV.thumbprints)
    if (state.fail !== undefined) throw state.fail
    if (url === `${ISS}/.well-known/openid-configuration`) return { issuer: state.issuer, jwks_uri: state.jwksUri }
    if (url === JWKS_URL) return { keys: state.keys }
    throw new Error(`unexpected ${url}`)
  })
  return { state, fetchJson, jwksFetches: () => fetchJson.mock.calls.filter(([u]) => u === JWKS_URL).length }
}

function setup(keys: unknown[], extra: Partial<RemoteKeySourceOptions> = {}) {
  const idp = fakeIdp(keys)
  const clock = { now: NOW + 10 }
  // The JWKS is on another host than the issuer, as an operator allows with --allow-jwks-host.
  const source = createRemoteKeySource({ fetchJson: idp.fetchJson, now: () => clock.now, allowJwksHosts: ['keys.example.net'], ...extra })
  const verify = (token: string): Promise<VerifyWebIdentityTokenResult> =>
    verifyWebIdentityToken(token, { now: clock.now, resolveProvider: (iss) => (iss === ISS ? PROV : undefined), getKey: source.getKey })
  return { idp, clock, source, verify }
}

const mint = (key: SigningKey, header?: 'no-kid'): Promise<string> =>
  header === 'no-kid' ? mintNoKid(key) : mintServiceAccountToken(input({ issuer: ISS }), key)

async function mintNoKid(key: SigningKey): Promise<string> {
  const { privateKey } = await importSigningKey(key)
  return new CompactSign(new TextEncoder().encode(JSON.stringify(serviceAccountTokenClaims(input({ issuer: ISS })))))
    .setProtectedHeader({ alg: key.alg })
    .sign(privateKey)
}

describe('createRemoteKeySource', () => {
  it('fetches discovery then JWKS once, and serves many verifications from the cache', async () => {
    const { idp, verify } = setup([...jwksDocument([k1, k2]).keys])
    const [t1, t2] = await Promise.all([mint(k1), mint(k2)])
    const results = await Promise.all([verify(t1), verify(t2), verify(t1), verify(t2)])
    for (const r of results) expect(r.ok).toBe(true)
    for (let i = 0; i < 5; i++) expect((await verify(t1)).ok).toBe(true)
    expect(idp.fetchJson).toHaveBeenCalledTimes(2)
    expect(idp.fetchJson.mock.calls.map(([u]) => u)).toEqual([`${ISS}/.well-known/openid-configuration`, JWKS_URL])
  })

  it('refreshes on an unknown kid (after the rate-limit interval) and then verifies', async () => {
    const { idp, clock, verify } = setup([publishedJwk(k1)])
    expect((await verify(await mint(k1))).ok).toBe(true)
    idp.state.keys = [publishedJwk(k1), publishedJwk(k2)] // the IdP rotated
    clock.now += 61
    expect((await verify(await mint(k2))).ok).toBe(true)
    expect(idp.jwksFetches()).toBe(2)
  })

  it('refreshes at most once per minRefreshIntervalMs per issuer', async () => {
    const { idp, clock, verify } = setup([publishedJwk(k1)], { minRefreshIntervalMs: 60_000 })
    const unknown = await mint(k3)
    const first = await verify(unknown) // initial load; no extra refresh right after it
    expect(!first.ok && first.reason).toBe('key-retrieval')
    expect(idp.jwksFetches()).toBe(1)
    for (let i = 0; i < 20; i++) {
      clock.now += 2
      expect((await verify(unknown)).ok).toBe(false)
    }
    expect(idp.jwksFetches()).toBe(1) // 40 s later: still rate limited
    clock.now += 20
    expect((await verify(unknown)).ok).toBe(false)
    expect(idp.jwksFetches()).toBe(2)
    clock.now += 30
    idp.state.keys = [publishedJwk(k1), publishedJwk(k3)]
    expect((await verify(unknown)).ok).toBe(false) // 30 s after the last refresh: not yet
    clock.now += 30
    expect((await verify(unknown)).ok).toBe(true)
    expect(idp.jwksFetches()).toBe(3)
  })

  it('refetches after cacheTtlMs even for known kids, so removed keys stop verifying', async () => {
    const { idp, clock, verify } = setup([publishedJwk(k1)], { cacheTtlMs: 3_600_000 })
    const token = await mint(k1)
    expect((await verify(token)).ok).toBe(true)
    idp.state.keys = [publishedJwk(k2)]
    clock.now += 3599
    expect((await verify(token)).ok).toBe(true)
    clock.now += 1
    expect((await verify(token)).ok).toBe(false)
    expect(idp.jwksFetches()).toBe(2)
  })

  it('matches a missing kid against keys with an empty or missing kid, trying each', async () => {
    const noKid = (k: SigningKey) => {
      const { kid: _kid, ...rest } = publishedJwk(k)
      return rest
    }
    // The self-hosted IRSA layout: each key twice, once with kid "".
    const { verify } = setup([publishedJwk(k2), { ...publishedJwk(k2), kid: '' }, noKid(k3), publishedJwk(k1)])
    expect((await verify(await mint(k2, 'no-kid'))).ok).toBe(true)
    expect((await verify(await mint(k3, 'no-kid'))).ok).toBe(true)
    const r = await verify(await mint(k1, 'no-kid')) // k1 is only published with its kid
    expect(!r.ok && r.reason).toBe('key-retrieval')
  })

  it('ignores keys that do not fit the algorithm or are not for signatures', async () => {
    const { verify } = setup([{ ...publishedJwk(k2), use: 'enc' }, { ...publishedJwk(k1), alg: 'RS512' }])
    expect((await verify(await mint(k2))).ok).toBe(false)
    expect((await verify(await mint(k1))).ok).toBe(false)
  })

  it('refuses a JWKS of more than 100 keys', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ ...publishedJwk(k2), kid: `k${i}` }))
    const { source } = setup([...many.slice(0, 100), publishedJwk(k2)])
    const header = { alg: 'ES256' as const, kid: k2.kid }
    await expect(source.getKey(PROV, header, { issuer: ISS })).rejects.toSatisfy(
      (e) => isIrsaError(e, 'ERR_TOKEN_DISCOVERY') && /101 keys; at most 100/.test((e as Error).message),
    )
    const ok = setup([...many.slice(0, 99), publishedJwk(k2)])
    await expect(ok.source.getKey(PROV, header, { issuer: ISS })).resolves.toBeDefined()
  })

  it('refuses a discovery document naming another issuer, and bad jwks_uri values', async () => {
    const { idp, verify, source } = setup([publishedJwk(k1)])
    idp.state.issuer = `${ISS}/`
    const r = await verify(await mint(k1))
    expect(!r.ok && r.message).toMatch(/^Couldn't retrieve verification key/)
    await expect(source.getKey(PROV, { alg: 'RS256', kid: k1.kid }, { issuer: ISS })).rejects.toThrow(/names a different issuer/)
    idp.state.issuer = ISS
    for (const [uri, message] of [
      [undefined, /no jwks_uri/],
      ['http://keys.example.net/jwks', /must be an https URL/],
      ['/relative', /not an absolute URL/],
    ] as const) {
      idp.state.jwksUri = uri
      source.invalidate()
      await expect(source.getKey(PROV, { alg: 'RS256', kid: k1.kid }, { issuer: ISS })).rejects.toThrow(message)
    }
  })

  it('refuses non-object, key-less and over-size documents', async () => {
    const big = setup([{ ...publishedJwk(k1), pad: 'x'.repeat(600_000) }])
    await expect(big.source.getKey(PROV, { alg: 'RS256', kid: k1.kid }, { issuer: ISS })).rejects.toThrow(/over 524288 characters/)
    const noKeys = setup('nope' as unknown as unknown[])
    await expect(noKeys.source.getKey(PROV, { alg: 'RS256', kid: k1.kid }, { issuer: ISS })).rejects.toThrow(/no keys array/)
  })

  it('remembers a failure for failureBackoffMs, then shares one in-flight load, and passes transient errors through', async () => {
    const { idp, source, verify, clock } = setup([publishedJwk(k1)], { failureBackoffMs: 15_000 })
    idp.state.fail = Object.assign(new Error('HTTP 503'), { name: 'x' })
    const token = await mint(k1)
    const r = await verify(token)
    expect(!r.ok && r.reason).toBe('key-retrieval')
    idp.state.fail = undefined
    idp.fetchJson.mockClear()
    clock.now += 14
    const again = await verify(token) // within the back-off: the same failure, no fetch
    expect(!again.ok && again.reason).toBe('key-retrieval')
    expect(idp.fetchJson).toHaveBeenCalledTimes(0)
    clock.now += 1
    const header = { alg: 'RS256' as const, kid: k1.kid }
    await Promise.all([1, 2, 3].map(() => source.getKey(PROV, header, { issuer: ISS })))
    expect(idp.fetchJson).toHaveBeenCalledTimes(2)
    expect((await verify(token)).ok).toBe(true)
  })

  it('keeps issuers apart', async () => {
    const other = 'https://other.example.com'
    const fetchJson = vi.fn<FetchJson>(async (url) => {
      if (url === `${ISS}/.well-known/openid-configuration`) return { issuer: ISS, jwks_uri: JWKS_URL }
      if (url === JWKS_URL) return { keys: [publishedJwk(k1)] }
      if (url === `${other}/.well-known/openid-configuration`) return { issuer: other, jwks_uri: `${other}/keys` }
      if (url === `${other}/keys`) return { keys: [publishedJwk(k2)] }
      throw new Error(url)
    })
    const source = createRemoteKeySource({ fetchJson, now: () => NOW, allowJwksHosts: ['keys.example.net'] })
    await expect(source.getKey(PROV, { alg: 'RS256', kid: k1.kid }, { issuer: ISS })).resolves.toBeDefined()
    await expect(source.getKey(PROV, { alg: 'RS256', kid: k1.kid }, { issuer: other })).rejects.toSatisfy((e) => isIrsaError(e, 'ERR_TOKEN_NO_KEY'))
  })
})

describe('createRemoteKeySource: bounds', () => {
  it('caches at most maxProviders providers, dropping the least recently used', async () => {
    const urls = ['https://a.example.com', 'https://b.example.com', 'https://c.example.com']
    const fetched: string[] = []
    const fetchJson: FetchJson = async (url) => {
      fetched.push(url)
      const iss = urls.find((u) => url.startsWith(`${u}/`)) as string
      return url.endsWith('/.well-known/openid-configuration') ? { issuer: iss, jwks_uri: `${iss}/keys` } : { keys: [publishedJwk(k1)] }
    }
    const source = createRemoteKeySource({ fetchJson, now: () => NOW, maxProviders: 2 })
    const get = (url: string) => source.getKey({ ...PROVIDER, url }, { alg: 'RS256', kid: k1.kid }, { issuer: url })
    for (const url of [urls[0], urls[1], urls[0], urls[2]] as string[]) await get(url)
    expect(source.size()).toBe(2)
    expect(fetched.length).toBe(6) // a, b, c loaded once each; the second a was a hit
    await get(urls[0] as string) // a was used more recently than b: still cached
    expect(fetched.length).toBe(6)
    await get(urls[1] as string) // b was dropped: loaded again
    expect(fetched.length).toBe(8)
  })

  it('refuses a token whose iss is not exactly the provider URL, without fetching', async () => {
    const { idp, source } = setup([publishedJwk(k1)])
    for (const iss of [`${ISS}/`, `${ISS}//`, ISS.toUpperCase(), ISS.replace('https://', 'http://')]) {
      await expect(source.getKey(PROV, { alg: 'RS256', kid: k1.kid }, { issuer: iss })).rejects.toSatisfy((e) => isIrsaError(e, 'ERR_TOKEN_NO_KEY'))
    }
    expect(idp.fetchJson).not.toHaveBeenCalled()
  })
})
