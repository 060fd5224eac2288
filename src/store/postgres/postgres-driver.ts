/**
 * The SQL driver over a `pg` Pool. `?` parameters become `$1, $2, …`; every query is
 * parameterized. A statement runs on any pooled client, or inside `transaction` on the one client
 * the transaction holds for its duration: AsyncLocalStorage routes the calls made inside it there,
 * so nested calls join it. Transactions also take a transaction-scoped advisory lock, so
 * multi-statement work is serialised across replicas as SQLite serialises it in one file.
 *
 * Failures pass through storeError: a lost or refused connection is ERR_STORE_UNAVAILABLE. The
 * pool drops broken clients and reconnects on demand, so the store recovers by itself.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Pool, PoolClient, QueryResult } from 'pg'
import { num } from '../rows.js'
import type { Row } from '../rows.js'
import type { SqlDriver } from '../sql/driver.js'
import { storeError } from './store-unavailable.js'

/** Advisory lock key of every transaction (an arbitrary constant, "irsa" + a purpose digit). */
const TRANSACTION_LOCK = 0x69727332

/** The client of the running transaction; `done` guards against use after it ended. */
interface TxHolder {
  readonly client: PoolClient
  done: boolean
}

/** `?` → `$n`, outside single-quoted literals. */
export function numberedParameters(sql: string): string {
  let n = 0
  let quoted = false
  let out = ''
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted
    out += ch === '?' && !quoted ? `$${++n}` : ch
  }
  return out
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))

export class PostgresDriver implements SqlDriver {
  private readonly pool: Pool
  private readonly tx = new AsyncLocalStorage<TxHolder>()
  /** Translated SQL per source text (a fixed set: the store's statements). */
  private readonly texts = new Map<string, string>()
  private closed = false

  constructor(pool: Pool) {
    this.pool = pool
  }

  private async connect(): Promise<PoolClient> {
    let client: PoolClient
    try {
      client = await this.pool.connect()
    } catch (e) {
      throw storeError(e)
    }
    // A checked-out client has no pool listener: PostgreSQL dropping the connection between two of
    // our statements (a restart: FATAL 57P01) would emit an unhandled 'error' and kill the process.
    // Swallow it here; the next statement on the client fails as ERR_STORE_UNAVAILABLE and the
    // client is released as broken. One listener per client, kept for its life.
    if (client.listenerCount('error') === 0) client.on('error', () => undefined)
    return client
  }

  /** One statement: on the transaction's client inside `transaction`, else on any pooled client. */
  private async query(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    const holder = this.tx.getStore()
    const values = params as unknown[] | undefined
    try {
      return holder !== undefined && !holder.done ? await holder.client.query<Row>(text, values) : await this.pool.query<Row>(text, values)
    } catch (e) {
      throw storeError(e)
    }
  }

  private text(sql: string): string {
    let text = this.texts.get(sql)
    if (text === undefined) {
      text = numberedParameters(sql)
      this.texts.set(sql, text)
    }
    return text
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.query(this.text(sql), params)).rows
  }

  async get(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return (await this.query(this.text(sql), params)).rows[0]
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.query(this.text(sql), params)).rowCount ?? 0
  }

  /** Without parameters pg uses the simple query protocol, which runs several statements. */
  async exec(sql: string): Promise<void> {
    await this.query(sql)
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const current = this.tx.getStore()
    if (current !== undefined && !current.done) return fn()
    const client = await this.connect()
    const holder: TxHolder = { client, done: false }
    let broken: Error | undefined
    try {
      try {
        await client.query('BEGIN')
        await client.query('SELECT pg_advisory_xact_lock($1)', [TRANSACTION_LOCK])
      } catch (e) {
        broken = asError(e)
        throw storeError(e)
      }
      let result: T
      try {
        result = await this.tx.run(holder, fn)
      } catch (e) {
        try {
          await client.query('ROLLBACK')
        } catch (re) {
          broken = asError(re)
        }
        throw storeError(e)
      }
      try {
        await client.query('COMMIT')
      } catch (e) {
        broken = asError(e)
        throw storeError(e)
      }
      return result
    } finally {
      holder.done = true
      // A client that failed BEGIN, COMMIT or ROLLBACK may be mid-transaction or dead: destroy it.
      client.release(broken)
    }
  }

  /** On any pooled client, autocommitted on its own: concurrent appends run in parallel. */
  append(sql: string, params: readonly unknown[]): Promise<number> {
    return this.tx.exit(async () => num((await this.get(`${sql} RETURNING id`, params))?.id))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pool.end()
  }
}
