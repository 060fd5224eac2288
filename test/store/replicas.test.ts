// Two irsa replicas (real servers from startServer) on one PostgreSQL database: they share the
// issuer, the signing keys and the sealing keys, so a session or token from one is good on the
// other, IAM changes are seen at once, and key rotation by either never fails a request.
import { randomBytes } from 'node:crypto'
import { CreateRoleCommand, DeleteRoleCommand, GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../../src/cli/serve.js'
import type { Serving } from '../../src/cli/serve.js'
import { rotateSigningKey } from '../../src/cli/keys.js'
import { withState } from '../../src/cli/state.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { generateSealingKey } from '../../src/core/session-token.js'
import { JWKS_PATH } from '../../src/tokens/discovery.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'
import { testPostgres } from '../support/postgres.js'
import type { TestPostgres } from '../support/postgres.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const ADMIN = { accessKeyId: 'AKIAIRSAREPLICAS0001', secretAccessKey: 'replicaSecretKeyreplicaSecretKeyreplica0' }
const ISSUER = 'https://irsa-replicas.example.com'
const NS = 'payments'
const SA = 'reader'

let pg: TestPostgres
let url: string
let a: Serving
let b: Serving
const extra: Serving[] = []
const clients: { destroy(): void }[] = []

function start(): Promise<Serving> {
  return startServer(
    { host: '127.0.0.1', port: 0, storeUrl: url, issuer: ISSUER, env: { IRSA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, IRSA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey } },
    () => {},
  )
}

function iam(s: Serving): IAMClient {
  const c = new IAMClient({ endpoint: s.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 })
  clients.push(c)
  return c
}

function sts(s: Serving, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = { accessKeyId: 'unused', secretAccessKey: 'unused' }): STSClient {
  const c = new STSClient({ endpoint: s.url, region: 'us-east-1', credentials, maxAttempts: 1 })
  clients.push(c)
  return c
}

const trust = (): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: a.rt.ownProviderArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${issuerHostPath(ISSUER)}:sub`]: `system:serviceaccount:${NS}:${SA}` } },
      },
    ],
  })

async function assume(s: Serving, roleArn: string, token: string): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const r = await sts(s).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'replica', WebIdentityToken: token }))
  const c = r.Credentials
  if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined) throw new Error('no credentials')
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }
}

let roleArn: string

beforeAll(async () => {
  pg = await testPostgres()
  url = await pg.createDatabase()
  // Started together: bootstrap on both at once must agree on one issuer and one set of keys.
  ;[a, b] = await Promise.all([start(), start()])
  const created = await iam(a).send(new CreateRoleCommand({ RoleName: 'replicated', AssumeRolePolicyDocument: trust() }))
  roleArn = created.Role?.Arn ?? ''
}, 120_000)

afterAll(async () => {
  for (const c of clients) c.destroy()
  for (const s of [...extra, b, a]) await s?.close()
  await pg?.stop()
})

describe('two replicas on one PostgreSQL database', () => {
  it('agree on the account, the issuer and the keys they started with', async () => {
    expect(a.rt.issuer).toBe(b.rt.issuer)
    expect(a.rt.account).toBe(b.rt.account)
    expect((await a.rt.activeSigningKey()).kid).toBe((await b.rt.activeSigningKey()).kid)
    expect((await a.rt.store.listSigningKeys()).filter((k) => k.retiredAt === undefined)).toHaveLength(1)
    expect((await b.rt.store.listSealingKeys()).filter((k) => k.retiredAt === undefined)).toHaveLength(1)
  })

  it('a session issued by one is accepted by the other', async () => {
    const { token } = await issueServiceAccountToken(a.rt, { namespace: NS, serviceAccount: SA })
    const fromA = await assume(a, roleArn, token)
    const onB = await sts(b, fromA).send(new GetCallerIdentityCommand({}))
    expect(onB.Arn).toBe(`arn:aws:sts::111122223333:assumed-role/replicated/replica`)
    const fromB = await assume(b, roleArn, token)
    expect((await sts(a, fromB).send(new GetCallerIdentityCommand({}))).Arn).toBe(onB.Arn)
  })

  it('IAM changes on one are seen by the other at once', async () => {
    await iam(a).send(new CreateRoleCommand({ RoleName: 'Fresh', AssumeRolePolicyDocument: trust(), Description: 'made on A' }))
    const seen = await iam(b).send(new GetRoleCommand({ RoleName: 'fresh' }))
    expect(seen.Role).toMatchObject({ RoleName: 'Fresh', Description: 'made on A' })
    await iam(b).send(new DeleteRoleCommand({ RoleName: 'Fresh' }))
    await expect(iam(a).send(new GetRoleCommand({ RoleName: 'Fresh' }))).rejects.toBeInstanceOf(NoSuchEntityException)
  })

  it('signing-key rotation through the store on one replica never fails a request on either', async () => {
    // Both replicas have the old key list cached.
    const before = (await issueServiceAccountToken(a.rt, { namespace: NS, serviceAccount: SA })).token
    await assume(a, roleArn, before)
    await assume(b, roleArn, before)
    let stop = false
    const failures: unknown[] = []
    let calls = 0
    const hammer = async (s: Serving): Promise<void> => {
      while (!stop) {
        try {
          await assume(s, roleArn, before)
          calls++
        } catch (e) {
          failures.push(e)
        }
      }
    }
    const load = [hammer(a), hammer(b)]
    const rotated = await rotateSigningKey(a.rt, 'ES256')
    // A token from the new key, minted as `irsa token --store …` would (a fresh runtime on the store).
    const after = await withState({ store: url }, async (rt) => (await issueServiceAccountToken(rt, { namespace: NS, serviceAccount: SA })).token)
    expect(decodeProtectedHeader(after).kid).toBe(rotated.kid)
    expect(decodeProtectedHeader(before).kid).not.toBe(rotated.kid)
    // B has never seen the new kid: it re-reads the keys instead of rejecting the token.
    for (const s of [b, a]) {
      await assume(s, roleArn, after)
      await assume(s, roleArn, before)
    }
    stop = true
    await Promise.all(load)
    expect(failures).toEqual([])
    expect(calls).toBeGreaterThan(0)
    // The replica that did not rotate publishes the new key too once it has read it.
    const jwks = (await (await fetch(`${b.url}${JWKS_PATH}`)).json()) as { keys: { kid: string }[] }
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([rotated.kid, decodeProtectedHeader(before).kid]))
  })

  it('agree on sealing keys: a session sealed with a key added later opens on every replica', async () => {
    const now = Math.floor(Date.now() / 1000)
    const old = (await a.rt.store.listSealingKeys()).filter((k) => k.retiredAt === undefined)
    const fresh = generateSealingKey((n) => new Uint8Array(randomBytes(n)))
    await a.rt.store.transaction(async () => {
      await a.rt.store.addSealingKey({ id: fresh.id, secret: fresh.secret, createdAt: now + 1, retiredAt: undefined })
      for (const k of old) await a.rt.store.retireSealingKey(k.id, now)
    })
    // A replica started after the rotation seals with the new key; A and B (caches warm) open it.
    const c = await start()
    extra.push(c)
    const { token } = await issueServiceAccountToken(c.rt, { namespace: NS, serviceAccount: SA })
    const session = await assume(c, roleArn, token)
    for (const s of [a, b]) expect((await sts(s, session).send(new GetCallerIdentityCommand({}))).Arn).toContain('assumed-role/replicated/replica')
  })
})
