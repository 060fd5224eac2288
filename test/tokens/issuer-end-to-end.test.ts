import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DISCOVERY_PATH, discoveryDocument, JWKS_PATH, jwksDocument } from '../../src/tokens/discovery.js'
import { createIssuerFetcher } from '../../src/tokens/https-fetch.js'
import { activeKey, publishedKeys, rotate } from '../../src/tokens/key-ring.js'
import { createRemoteKeySource } from '../../src/tokens/remote-key-source.js'
import { mintServiceAccountToken } from '../../src/tokens/service-account-token.js'
import { generateSigningKey } from '../../src/tokens/signing-key.js'
import type { SigningKey } from '../../src/tokens/signing-key.js'
import { verifyWebIdentityToken } from '../../src/tokens/verify-web-identity-token.js'
import { input, NOW, PROVIDER } from './helpers.js'

/** irsa's issuer served over loopback HTTP, consumed by irsa's own remote key source and by jose as a relying party. */
describe('issuer end to end over loopback HTTP', () => {
  let ring: SigningKey[] = []
  let issuer = ''
  let clock = NOW
  const requests: string[] = []
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '')
    const published = publishedKeys(ring, clock, 86400)
    if (req.url === DISCOVERY_PATH) return void res.end(JSON.stringify(discoveryDocument(issuer, published)))
    if (req.url === JWKS_PATH) return void res.end(JSON.stringify(jwksDocument(published)))
    res.writeHead(404).end()
  })

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    // "localhost" exercises the loopback-only DNS lookup of the fetcher.
    issuer = `http://localhost:${(server.address() as AddressInfo).port}`
    ring = [await generateSigningKey('RS256', NOW - 10)]
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('verifies minted tokens through discovery and JWKS, across a rotation', async () => {
    const provider = { ...PROVIDER, url: issuer }
    const source = createRemoteKeySource({ fetchJson: createIssuerFetcher({ timeoutMs: 2000 }), now: () => clock, minRefreshIntervalMs: 0 })
    const verify = (token: string) => verifyWebIdentityToken(token, { now: clock, resolveProvider: (iss) => (iss === issuer ? provider : undefined), getKey: source.getKey })

    const t1 = await mintServiceAccountToken(input({ issuer, now: clock }), activeKey(ring) as SigningKey)
    const r1 = await verify(t1)
    expect(r1.ok && r1.subject).toBe('system:serviceaccount:default:s3-read-only')

    clock += 3600
    ring = rotate(ring, await generateSigningKey('ES256', clock), clock)
    const t2 = await mintServiceAccountToken(input({ issuer, now: clock }), activeKey(ring) as SigningKey)
    expect((await verify(t2)).ok).toBe(true) // unknown kid → refresh
    expect((await verify(t1)).ok).toBe(true) // the retired key is still published
    expect(requests.filter((u) => u === JWKS_PATH)).toHaveLength(2)

    // jose as an independent relying party agrees.
    const jwks = createRemoteJWKSet(new URL(`${issuer}${JWKS_PATH}`))
    for (const t of [t1, t2]) {
      const { payload } = await jwtVerify(t, jwks, { issuer, audience: 'sts.amazonaws.com', currentDate: new Date(clock * 1000) })
      expect(payload.sub).toBe('system:serviceaccount:default:s3-read-only')
    }
  })
})
