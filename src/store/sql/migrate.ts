/**
 * Bring a database up to MIGRATIONS: apply each step it has not recorded, in order, one
 * transaction per step, recording it in schema_migrations. Each transaction re-reads what is
 * applied, so processes migrating the same database at once apply every step once.
 */
import { MIGRATIONS } from '../migrations.js'
import { num } from '../rows.js'
import type { SqlDialect } from './dialect.js'
import type { SqlDriver } from './driver.js'

const BOOKKEEPING = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)'

export async function migrate(driver: SqlDriver, dialect: SqlDialect): Promise<void> {
  for (;;) {
    const applied = await driver.transaction(async () => {
      if (dialect.migrationLock !== undefined) await driver.get(dialect.migrationLock)
      await driver.exec(BOOKKEEPING)
      const done = new Set((await driver.all('SELECT version FROM schema_migrations')).map((r) => num(r.version)))
      const next = MIGRATIONS.find((m) => !done.has(m.version))
      if (next === undefined) return false
      await driver.exec(next[dialect.kind])
      await driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [next.version, next.name, Math.floor(Date.now() / 1000)])
      return true
    })
    if (!applied) return
  }
}
