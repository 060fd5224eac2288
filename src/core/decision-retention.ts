/**
 * Decision-log retention for a running server: every interval, one pass deletes the decisions older
 * than the retention period, oldest first, in batches of `batch` rows and at most `maxBatches`
 * batches per pass, so a pass never holds the database for long however far behind it is (the next
 * pass continues). Passes never overlap. The clock is the runtime's.
 */
import type { Store } from '../store/store.js'
import type { Clock } from './clock.js'

export interface RetentionOptions {
  /** Keep decisions this long (milliseconds). */
  readonly retentionMs: number
  /** Rows deleted per statement; default 5,000. */
  readonly batch?: number
  /** Statements per pass; default 20 (so at most 100,000 rows a pass by default). */
  readonly maxBatches?: number
  /** Time between passes; default a tenth of the retention, between 1 s and 60 s. */
  readonly intervalMs?: number
}

export class DecisionRetention {
  readonly retentionMs: number
  readonly intervalMs: number
  private readonly batch: number
  private readonly maxBatches: number
  private readonly store: Store
  private readonly clock: Clock
  private timer: NodeJS.Timeout | undefined
  private running: Promise<number> | undefined
  /** Rows deleted since start, for logs and tests. */
  deleted = 0

  constructor(store: Store, clock: Clock, o: RetentionOptions) {
    if (!(o.retentionMs > 0)) throw new RangeError('retention must be positive')
    this.store = store
    this.clock = clock
    this.retentionMs = o.retentionMs
    this.batch = o.batch ?? 5000
    this.maxBatches = o.maxBatches ?? 20
    this.intervalMs = o.intervalMs ?? Math.min(60_000, Math.max(1000, Math.floor(o.retentionMs / 10)))
  }

  /** One pass (joins a pass already running); resolves with the rows it deleted. */
  pass(): Promise<number> {
    if (this.running !== undefined) return this.running
    const run = async (): Promise<number> => {
      const before = this.clock.now() - this.retentionMs
      let total = 0
      for (let i = 0; i < this.maxBatches; i++) {
        const n = await this.store.pruneDecisions(before, this.batch)
        total += n
        if (n < this.batch) break
      }
      this.deleted += total
      return total
    }
    this.running = run().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  /** Run a pass now and then every interval; `onError` hears a failed pass (the next one retries). */
  start(onError: (e: unknown) => void = () => {}): void {
    if (this.timer !== undefined) return
    const tick = (): void => {
      this.pass().catch(onError)
    }
    tick()
    this.timer = setInterval(tick, this.intervalMs).unref()
  }

  /** Stop the passes; resolves once a running one has finished. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.running?.catch(() => undefined)
  }
}
