/**
 * The SQL driver over one better-sqlite3 connection. Statements are synchronous underneath and
 * compiled once per SQL text. A transaction (BEGIN IMMEDIATE … COMMIT) spans awaits, so the
 * driver serialises them through a gate and holds back statements from outside a running or
 * queued transaction until it has ended: callers never see, or join by accident, another caller's
 * uncommitted work. AsyncLocalStorage tells the statements made inside a transaction apart.
 * Appends are group-committed: one file has one writer at a time, so a transaction per append
 * would only queue them.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type Database from 'better-sqlite3'
import type { Row } from '../rows.js'
import type { SqlDriver } from '../sql/driver.js'
import { GroupCommit } from '../sql/group-commit.js'

interface Append {
  readonly sql: string
  readonly params: readonly unknown[]
}

/** The running transaction, as seen by the calls made inside it; `done` once it has ended. */
interface TxHolder {
  done: boolean
}

export class SqliteDriver implements SqlDriver {
  private readonly db: Database.Database
  private readonly tx = new AsyncLocalStorage<TxHolder>()
  /** Settles when the last queued transaction has ended. */
  private gate: Promise<void> = Promise.resolve()
  /** Transactions queued or running. */
  private queued = 0
  /** Prepared statements, compiled once per SQL text. */
  private readonly statements = new Map<string, Database.Statement>()
  private readonly appends = new GroupCommit<Append, number>((batch) => this.writeAppends(batch))

  constructor(db: Database.Database) {
    this.db = db
  }

  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql)
    if (st === undefined) {
      st = this.db.prepare(sql)
      this.statements.set(sql, st)
    }
    return st
  }

  private inTransaction(): boolean {
    const holder = this.tx.getStore()
    return holder !== undefined && !holder.done
  }

  /**
   * Run one statement, after the transactions queued or running when it was issued (unless it is
   * part of one). If a transaction queued later has begun meanwhile (it won the race to the same
   * settled gate), wait for that one too. The last check and the statement are one synchronous
   * step, so nothing can begin in between.
   */
  private async statement<T>(op: () => T): Promise<T> {
    if (this.queued > 0 && !this.inTransaction()) {
      do await this.gate
      while (this.db.inTransaction)
    }
    return op()
  }

  all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.statement(() => this.stmt(sql).all(...params) as Row[])
  }

  get(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return this.statement(() => this.stmt(sql).get(...params) as Row | undefined)
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.statement(() => this.stmt(sql).run(...params).changes)
  }

  exec(sql: string): Promise<void> {
    return this.statement(() => void this.db.exec(sql))
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction()) return fn()
    const previous = this.gate
    let release!: () => void
    this.gate = new Promise<void>((resolve) => (release = resolve))
    this.queued++
    const holder: TxHolder = { done: false }
    try {
      await previous
      this.stmt('BEGIN IMMEDIATE').run()
      try {
        const result = await this.tx.run(holder, fn)
        this.stmt('COMMIT').run()
        return result
      } catch (e) {
        if (this.db.inTransaction) this.stmt('ROLLBACK').run()
        throw e
      }
    } finally {
      holder.done = true
      this.queued--
      release()
    }
  }

  append(sql: string, params: readonly unknown[]): Promise<number> {
    return this.appends.add({ sql, params })
  }

  /**
   * One batch of appends in one synchronous transaction of its own. Outside the async context of
   * whoever appended first (it may be inside a transaction): after any running transaction.
   */
  private writeAppends(batch: readonly Append[]): Promise<number[]> {
    return this.tx.exit(() => this.statement(() => this.db.transaction(() => batch.map(({ sql, params }) => Number(this.stmt(sql).run(...params).lastInsertRowid)))()))
  }

  async close(): Promise<void> {
    await this.appends.flush()
    await this.gate
    this.db.close()
  }
}
