import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/store/migrations.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { Store } from '../../src/store/store.js'
import { ACCOUNT, role, storeContract } from './store-contract.js'

const tempFile = (): string => join(mkdtempSync(join(tmpdir(), 'irsa-store-')), 'irsa.db')

storeContract('SQLite', () => openSqliteStore({ file: tempFile() }))

const opened: Store[] = []
async function fresh(file = tempFile()): Promise<{ store: Store; file: string }> {
  const store = await openSqliteStore({ file })
  opened.push(store)
  return { store, file }
}
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined)
})

describe('SQLite store', () => {
  it('creates the file 0600 in WAL mode and migrates once', async () => {
    const { store, file } = await fresh()
    expect(statSync(file).mode & 0o777).toBe(0o600)
    await store.close()
    opened.pop()
    const again = await fresh(file)
    const db = new Database(file, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect((db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(MIGRATIONS.length)
    db.close()
    expect(await again.store.getSetting('x')).toBeUndefined()
  })

  it('other callers wait for a running transaction', async () => {
    const { store } = await fresh()
    const order: string[] = []
    const tx = store.transaction(async () => {
      await store.createRole(role('b'))
      await new Promise((r) => setTimeout(r, 30))
      order.push('tx done')
    })
    const outside = store.getRole(ACCOUNT, 'b').then((r) => order.push(`outside sees ${r?.name}`))
    await Promise.all([tx, outside])
    expect(order).toEqual(['tx done', 'outside sees b'])
  })
})
