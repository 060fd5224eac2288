/**
 * The little a SQL store needs from a database: statements with positional `?` parameters (each
 * driver translates them to its own form), a transaction, and a way out of one. Rows come back as
 * plain objects keyed by column name; the row mappers (../rows.ts) turn them into model objects.
 */
import type { Row } from '../rows.js'

export interface SqlDriver {
  /** Every row of a query. */
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>
  /** The first row, or undefined (also for `… RETURNING` on a statement that touched no row). */
  get(sql: string, params?: readonly unknown[]): Promise<Row | undefined>
  /** A statement that returns no rows; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>
  /**
   * Run fn atomically: every statement issued while it runs (through this driver, in its async
   * context) belongs to the transaction; it commits when fn resolves and rolls back when fn throws.
   * A call made inside a running transaction joins it. Transactions never interleave.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>
  /**
   * An INSERT that stands alone, into a table keyed by an integer `id`: never part of a running
   * transaction (it stands whatever that transaction's outcome), resolved with the new row's id
   * once committed. Write it without RETURNING: each driver learns the id its own way. A driver
   * may commit concurrent appends together (group commit); then one issued inside a transaction
   * is written after that ends, so awaiting it there never resolves.
   */
  append(sql: string, params: readonly unknown[]): Promise<number>
  close(): Promise<void>
}
