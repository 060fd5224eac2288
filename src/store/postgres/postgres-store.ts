/**
 * The shared store for replicas: the SqlStore over a PostgresDriver (a `pg` Pool). Migrations run
 * under their own advisory lock as well, so replicas starting together apply each step once.
 * A store that cannot be reached at open fails with ERR_STORE_UNAVAILABLE.
 */
import { Pool } from 'pg'
import type { SqlDialect } from '../sql/dialect.js'
import { migrate } from '../sql/migrate.js'
import { SqlStore } from '../sql/sql-store.js'
import { PostgresDriver } from './postgres-driver.js'
import { storeError } from './store-unavailable.js'

/** Advisory lock key of migrations (an arbitrary constant, "irsa" + a purpose digit). */
const MIGRATION_LOCK = 0x69727331

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database?…` (libpq-style URL, as `pg` reads it). */
  readonly url: string
  /** Pool size; default 10. */
  readonly maxConnections?: number
  /** How long to wait for a connection before answering "unavailable"; default 5000 ms. */
  readonly connectTimeoutMs?: number
}

export const POSTGRES_DIALECT: SqlDialect = { kind: 'postgres', migrationLock: `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})` }

export async function openPostgresStore(options: PostgresStoreOptions): Promise<SqlStore> {
  const pool = new Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    application_name: 'irsa',
  })
  // An idle client whose connection dies emits here; the pool has already dropped it and connects
  // afresh on the next checkout. Without a listener the error would crash the process.
  pool.on('error', () => undefined)
  const driver = new PostgresDriver(pool)
  try {
    await migrate(driver, POSTGRES_DIALECT)
  } catch (e) {
    await driver.close().catch(() => undefined)
    throw storeError(e)
  }
  return new SqlStore(driver, POSTGRES_DIALECT)
}
