/**
 * The embedded default store: one SQLite file (better-sqlite3), WAL journal, schema migrated from
 * MIGRATIONS; the SqlStore over a SqliteDriver.
 */
import { chmodSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { SqlDialect } from '../sql/dialect.js'
import { migrate } from '../sql/migrate.js'
import { SqlStore } from '../sql/sql-store.js'
import { cachingStore } from '../caching-store.js'
import type { Store } from '../store.js'
import { SqliteDriver } from './sqlite-driver.js'

export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:'. */
  readonly file: string
}

export const SQLITE_DIALECT: SqlDialect = { kind: 'sqlite' }

/**
 * Roles and OIDC providers are served from memory (caching-store.ts); `PRAGMA data_version` tells
 * this connection when another one (another process on the same file) has committed.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 })
  const db = new Database(options.file)
  if (options.file !== ':memory:') chmodSync(options.file, 0o600)
  db.pragma('journal_mode = WAL')
  // WAL + NORMAL: a committed transaction survives a process crash (kill -9); only an OS crash or
  // power loss may lose the last commits. FULL would fsync every decision-log entry.
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  const driver = new SqliteDriver(db)
  try {
    await migrate(driver, SQLITE_DIALECT)
  } catch (e) {
    db.close()
    throw e
  }
  const dataVersion = db.prepare('PRAGMA data_version').pluck()
  const closed = Symbol('closed') // once closed, every read misses and the store answers as a closed store does
  const changeToken = (): unknown => (db.open ? dataVersion.get() : closed)
  return cachingStore(new SqlStore(driver, SQLITE_DIALECT), { changeToken })
}
