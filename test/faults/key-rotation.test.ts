// Fault (planned): signing keys rotate while tokens are being exchanged. (a) `irsa keys rotate
// --store …` on the store of running servers (two PostgreSQL replicas, and a SQLite server): tokens
// minted before and after every rotation keep being accepted by every replica, with zero failed
// requests. (b) An external issuer (a local discovery + JWKS server) rotates its key the usual way,
// publishing new + old, then signing with the new one: irsa refetches on the unknown kid, zero
// failures. Clients here do not retry: any failed request fails the test.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateOpenIDConnectProviderCommand } from '@aws-sdk/client-iam'
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withState } from '../../src/cli/state.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { jwksDocument } from '../../src/tokens/discovery.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'
import { mintServiceAccountToken } from '../../src/tokens/service-account-token.js'
import { generateSigningKey } from '../../src/tokens/signing-key.js'
import type { SigningKey } from '../../src/tokens/signing-key.js'
import { Acks, createRole, exchange, FailoverClient, irsa, LoadStats, runLoad, spawnServer, trustFor, until } from '../support/fault-harness.js'
import type { ServerProcess } from '../support/fault-harness.js'
import { testPostgres } from '../support/postgres.js'
import type { TestPostgres } from '../support/postgres.js'

const ISSUER = 'https://irsa-faults-keys.example.com'
const ACCOUNT = '111122223333'
const WORKERS = 4

let pg: TestPostgres
let pgUrl: string
let dir: string
let replicas: ServerProcess[] = []
let sqlite: ServerProcess | undefined
let idp: Server | undefined
const clients: FailoverClient[] = []

beforeAll(async () => {
  pg = await testPostgres()
  pgUrl = await pg.createDatabase()
  dir = mkdtempSync(join(tmpdir(), 'irsa-faults-keys-'))
  const started = await Promise.all([
    spawnServer({ store: pgUrl, issuer: ISSUER, data: join(dir, 'a') }),
    spawnServer({ store: pgUrl, issuer: ISSUER, data: join(dir, 'b') }),
    spawnServer({ store: `sqlite:${join(dir, 'irsa.db')}`, issuer: ISSUER, data: dir }),
  ])
  replicas = started.slice(0, 2)
  sqlite = started[2]
}, 90_000)

afterAll(async () => {
  for (const c of clients) c.destroy()
  await Promise.all([...replicas, sqlite].map((s) => s?.stop()))
  await new Promise((r) => (idp === undefined ? r(undefined) : idp.close(r)))
  await pg?.stop()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
}, 30_000)

/** One non-retrying client per server; a load step picks the server round-robin. */
function perServer(servers: readonly ServerProcess[], stats: LoadStats): FailoverClient[] {
  const cs = servers.map((s) => new FailoverClient([s.url], stats, { retry: false }))
  clients.push(...cs)
  return cs
}

async function ownIssuerRotation(label: string, store: string, servers: readonly ServerProcess[]): Promise<void> {
  const stats = new LoadStats()
  const acks = new Acks()
  const cs = perServer(servers, stats)
  const role = `keys-${label}`
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/${role}`
  await createRole(cs[0] as FailoverClient, acks, role, trustFor(`arn:aws:iam::${ACCOUNT}:oidc-provider/${issuerHostPath(ISSUER)}`, issuerHostPath(ISSUER), 'keys', 'app'))
  // Minted as `irsa token --store …` mints: a separate runtime on the same store, the active key.
  const mint = (): Promise<string> => withState({ store }, async (rt) => (await issueServiceAccountToken(rt, { namespace: 'keys', serviceAccount: 'app' })).token)
  const tokens = [await mint()]
  let stop = false
  const load = runLoad(
    WORKERS,
    100_000,
    async (w, i) => {
      await exchange(cs[(w + i) % cs.length] as FailoverClient, acks, roleArn, tokens[(w + i) % tokens.length] as string)
    },
    () => stop,
  )
  const kids: string[] = [decodeProtectedHeader(tokens[0] as string).kid ?? '']
  for (const algorithm of ['RS256', 'ES256']) {
    await until(() => stats.succeeded >= 30 * kids.length, 30_000, 'exchanges before the rotation')
    const rotated = await irsa(['keys', 'rotate', '--store', store, '--algorithm', algorithm, '--format', 'json'])
    expect(rotated.stderr).toBe('')
    const { kid, retired } = JSON.parse(rotated.stdout) as { kid: string; retired: string[] }
    expect(retired).toEqual([kids[kids.length - 1]])
    const token = await mint()
    expect(decodeProtectedHeader(token).kid).toBe(kid)
    tokens.push(token)
    kids.push(kid)
  }
  await until(() => stats.succeeded >= 30 * kids.length + 40, 30_000, 'exchanges after the rotations')
  stop = true
  await load
  // Every token, from before and after each rotation, on every server, once more.
  for (const c of cs) for (const t of tokens) await exchange(c, acks, roleArn, t)
  console.log(stats.summary(`signing-key rotation under load (${label})`, { servers: servers.length, rotations: kids.length - 1, 'tokens-in-use': tokens.length, exchanges: acks.exchanges.length }))
  expect(stats.failures).toEqual([])
  expect(stats.retries).toBe(0)
  expect(new Set(kids).size).toBe(3)
}

describe('key rotation during load', () => {
  it('irsa keys rotate on the PostgreSQL store of two replicas fails no request', async () => {
    await ownIssuerRotation('postgres', pgUrl, replicas)
  }, 60_000)

  it('irsa keys rotate on the SQLite file of a running server fails no request', async () => {
    if (sqlite === undefined) throw new Error('no SQLite server')
    await ownIssuerRotation('sqlite', `sqlite:${join(dir, 'irsa.db')}`, [sqlite])
  }, 60_000)

  it('an external issuer publishing new + old, then signing with new, fails no request', async () => {
    const k1 = await generateSigningKey('RS256', Math.floor(Date.now() / 1000))
    const k2 = await generateSigningKey('ES256', Math.floor(Date.now() / 1000))
    let published: SigningKey[] = [k1]
    let jwksFetches = 0
    const server = createServer((req, res) => {
      const send = (body: unknown): void => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      }
      if (req.url === '/.well-known/openid-configuration') return send({ issuer, jwks_uri: `${issuer}/keys`, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256', 'ES256'] })
      if (req.url === '/keys') {
        jwksFetches++
        return send(jwksDocument(published))
      }
      res.writeHead(404).end()
    })
    idp = server
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const address = server.address()
    const issuer = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
    const stats = new LoadStats()
    const acks = new Acks()
    const cs = perServer(replicas, stats)
    const admin = cs[0] as FailoverClient
    const providerArn = (await admin.call('CreateOpenIDConnectProvider', (e) => e.iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer, ClientIDList: ['sts.amazonaws.com'] })))).OpenIDConnectProviderArn
    expect(providerArn).toBe(`arn:aws:iam::${ACCOUNT}:oidc-provider/${issuerHostPath(issuer)}`)
    await createRole(admin, acks, 'external', trustFor(providerArn ?? '', issuerHostPath(issuer), 'ext', 'app'))
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/external`
    const mint = (key: SigningKey): Promise<string> =>
      mintServiceAccountToken(
        { issuer, audiences: ['sts.amazonaws.com'], namespace: 'ext', serviceAccount: { name: 'app', uid: randomUUID() }, now: Math.floor(Date.now() / 1000), expirationSeconds: 3600, jti: randomUUID() },
        key,
      )
    const tokens = [await mint(k1)]
    let stop = false
    const load = runLoad(
      WORKERS,
      100_000,
      async (w, i) => {
        await exchange(cs[(w + i) % cs.length] as FailoverClient, acks, roleArn, tokens[(w + i) % tokens.length] as string)
      },
      () => stop,
    )
    // Both replicas have fetched and cached the JWKS with only the old key.
    await until(() => stats.succeeded >= 30, 30_000, 'exchanges with the old key')
    const fetchesBefore = jwksFetches
    published = [k1, k2]
    await until(() => stats.succeeded >= 60, 30_000, 'exchanges while both keys are published')
    tokens.push(await mint(k2))
    await until(() => stats.succeeded >= 140, 30_000, 'exchanges with the new key')
    stop = true
    await load
    for (const c of cs) for (const t of tokens) await exchange(c, acks, roleArn, t)
    console.log(stats.summary('external issuer JWKS rotation', { replicas: cs.length, 'jwks-fetches-before-rotation': fetchesBefore, 'jwks-fetches': jwksFetches, exchanges: acks.exchanges.length }))
    expect(stats.failures).toEqual([])
    expect(stats.retries).toBe(0)
    // Each replica fetched once for the old key and refetched for the new kid (not once per request).
    expect(fetchesBefore).toBe(2)
    expect(jwksFetches).toBe(4)
  }, 60_000)
})
