/**
 * The SQL driver over one better-sqlite3 connection. Statements are synchronous underneath and
 * compiled once per SQL text. A transaction (BEGIN IMMEDIATE … COMMIT) spans awaits, so the
 * driver serialises them through a gate and holds back statements from outside a running or
 * queued transaction until it has ended: callers never see, or join by accident, another caller's
 * uncommitted work. AsyncLocalStorage tells the statements made inside a transaction apart.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type Database from 'better-sqlite3'
import type { Row } from '../rows.js'
import type { SqlDriver } from '../sql/driver.js'

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
      this.db.exec('BEGIN IMMEDIATE')
      try {
        const result = await this.tx.run(holder, fn)
        this.db.exec('COMMIT')
        return result
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK')
        throw e
      }
    } finally {
      holder.done = true
      this.queued--
      release()
    }
  }

  outside<T>(fn: () => T): T {
    return this.tx.exit(fn)
  }

  async close(): Promise<void> {
    await this.gate
    this.db.close()
  }
}
