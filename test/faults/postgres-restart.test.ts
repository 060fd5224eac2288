// Fault: the PostgreSQL server stops and starts again under load. Uses its OWN throwaway PostgreSQL
// (never the CI-provided one, which other test files share). While it is down every request that
// needs the store answers a retryable 503 ServiceUnavailable with Retry-After, never a wrong answer
// (AccessDenied, NoSuchEntity, InvalidIdentityToken, a 500); afterwards the same server process
// serves again without a restart, and retrying SDK clients (the SDK's own retry strategy) succeed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreatePolicyCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withState } from '../../src/cli/state.js'
import { isIrsaError } from '../../src/errors.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'
import { Acks, ADMIN, bucketPolicy, createRole, exchange, FailoverClient, LoadStats, putRolePolicy, runLoad, sleep, spawnServer, trustFor, until } from '../support/fault-harness.js'
import type { ServerProcess } from '../support/fault-harness.js'
import { startOwnPostgres } from '../support/postgres.js'
import type { OwnPostgres } from '../support/postgres.js'

const ISSUER = 'https://irsa-faults-pg-restart.example.com'
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${issuerHostPath(ISSUER)}`
const TRUST = trustFor(PROVIDER, issuerHostPath(ISSUER), 'faults', 'app')
const TARGET = 'arn:aws:iam::111122223333:role/pg-target'
/** How long PostgreSQL stays down (after pg_ctl stop returned, before pg_ctl start). */
const DOWN_MS = 2500
const WORKERS = 8

let pg: OwnPostgres
let url: string
let dir: string
let server: ServerProcess | undefined
const destroyable: { destroy(): void }[] = []

beforeAll(async () => {
  pg = await startOwnPostgres()
  url = await pg.createDatabase()
  dir = mkdtempSync(join(tmpdir(), 'irsa-faults-pg-'))
  server = await spawnServer({ store: url, issuer: ISSUER, data: dir })
}, 90_000)

afterAll(async () => {
  for (const c of destroyable) c.destroy()
  await server?.stop()
  await pg?.stop()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
}, 30_000)

/** The last acknowledged document of each inline policy name. */
function lastInline(policies: readonly { name: string; document: string }[]): Map<string, string> {
  return new Map(policies.map((p) => [p.name, p.document]))
}

describe('PostgreSQL restarted under load', () => {
  it('answers a retryable 503 while it is down, never a wrong answer, and the same process recovers', async () => {
    if (server === undefined) throw new Error('server did not start')
    const stats = new LoadStats()
    const acks = new Acks()
    const client = new FailoverClient([server.url], stats, { deadlineMs: 45_000 })
    destroyable.push(client)
    await createRole(client, acks, 'pg-target', TRUST)
    const { token } = await withState({ store: url }, (rt) => issueServiceAccountToken(rt, { namespace: 'faults', serviceAccount: 'app' }))
    const pid = server.pid

    let stop = false
    let n = 0
    const managed: string[] = []
    const load = runLoad(
      WORKERS,
      10_000,
      async (w) => {
        const i = n++
        const session = await exchange(client, acks, TARGET, token)
        await client.call('GetRole', async (e) => expect((await e.iam.send(new GetRoleCommand({ RoleName: 'pg-target' }))).Role?.Arn).toBe(TARGET))
        await putRolePolicy(client, acks, 'pg-target', `w${w}`, bucketPolicy(`pg-${i}`))
        // A store transaction (policy row + its first version): a connection dropped mid-way must not crash the server.
        await client.call('CreatePolicy', async (e, retried) => {
          try {
            await e.iam.send(new CreatePolicyCommand({ PolicyName: `pg-${i}`, PolicyDocument: bucketPolicy(`pg-${i}`) }))
          } catch (err) {
            if (!(retried && err instanceof Error && err.name === 'EntityAlreadyExistsException')) throw err
          }
        })
        managed.push(`pg-${i}`)
        expect(await client.call('GetCallerIdentity', (e) => e.callerArn(session))).toBe('arn:aws:sts::111122223333:assumed-role/pg-target/faults')
      },
      () => stop,
    )
    await until(() => stats.succeeded >= 40, 30_000, 'load to start')

    // Plain SDK clients with the SDK's own retry strategy (it honours Retry-After), started into the outage.
    const sdkIam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 10 })
    const sdkSts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 10 })
    destroyable.push(sdkIam, sdkSts)
    const downAt = Date.now()
    pg.pause()
    const sdkCalls = Promise.all([
      sdkIam.send(new GetRoleCommand({ RoleName: 'pg-target' })),
      sdkSts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: TARGET, RoleSessionName: 'sdk-retry', WebIdentityToken: token })),
      sdkIam.send(new GetRoleCommand({ RoleName: 'pg-target' })),
      sdkSts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: TARGET, RoleSessionName: 'sdk-retry', WebIdentityToken: token })),
    ])
    await sleep(DOWN_MS)
    pg.start()
    const upAt = Date.now()
    const afterRestart = stats.succeeded
    await until(() => stats.succeeded >= afterRestart + 60, 40_000, 'load after the restart')
    stop = true
    await load
    const sdk = await sdkCalls

    const sdkAttempts = sdk.map((r) => r.$metadata.attempts ?? 1)
    console.log(
      stats.summary('PostgreSQL restart', {
        'db-down-ms': upAt - downAt,
        '503s': stats.serverErrors.length,
        'sdk-retrying-calls': sdk.length,
        'sdk-attempts': sdkAttempts.join('/'),
        'acked-exchanges': acks.exchanges.length,
      }),
    )
    // Every operation finally succeeded: nothing answered a non-retryable error (a wrong answer).
    expect(stats.failures).toEqual([])
    // The outage was seen, and only ever as 503 ServiceUnavailable with Retry-After.
    expect(stats.serverErrors.length).toBeGreaterThan(0)
    expect(stats.serverErrors.filter((e) => e.status !== 503 || e.code !== 'ServiceUnavailable' || e.retryAfter === undefined)).toEqual([])
    expect([...stats.retryable.keys()]).toEqual(['503 ServiceUnavailable'])
    // The SDK's own retries rode it out.
    expect(sdk.map((r) => r.$metadata.httpStatusCode)).toEqual([200, 200, 200, 200])
    expect(Math.max(...sdkAttempts)).toBeGreaterThan(1)
    // The same process, never restarted.
    expect(server.proc.exitCode).toBeNull()
    expect(server.pid).toBe(pid)
    expect(server.output()).not.toMatch(/unhandled|uncaught/i)
    // What it acknowledged during and around the outage is in the store.
    await withState({ store: url }, async (rt) => {
      const logged = new Set((await rt.store.listDecisions({ limit: 100_000 })).map((d) => d.requestId))
      expect(acks.exchanges.filter((id) => !logged.has(id))).toEqual([])
      const policies = new Set((await rt.store.listPolicies(rt.account)).map((p) => p.name))
      expect(managed.filter((name) => !policies.has(name))).toEqual([])
      const inline = await rt.store.listRolePolicies(TARGET)
      for (const [w, doc] of lastInline(acks.policies)) expect(inline.find((p) => p.name === w)?.document).toBe(doc)
    })
  }, 60_000)

  it('a transaction whose connection PostgreSQL drops fails as unavailable, without crashing the process', async () => {
    const store = await openPostgresStore({ url })
    try {
      let entered!: () => void
      let resume!: () => void
      const inside = new Promise<void>((r) => (entered = r))
      const gate = new Promise<void>((r) => (resume = r))
      const outcome = store
        .transaction(async () => {
          await store.getSetting('account')
          entered()
          await gate
          return store.getSetting('account')
        })
        .then(
          () => 'committed',
          (e: unknown) => e,
        )
      await inside
      // The connection is idle in a transaction: PostgreSQL's FATAL 57P01 arrives with no statement
      // running, as an 'error' event on the checked-out client (unhandled, it would end the process).
      pg.pause()
      await sleep(300)
      resume()
      expect(isIrsaError(await outcome, 'ERR_STORE_UNAVAILABLE')).toBe(true)
      await expect(store.getSetting('account')).rejects.toSatisfy((e) => isIrsaError(e, 'ERR_STORE_UNAVAILABLE'))
      pg.start()
      expect(await store.getSetting('account')).toBe('111122223333')
    } finally {
      await store.close()
    }
  }, 30_000)
})
