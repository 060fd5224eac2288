// Unauthenticated requests must not make irsa fetch from an issuer, or re-read its store, once per
// request. Every AssumeRoleWithWebIdentity / GetCallerIdentity here is sent by the AWS SDK for
// JavaScript v3 to a real server on loopback; fake issuers (test/support/fake-issuer.ts) count the
// requests they receive and a wrapped store counts its key-list reads.
//
// - `iss` variants of a registered issuer (trailing slashes, case, dot segments...) are refused before
//   any fetch: the key cache is per provider and keyed by its URL, never by the token's spelling.
// - Session tokens with made-up sealing-key ids and own-issuer tokens with made-up kids force at most
//   one store re-read per second, however many arrive at once.
// - A discovery document's jwks_uri on another host (unless allowed) or on a private, link-local or
//   loopback address is refused and never fetched.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import type { AddressInfo, Server } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import type { STSClient } from '@aws-sdk/client-sts'
import fc from 'fast-check'
import { base64url } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import { SESSION_TOKEN_PREFIX } from '../../src/core/session-token.js'
import { createIssuerFetcher } from '../../src/tokens/https-fetch.js'
import { b64json, newKeyPair, saClaims, sdkError, signJwt, startIssuer, startSecServer, trustFor } from './helpers.js'
import type { FakeIssuer, KeyPair, SecServer } from './helpers.js'

const KEY_RETRIEVAL = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
/** Hosts the server lets a jwks_uri name (besides the issuer's own): the address check must still refuse them. */
const PRIVATE_ALLOWED = ['10.1.2.3', '169.254.169.254']

let s: SecServer
let sts: STSClient
let dir: string
/** Calls of each Store method since the server started. */
const storeCalls = new Map<string, number>()
/** A server that is never a valid jwks_uri target unless allowed: any request it gets is a failure. */
let target: FakeIssuer
let key: KeyPair
const reasons: string[] = []
const issuers: FakeIssuer[] = []

/** A store whose method calls are counted (listSealingKeys, listSigningKeys...). */
function counted(store: Store): Store {
  return new Proxy(store, {
    get(t, prop, receiver) {
      const v: unknown = Reflect.get(t, prop, receiver)
      if (typeof v !== 'function' || typeof prop !== 'string') return v
      return (...args: unknown[]) => {
        storeCalls.set(prop, (storeCalls.get(prop) ?? 0) + 1)
        return (v as (...a: unknown[]) => unknown).apply(t, args)
      }
    },
  })
}
const calls = (method: string): number => storeCalls.get(method) ?? 0

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'irsa-sec-fetch-'))
  ;[key, target] = await Promise.all([newKeyPair('ext-1'), startIssuer()])
  const store = counted(await openStore({ kind: 'sqlite', file: join(dir, 'irsa.db') }))
  s = await startSecServer({ store, allowJwksHosts: [new URL(target.url).host, ...PRIVATE_ALLOWED] })
  sts = s.sts()
  s.serving.rt.observeDecisions((d) => reasons.push(d.reason ?? ''))
  await s.role('app', 'default', 'app')
}, 60_000)
afterAll(async () => {
  await Promise.all([s?.close(), target?.close(), ...issuers.map((i) => i.close())])
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

/** A fake issuer registered as an IAM OIDC provider, with a role `name` trusting its default/app. */
async function registered(name: string): Promise<FakeIssuer> {
  const issuer = await startIssuer([key])
  issuers.push(issuer)
  const p = await s.iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))
  await s.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustFor(s.serving, 'default', 'app', p.OpenIDConnectProviderArn) }))
  return issuer
}

const now = (): number => s.serving.rt.nowSeconds()
const roleArn = (name: string): string => `arn:aws:iam::${s.account}:role/${name}`

/** A token with a well-formed header and claims and a signature of random bytes (no key signed it). */
function unsigned(iss: string, kid = `made-up-${randomBytes(6).toString('hex')}`): string {
  return `${b64json({ alg: 'RS256', kid, typ: 'JWT' })}.${b64json(saClaims(iss, 'default', 'app', now()))}.${base64url.encode(randomBytes(256))}`
}

function exchange(token: string, role = 'app'): Promise<unknown> {
  return sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn(role), RoleSessionName: 'flood', WebIdentityToken: token }))
}

/** A sealed-session-shaped token (prefix, version 1, key id, IV, ciphertext, tag) under a made-up key id. */
function forgedSessionToken(): string {
  const id = randomBytes(8).toString('hex')
  const body = Buffer.concat([Buffer.from([1, id.length]), Buffer.from(id, 'ascii'), randomBytes(12), randomBytes(40), randomBytes(16)])
  return SESSION_TOKEN_PREFIX + body.toString('base64')
}

describe('iss variants of a registered issuer (AssumeRoleWithWebIdentity, JS SDK v3)', () => {
  it('control: the exact iss, 5 genuine requests, fetches discovery and JWKS once', async () => {
    const issuer = await registered('control')
    for (let i = 0; i < 5; i++) {
      const token = await signJwt(key.privateJwk, { alg: 'RS256', kid: key.kid }, saClaims(issuer.url, 'default', 'app', now()))
      await expect(exchange(token, 'control')).resolves.toBeDefined()
    }
    expect(issuer.hits).toEqual(['/.well-known/openid-configuration', '/keys'])
  })

  it('20 tokens whose iss is the issuer plus 1…20 trailing slashes fetch nothing', async () => {
    const issuer = await registered('slashes')
    for (let n = 1; n <= 20; n++) {
      const iss = `${issuer.url}${'/'.repeat(n)}`
      const token = await signJwt(key.privateJwk, { alg: 'RS256', kid: key.kid }, saClaims(iss, 'default', 'app', now()))
      const e = await sdkError(exchange(token, 'slashes'))
      expect(e).toMatchObject({ code: 'InvalidIdentityToken', status: 400, message: `No OpenIDConnect provider found in your account for ${iss}` })
    }
    expect(issuer.hits).toEqual([])
    // The provider itself still works: one load, for the exact iss.
    const token = await signJwt(key.privateJwk, { alg: 'RS256', kid: key.kid }, saClaims(issuer.url, 'default', 'app', now()))
    await expect(exchange(token, 'slashes')).resolves.toBeDefined()
    expect(issuer.hits.length).toBeLessThanOrEqual(2)
  })

  it('unsigned tokens with other spellings of the issuer (case, dot segments, encodings, host names) fetch nothing', async () => {
    const issuer = await registered('variants')
    const u = issuer.url
    const port = new URL(u).port
    const variants = [
      `${u}/`,
      `${u}//`,
      `${u}/.`,
      `${u}/./`,
      `${u}/%2F`,
      `${u}/a/..`,
      `${u}#`,
      `${u}?`,
      u.replace('http://', 'HTTP://'),
      u.replace('http://', 'http:///'),
      `http://localhost:${port}`,
      `http://127.0.0.1.:${port}`,
      `http://0x7f000001:${port}`,
      `http://127.1:${port}`,
      `http://[::ffff:127.0.0.1]:${port}`,
      ` ${u}`,
      `${u}\t`,
    ]
    for (const iss of variants) {
      const e = await sdkError(exchange(unsigned(iss), 'variants'))
      expect(e.code, iss).toBe('InvalidIdentityToken')
      expect(e.status, iss).toBe(400)
    }
    expect(issuer.hits).toEqual([])
  })
})

describe('made-up key ids force at most one store re-read a second', () => {
  it('30 concurrent GetCallerIdentity calls with session tokens under made-up sealing-key ids read the sealing keys at most 3 times', async () => {
    const before = calls('listSealingKeys')
    const results = await Promise.all(
      Array.from({ length: 30 }, () => {
        const client = s.sts({ accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: 'forged', sessionToken: forgedSessionToken() })
        return sdkError(client.send(new GetCallerIdentityCommand({})))
      }),
    )
    for (const e of results) expect(e.code).toBe('InvalidClientTokenId')
    // One forced read at once, one shared by every later caller, and perhaps the routine cache expiry.
    expect(calls('listSealingKeys') - before).toBeLessThanOrEqual(3)
  })

  it('30 concurrent own-issuer tokens with made-up kids read the signing keys at most 3 times', async () => {
    const before = calls('listSigningKeys')
    const results = await Promise.all(Array.from({ length: 30 }, () => sdkError(exchange(unsigned(s.serving.rt.issuer)))))
    for (const e of results) expect(e).toMatchObject({ code: 'InvalidIdentityToken', message: KEY_RETRIEVAL })
    expect(calls('listSigningKeys') - before).toBeLessThanOrEqual(3)
    // A genuine token of the server's own issuer is still accepted.
    await expect(exchange(await s.token('default', 'app'))).resolves.toBeDefined()
  })
})

describe("a discovery document's jwks_uri", () => {
  async function refused(jwksUri: string, role: string): Promise<string> {
    const issuer = await registered(role)
    issuer.jwksUri = jwksUri
    const token = await signJwt(key.privateJwk, { alg: 'RS256', kid: key.kid }, saClaims(issuer.url, 'default', 'app', now()))
    const e = await sdkError(exchange(token, role))
    expect(e).toMatchObject({ code: 'InvalidIdentityToken', status: 400, message: KEY_RETRIEVAL })
    expect(issuer.hits).toEqual(['/.well-known/openid-configuration'])
    const reason = reasons[reasons.length - 1] ?? ''
    expect(reason).not.toContain(token)
    expect(reason).not.toContain(token.split('.')[2] as string)
    return reason
  }

  it('on another host (another port of 127.0.0.1 that is not allowed) is refused and never fetched', async () => {
    const other = await startIssuer([key])
    issuers.push(other)
    const reason = await refused(`${other.url}/keys`, 'jwks-other-host')
    expect(reason).toContain(`not on the issuer's host`)
    expect(reason).toContain('--allow-jwks-host 127.0.0.1')
    expect(other.hits).toEqual([])
  })

  it('on a host the operator allowed (--allow-jwks-host) is fetched (control)', async () => {
    const issuer = await registered('jwks-allowed')
    issuer.jwksUri = `${target.url}/keys`
    target.keys = [key]
    const token = await signJwt(key.privateJwk, { alg: 'RS256', kid: key.kid }, saClaims(issuer.url, 'default', 'app', now()))
    await expect(exchange(token, 'jwks-allowed')).resolves.toBeDefined()
    expect(target.hits).toEqual(['/keys'])
  })

  it('on 10.1.2.3 or 169.254.169.254 is refused before connecting, even when the host is allowed', async () => {
    expect(await refused('https://10.1.2.3/keys', 'jwks-private')).toMatch(/Refused to fetch https:\/\/10\.1\.2\.3\/keys: 10\.1\.2\.3 is a private address/)
    expect(await refused('https://169.254.169.254/latest/meta-data/iam/security-credentials/', 'jwks-imds')).toMatch(/169\.254\.169\.254 is a linkLocal address/)
  })
})

describe('the JWKS fetch connects only to public addresses (the address resolved and connected to)', () => {
  let tcp: Server
  let port: number
  let connections = 0
  beforeAll(async () => {
    tcp = createServer((socket) => {
      connections++
      socket.destroy()
    })
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
    port = (tcp.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((resolve) => tcp.close(() => resolve())))

  it('refuses loopback (by name, IPv4 literal and IPv4-mapped IPv6), private and link-local addresses without connecting', async () => {
    const fetchJson = createIssuerFetcher({ timeoutMs: 2000 })
    const strict = { publicAddressesOnly: { allowLoopback: false } }
    for (const [url, why] of [
      [`https://localhost:${port}/keys`, /Refused to fetch .*localhost does not resolve to an address irsa fetches from .*loopback address/],
      [`https://127.0.0.1:${port}/keys`, /127\.0\.0\.1 is a loopback address/],
      [`https://[::ffff:127.0.0.1]:${port}/keys`, /loopback address/],
      [`https://0.0.0.0:${port}/keys`, /unspecified address/],
      ['https://10.0.0.1/keys', /private address/],
      ['https://192.168.1.1/keys', /private address/],
      ['https://169.254.169.254/latest/meta-data/', /linkLocal address/],
      ['https://[fd00::1]/keys', /uniqueLocal address/],
      ['https://100.64.0.1/keys', /carrierGradeNat address/],
    ] as const) {
      await expect(fetchJson(url, strict), url).rejects.toThrow(why)
    }
    expect(connections).toBe(0)
    // Control: loopback allowed (the issuer itself is on loopback) does connect.
    await expect(fetchJson(`http://127.0.0.1:${port}/keys`, { publicAddressesOnly: { allowLoopback: true } })).rejects.toThrow()
    expect(connections).toBe(1)
  })
})

describe('fuzz: random iss strings against a registered external provider (fast-check, fixed seed)', () => {
  it('never answer 500 and cause at most one discovery + JWKS load', async () => {
    const issuer = await registered('fuzz')
    const u = issuer.url
    const issArb = fc.oneof(
      fc.constant(u),
      fc.integer({ min: 1, max: 40 }).map((n) => u + '/'.repeat(n)),
      fc.string({ maxLength: 24 }).map((tail) => u + tail),
      fc.string({ maxLength: 24 }).map((tail) => `${u}/${tail}`),
      fc.tuple(fc.constantFrom('http://', 'https://', 'HTTP://', 'http:/', 'http:///', ''), fc.constantFrom('127.0.0.1', 'localhost', '127.1', 'LOCALHOST', '[::1]', '0x7f000001'), fc.constantFrom(new URL(u).port, '', '0', '80')).map(
        ([scheme, host, port]) => `${scheme}${host}${port === '' ? '' : `:${port}`}`,
      ),
      fc.webUrl(),
      fc.string({ maxLength: 40 }),
    )
    await fc.assert(
      fc.asyncProperty(issArb, fc.string({ maxLength: 12 }), async (iss, kid) => {
        // No key signed these tokens: each must fail, as a client error.
        const e = await sdkError(exchange(unsigned(iss, kid), 'fuzz'))
        expect(e.status).toBe(400)
        expect(e.code).toBe('InvalidIdentityToken')
      }),
      { seed: 20_260_611, numRuns: 80 },
    )
    expect(issuer.hits.length).toBeLessThanOrEqual(2)
  }, 60_000)
})
