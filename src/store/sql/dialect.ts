/**
 * What differs between the databases a SqlStore runs on, beyond what the driver hides (parameter
 * syntax, transactions, how decisions are committed, error mapping). The statements themselves are written once, in SQL both
 * SQLite and PostgreSQL accept: `ON CONFLICT` upserts, `RETURNING`, `CAST(? AS text)` where
 * PostgreSQL needs a parameter's type, `substr` for prefixes, JSON kept in TEXT columns.
 */
export interface SqlDialect {
  /** Also selects the migration SQL (`Migration.sqlite` / `Migration.postgres`). */
  readonly kind: 'sqlite' | 'postgres'
  /**
   * A statement run first in each migration transaction, to keep processes that open the same
   * database at once from applying a step twice (when the transaction alone does not).
   */
  readonly migrationLock?: string
}
