/**
 * What differs between the databases a SqlStore runs on, beyond what the driver hides (parameter
 * syntax, transactions, error mapping). The statements themselves are written once, in SQL both
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
  /**
   * Write decisions arriving together in one transaction (group commit) rather than one statement
   * each: worth it where a commit is costly and writers are serialised anyway (one SQLite file).
   */
  readonly groupCommitDecisions: boolean
}
