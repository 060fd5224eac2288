// The PostgreSQL store: the shared Store contract, plus what only a networked, shared store has to
// get right: concurrent migrations, cross-replica serialisation, outages (a typed, retryable error
// and a 503, never a wrong answer) and recovery without a restart.
import { Sha256 } from '@aws-crypto/sha256-js'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import { Client } from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../../src/cli/serve.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import type { Store } from '../../src/store/store.js'
import { storeLocation } from '../../src/store/open-store.js'
import { MIGRATIONS } from '../../src/store/migrations.js'
import { startOwnPostgres, testPostgres } from '../support/postgres.js'
import type { OwnPostgres, TestPostgres } from '../support/postgres.js'
import { ACCOUNT, role, storeContract } from './store-contract.js'

let pg: TestPostgres
beforeAll(async () => {
  pg = await testPostgres()
}, 120_000)
afterAll(async () => {
  await pg?.stop()
})

storeContract('PostgreSQL', async () => openPostgresStore({ url: await pg.createDatabase() }))

const ADMIN = { accessKeyId: 'AKIAIRSAPGTEST000001', secretAccessKey: 'pgTestSecretKeypgTestSecretKeypgTestSecr' }

async function count(url: string, sql: string): Promise<number> {
  const c = new Client({ connectionString: url })
  await c.connect()
  try {
    return Number((await c.query<{ n: string }>(sql)).rows[0]?.n)
  } finally {
    await c.end()
  }
}

describe('PostgreSQL store', () => {
  it('replicas starting together migrate once, under the advisory lock', async () => {
    const url = await pg.createDatabase()
    const stores = await Promise.all(Array.from({ length: 5 }, () => openPostgresStore({ url })))
    try {
      expect(await count(url, 'SELECT count(*) AS n FROM schema_migrations')).toBe(MIGRATIONS.length)
      const again = await openPostgresStore({ url })
      await again.close()
      expect(await count(url, 'SELECT count(*) AS n FROM schema_migrations')).toBe(MIGRATIONS.length)
    } finally {
      for (const s of stores) await s.close()
    }
  })

  it('first writer wins for initSetting across separate pools', async () => {
    const url = await pg.createDatabase()
    const stores = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url }), openPostgresStore({ url })])
    try {
      const won = await Promise.all(stores.flatMap((s, i) => [0, 1, 2].map((j) => s.initSetting('issuer', `https://r${i}-${j}.example`))))
      expect(new Set(won).size).toBe(1)
    } finally {
      for (const s of stores) await s.close()
    }
  })

  it('transactions on different replicas are serialised (no lost read-modify-write)', async () => {
    const url = await pg.createDatabase()
    const a = await openPostgresStore({ url })
    const b = await openPostgresStore({ url })
    try {
      await a.setSetting('n', '0')
      const bump = (s: Store): Promise<void> =>
        s.transaction(async () => {
          const n = Number(await s.getSetting('n'))
          await new Promise((r) => setTimeout(r, 2))
          await s.setSetting('n', String(n + 1))
        })
      await Promise.all(Array.from({ length: 10 }, (_, i) => bump(i % 2 === 0 ? a : b)))
      expect(await b.getSetting('n')).toBe('10')
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('names its tables case-insensitively unique and keys BYTEA/BIGINT as specified', async () => {
    const url = await pg.createDatabase()
    const s = await openPostgresStore({ url })
    await s.close()
    const c = new Client({ connectionString: url })
    await c.connect()
    try {
      const cols = await c.query<{ table_name: string; column_name: string; data_type: string }>(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE (table_name, column_name) IN (('sealing_keys','secret'),('decisions','id'),('decisions','at'),('signing_keys','created_at'))",
      )
      expect(Object.fromEntries(cols.rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type]))).toEqual({
        'sealing_keys.secret': 'bytea',
        'decisions.id': 'bigint',
        'decisions.at': 'bigint',
        'signing_keys.created_at': 'bigint',
      })
      const idx = await c.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'roles_account_name'")
      expect(idx.rows[0]?.indexdef).toMatch(/UNIQUE INDEX .* \(account, lower\(name\)\)/)
    } finally {
      await c.end()
    }
  })

  it('reads the store URL: postgres:// and postgresql:// are PostgreSQL, sqlite: or nothing is SQLite', () => {
    expect(storeLocation('postgres://u@h/db', '/d')).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' })
    expect(storeLocation('postgresql://u@h/db', '/d').kind).toBe('postgres')
    expect(storeLocation('sqlite:/var/lib/irsa/x.db', '/d')).toEqual({ kind: 'sqlite', file: '/var/lib/irsa/x.db' })
    expect(storeLocation('sqlite:///var/lib/irsa/x.db', '/d')).toEqual({ kind: 'sqlite', file: '/var/lib/irsa/x.db' })
    expect(storeLocation(undefined, '/d')).toEqual({ kind: 'sqlite', file: '/d/irsa.db' })
    expect(() => storeLocation('mysql://u:secret@h/db', '/d')).toThrow(expect.objectContaining({ code: 'ERR_STORE_URL', message: expect.not.stringContaining('secret') }))
  })
})

describe('PostgreSQL outage', () => {
  let own: OwnPostgres
  beforeAll(async () => {
    // Always a server of our own: this test stops and restarts it.
    own = await startOwnPostgres()
  }, 120_000)
  afterAll(async () => {
    await own?.stop()
  })

  async function signed(url: string, service: 'iam' | 'irsa', method: 'GET' | 'POST', path: string, body?: string): Promise<Response> {
    const u = new URL(url)
    const signer = new SignatureV4({ service, region: 'us-east-1', credentials: ADMIN, sha256: Sha256 })
    const req = new HttpRequest({
      method,
      protocol: 'http:',
      hostname: u.hostname,
      port: Number(u.port),
      path,
      headers: { host: u.host, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
      ...(body === undefined ? {} : { body }),
    })
    const s = await signer.sign(req)
    return fetch(new URL(path, url), { method, headers: s.headers as Record<string, string>, ...(body === undefined ? {} : { body }) })
  }
  const signedIam = (url: string, query: string): Promise<Response> => signed(url, 'iam', 'POST', '/', query)

  it('answers a typed error and a retryable 503 while PostgreSQL is down, and recovers by itself', async () => {
    const url = await own.createDatabase()
    const store = await openPostgresStore({ url, connectTimeoutMs: 2000 })
    const serving = await startServer({ host: '127.0.0.1', port: 0, storeUrl: url, env: { IRSA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, IRSA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey } }, () => {})
    try {
      await store.createRole(role('survivor'))
      const getRole = 'Action=GetRole&Version=2010-05-08&RoleName=survivor'
      expect((await signedIam(serving.url, getRole)).status).toBe(200)

      own.pause()
      await expect(store.getRole(ACCOUNT, 'survivor')).rejects.toMatchObject({ name: 'IrsaError', code: 'ERR_STORE_UNAVAILABLE' })
      await expect(store.transaction(async () => store.getRole(ACCOUNT, 'survivor'))).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
      await expect(openPostgresStore({ url, connectTimeoutMs: 2000 })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
      const down = await signedIam(serving.url, getRole)
      expect(down.status).toBe(503)
      expect(down.headers.get('retry-after')).toBe('1')
      const text = await down.text()
      expect(text).toContain('<Code>ServiceUnavailable</Code>')
      expect(text).toContain('<Type>Receiver</Type>')
      expect(text).not.toContain('NoSuchEntity')
      // The bindings endpoint answers the same retryable 503.
      const bindings = await signed(serving.url, 'irsa', 'GET', '/irsa/v1/bindings')
      expect(bindings.status).toBe(503)
      expect(bindings.headers.get('retry-after')).toBe('1')

      own.start()
      expect((await store.getRole(ACCOUNT, 'survivor'))?.name).toBe('survivor')
      const up = await signedIam(serving.url, getRole)
      expect(up.status).toBe(200)
      expect(await up.text()).toContain('<RoleName>survivor</RoleName>')
    } finally {
      await serving.close()
      await store.close()
    }
  }, 60_000)
})
