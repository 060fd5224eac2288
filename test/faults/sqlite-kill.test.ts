// Fault: kill -9 of `irsa serve` on a SQLite file during concurrent IAM writes and token exchanges
// (whose decision-log entries are group-committed). The file must pass PRAGMA integrity_check as
// the kill left it, hold every write a response acknowledged, and serve again after a restart on
// the same file; clients that retry ride through the gap.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withState } from '../../src/cli/state.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'
import { Acks, bucketPolicy, createRole, exchange, FailoverClient, irsa, LoadStats, putRolePolicy, runLoad, spawnServer, trustFor, until } from '../support/fault-harness.js'
import type { ServerProcess } from '../support/fault-harness.js'

const ISSUER = 'https://irsa-faults-sqlite.example.com'
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${issuerHostPath(ISSUER)}`
const TRUST = trustFor(PROVIDER, issuerHostPath(ISSUER), 'faults', 'app')
const TARGET = 'arn:aws:iam::111122223333:role/sqlite-target'
const WORKERS = 6
const ITERATIONS = 20

let dir: string
let file: string
const servers: ServerProcess[] = []
const clients: FailoverClient[] = []

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-faults-sqlite-'))
  file = join(dir, 'irsa.db')
})

afterAll(async () => {
  for (const c of clients) c.destroy()
  for (const s of servers) await s.stop()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
}, 30_000)

type Snapshot = ReturnType<Acks['snapshot']>

/** Open the file as the fault left it: integrity, and which acknowledged writes are missing. */
function inspect(acked: Snapshot): { integrity: string; missing: string[] } {
  const db = new Database(file)
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ')
    const roles = new Set((db.prepare('SELECT name FROM roles').all() as { name: string }[]).map((r) => r.name))
    const policies = new Map((db.prepare('SELECT role_arn, name, document FROM role_policies').all() as { role_arn: string; name: string; document: string }[]).map((r) => [`${r.role_arn}|${r.name}`, r.document]))
    const logged = new Set((db.prepare("SELECT request_id FROM decisions WHERE action = 'sts:AssumeRoleWithWebIdentity' AND outcome = 'Allow'").all() as { request_id: string }[]).map((r) => r.request_id))
    const missing = [
      ...acked.roles.filter((r) => !roles.has(r)).map((r) => `role ${r}`),
      ...acked.policies.filter((p) => policies.get(`arn:aws:iam::111122223333:role/${p.role}|${p.name}`) !== p.document).map((p) => `policy ${p.role}/${p.name}`),
      ...acked.exchanges.filter((id) => !logged.has(id)).map((id) => `decision ${id}`),
    ]
    return { integrity, missing }
  } finally {
    db.close()
  }
}

describe('kill -9 of a SQLite server during writes', () => {
  it('leaves an intact file holding every acknowledged write, and serves again on it', async () => {
    const store = `sqlite:${file}`
    const first = await spawnServer({ store, issuer: ISSUER, data: dir })
    servers.push(first)
    const stats = new LoadStats()
    const acks = new Acks()
    const client = new FailoverClient([first.url], stats, { deadlineMs: 45_000 })
    clients.push(client)
    await createRole(client, acks, 'sqlite-target', TRUST)
    // Minted by a second process on the same file while the server runs (as `irsa token --store` does).
    const { token } = await withState({ store }, (rt) => issueServiceAccountToken(rt, { namespace: 'faults', serviceAccount: 'app' }))

    const load = runLoad(WORKERS, ITERATIONS, async (w, i) => {
      const name = `sqlite-w${w}-${i}`
      await createRole(client, acks, name, TRUST)
      await putRolePolicy(client, acks, name, 'read', bucketPolicy(name))
      await exchange(client, acks, TARGET, token)
      await exchange(client, acks, TARGET, token)
    })
    await until(() => stats.succeeded >= 80, 30_000, 'load to start')
    await first.kill9()
    const killedAfter = stats.succeeded
    // Everything acknowledged so far came from the killed process: check the file as it left it.
    const atKill = inspect(acks.snapshot())
    expect(atKill.integrity).toBe('ok')
    expect(atKill.missing).toEqual([])

    // Restart on the same file and port; the retrying clients carry on.
    const second = await spawnServer({ store, issuer: ISSUER, data: dir, port: first.port })
    servers.push(second)
    await load
    await second.stop()

    const final = inspect(acks.snapshot())
    console.log(
      stats.summary('SQLite kill -9', {
        'killed-after-ops': killedAfter,
        'acked-roles': acks.roles.length,
        'acked-policies': acks.policies.length,
        'acked-exchanges': acks.exchanges.length,
        'ambiguous-creates': acks.ambiguousCreates,
        integrity: final.integrity,
      }),
    )
    expect(await first.exited).toBe('SIGKILL')
    expect(stats.failures).toEqual([])
    expect(stats.retries).toBeGreaterThan(0)
    expect(killedAfter).toBeLessThan(stats.succeeded)
    expect(acks.exchanges).toHaveLength(WORKERS * ITERATIONS * 2)
    expect(final.integrity).toBe('ok')
    expect(final.missing).toEqual([])
    // The operator's view: `irsa log --store sqlite:…` lists every acknowledged exchange.
    const log = await irsa(['log', '--store', store, '--format', 'json', '--outcome', 'Allow', '--limit', '100000'])
    expect(log.stderr).toBe('')
    const listed = new Set(
      log.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { requestId?: string }).requestId),
    )
    expect(acks.exchanges.filter((id) => !listed.has(id))).toEqual([])
  }, 60_000)
})
