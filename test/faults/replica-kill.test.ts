// Fault: kill -9 of one of two `irsa serve` replicas on one PostgreSQL database, under a mixed load
// (IAM writes, token exchanges that write decision-log entries, GetCallerIdentity) from a client
// that retries connection errors and 5xx on the other replica. Every operation must finally
// succeed, and every write the killed replica acknowledged must be in the database.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetRoleCommand, GetRolePolicyCommand } from '@aws-sdk/client-iam'
import { Client } from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withState } from '../../src/cli/state.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'
import { Acks, bucketPolicy, createRole, exchange, FailoverClient, irsa, LoadStats, putRolePolicy, runLoad, spawnServer, trustFor, until } from '../support/fault-harness.js'
import type { ServerProcess } from '../support/fault-harness.js'
import { testPostgres } from '../support/postgres.js'
import type { TestPostgres } from '../support/postgres.js'

const ISSUER = 'https://irsa-faults-kill.example.com'
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${issuerHostPath(ISSUER)}`
const TRUST = trustFor(PROVIDER, issuerHostPath(ISSUER), 'faults', 'app')
const WORKERS = 6
const ITERATIONS = 20

let pg: TestPostgres
let url: string
let dir: string
let a: ServerProcess | undefined
let b: ServerProcess | undefined
const clients: FailoverClient[] = []

beforeAll(async () => {
  pg = await testPostgres()
  url = await pg.createDatabase()
  dir = mkdtempSync(join(tmpdir(), 'irsa-faults-kill-'))
  ;[a, b] = await Promise.all([spawnServer({ store: url, issuer: ISSUER, data: join(dir, 'a') }), spawnServer({ store: url, issuer: ISSUER, data: join(dir, 'b') })])
}, 60_000)

afterAll(async () => {
  for (const c of clients) c.destroy()
  await Promise.all([a?.stop(), b?.stop()])
  await pg?.stop()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
}, 30_000)

describe('kill -9 of a replica under load (two replicas, one PostgreSQL)', () => {
  it('every operation succeeds through the other replica and every acknowledged write survives', async () => {
    if (a === undefined || b === undefined) throw new Error('replicas did not start')
    const killed = a
    const survivor = b
    const stats = new LoadStats()
    const acks = new Acks()
    // Replica A first: all load goes to it until it dies, then the client fails over to B.
    const client = new FailoverClient([killed.url, survivor.url], stats)
    clients.push(client)
    await createRole(client, acks, 'fault-target', TRUST)
    const targetArn = 'arn:aws:iam::111122223333:role/fault-target'
    const { token } = await withState({ store: url }, (rt) => issueServiceAccountToken(rt, { namespace: 'faults', serviceAccount: 'app' }))

    const load = runLoad(WORKERS, ITERATIONS, async (w, i) => {
      const name = `kill-w${w}-${i}`
      await createRole(client, acks, name, TRUST)
      await putRolePolicy(client, acks, name, 'read', bucketPolicy(name))
      const session = await exchange(client, acks, targetArn, token)
      const arn = await client.call('GetCallerIdentity', (e) => e.callerArn(session))
      expect(arn).toBe('arn:aws:sts::111122223333:assumed-role/fault-target/faults')
    })
    // Kill mid-load: well after it started, well before it ends.
    await until(() => stats.succeeded >= 80, 30_000, 'load to start')
    await killed.kill9()
    const killedAt = stats.succeeded
    await load

    const total = WORKERS * ITERATIONS
    console.log(
      stats.summary('replica kill -9 (PostgreSQL)', {
        'killed-after-ops': killedAt,
        'acked-roles': acks.roles.length,
        'acked-policies': acks.policies.length,
        'acked-exchanges': acks.exchanges.length,
        'ambiguous-creates': acks.ambiguousCreates,
      }),
    )
    expect(await killed.exited).toBe('SIGKILL')
    expect(stats.failures).toEqual([])
    expect(acks.roles).toHaveLength(total + 1)
    expect(acks.exchanges).toHaveLength(total)
    // The kill was felt: some attempts failed and were retried on the survivor.
    expect(stats.retries).toBeGreaterThan(0)
    expect(killedAt).toBeLessThan(stats.succeeded)

    // Through the survivor's IAM API.
    const iam = client.endpoints[1]?.iam
    if (iam === undefined) throw new Error('no survivor client')
    for (const role of acks.roles) expect((await iam.send(new GetRoleCommand({ RoleName: role }))).Role?.RoleName).toBe(role)
    for (const p of acks.policies) {
      const got = await iam.send(new GetRolePolicyCommand({ RoleName: p.role, PolicyName: p.name }))
      expect(JSON.parse(decodeURIComponent(got.PolicyDocument ?? ''))).toEqual(JSON.parse(p.document))
    }

    // Directly from the database.
    const db = new Client({ connectionString: url })
    await db.connect()
    try {
      const roles = new Set((await db.query<{ name: string }>('SELECT name FROM roles')).rows.map((r) => r.name))
      expect(acks.roles.filter((r) => !roles.has(r))).toEqual([])
      const policies = new Map((await db.query<{ role_arn: string; name: string; document: string }>('SELECT role_arn, name, document FROM role_policies')).rows.map((r) => [`${r.role_arn}|${r.name}`, r.document]))
      expect(acks.policies.filter((p) => policies.get(`arn:aws:iam::111122223333:role/${p.role}|${p.name}`) !== p.document)).toEqual([])
      const logged = new Set(
        (await db.query<{ request_id: string }>("SELECT request_id FROM decisions WHERE action = 'sts:AssumeRoleWithWebIdentity' AND outcome = 'Allow'")).rows.map((r) => r.request_id),
      )
      expect(acks.exchanges.filter((id) => !logged.has(id))).toEqual([])
    } finally {
      await db.end()
    }

    // And as an operator reads it: `irsa log --store`.
    const log = await irsa(['log', '--store', url, '--format', 'json', '--outcome', 'Allow', '--limit', '100000'])
    expect(log.stderr).toBe('')
    const fromCli = new Set(
      log.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { requestId?: string }).requestId),
    )
    expect(acks.exchanges.filter((id) => !fromCli.has(id))).toEqual([])
    // The survivor is still healthy.
    expect(survivor.proc.exitCode).toBeNull()
  }, 60_000)
})
