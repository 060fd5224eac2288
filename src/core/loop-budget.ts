/**
 * Cooperative scheduling for long work on the event loop. A request that does many small units of
 * synchronous work calls `await budget.pause()` between units; once `sliceMs` of wall time has passed
 * since the last yield, it yields to the event loop (`setImmediate`), so health checks, timers and
 * other requests run in between and no single request holds the loop for longer than about one slice
 * plus one unit. The clock read here only schedules work: it never changes an answer.
 */
import { performance } from 'node:perf_hooks'
import { setImmediate as nextTurn } from 'node:timers/promises'

/** Default slice: short enough that a concurrent `/healthz` answers within a few milliseconds. */
export const DEFAULT_SLICE_MS = 4

export class LoopBudget {
  private since = performance.now()
  private readonly sliceMs: number

  constructor(sliceMs: number = DEFAULT_SLICE_MS) {
    this.sliceMs = sliceMs
  }

  /** Yield to the event loop if this slice is used up; otherwise return at once. */
  async pause(): Promise<void> {
    if (performance.now() - this.since < this.sliceMs) return
    await nextTurn()
    this.since = performance.now()
  }
}
