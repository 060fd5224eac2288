/**
 * Repeated identical denials, counted instead of written one by one, so unauthenticated traffic
 * cannot grow the decision log without bound. Pure: decisions and times in, decisions out; the
 * runtime decides when to write.
 *
 * Denials are grouped by (action, outcome, code, roleArn, subject, sourceIp). Within a window of
 * `windowMs` from a group's first denial, the first `perKey` are written as usual; the rest are
 * counted, and when the window closes one summary row is written in their place: the group's fields,
 * `detail.suppressed` (the count), `detail.firstAt` and `detail.lastAt`. At most `maxKeys` groups are
 * tracked; a denial of a group beyond them is counted in one global overflow row (per action). So a
 * window writes at most `maxKeys × (perKey + 1) + 1` denial rows, whatever the traffic. Allows (and
 * errors) always pass through: they are never suppressed.
 */
import type { DecisionRecord } from '../store/decision-log.js'

export interface DenialSummaryOptions {
  /** How long a group's window lasts, ms; default 60 000. */
  readonly windowMs?: number
  /** Denials of one group written individually per window; default 5. */
  readonly perKey?: number
  /** Groups tracked at once; default 1000. */
  readonly maxKeys?: number
}

/** The action of the overflow row: denials of groups beyond `maxKeys`, counted together. */
export const OVERFLOW_ACTION = 'irsa:SuppressedDenials'

interface Group {
  readonly first: DecisionRecord
  readonly windowStart: number
  written: number
  suppressed: number
  firstAt: number
  lastAt: number
  sampleReason: string | undefined
}

interface Overflow {
  readonly windowStart: number
  suppressed: number
  firstAt: number
  lastAt: number
  readonly actions: Map<string, number>
}

const keyOf = (d: DecisionRecord): string => JSON.stringify([d.action, d.outcome, d.code ?? null, d.roleArn ?? null, d.subject ?? null, d.sourceIp ?? null])
const iso = (ms: number): string => new Date(ms).toISOString()

export class DenialSummary {
  readonly windowMs: number
  readonly perKey: number
  readonly maxKeys: number
  private readonly groups = new Map<string, Group>()
  private overflow: Overflow | undefined
  /** Summaries of windows that closed, not yet taken. */
  private closed: DecisionRecord[] = []

  constructor(o: DenialSummaryOptions = {}) {
    this.windowMs = o.windowMs ?? 60_000
    this.perKey = o.perKey ?? 5
    this.maxKeys = o.maxKeys ?? 1000
  }

  /** Whether anything is counted and not yet summarised. */
  get pending(): boolean {
    return this.groups.size > 0 || this.overflow !== undefined || this.closed.length > 0
  }

  /** Whether a closed window's summary waits to be taken. */
  get hasClosed(): boolean {
    return this.closed.length > 0
  }

  /** true: write `d` now; false: it was counted (a summary row stands for it later). */
  admit(d: DecisionRecord): boolean {
    if (d.outcome !== 'Deny') return true
    const key = keyOf(d)
    let g = this.groups.get(key)
    if (g !== undefined && d.at >= g.windowStart + this.windowMs) {
      this.close(key, g)
      g = undefined
    }
    if (g === undefined) {
      if (this.groups.size >= this.maxKeys) this.closeDue(d.at)
      if (this.groups.size >= this.maxKeys) {
        this.countOverflow(d)
        return false
      }
      this.groups.set(key, { first: d, windowStart: d.at, written: 1, suppressed: 0, firstAt: 0, lastAt: 0, sampleReason: undefined })
      return true
    }
    if (g.written < this.perKey) {
      g.written += 1
      return true
    }
    if (g.suppressed === 0) {
      g.firstAt = d.at
      g.sampleReason = d.reason
    }
    g.suppressed += 1
    g.lastAt = d.at
    return false
  }

  /** The summary rows of windows closed by `now` (every window when `all`), taken out of the counters. */
  take(now: number, all = false): DecisionRecord[] {
    if (all) {
      for (const [key, g] of [...this.groups]) this.close(key, g)
      if (this.overflow !== undefined) this.closeOverflow()
    } else {
      this.closeDue(now)
    }
    const out = this.closed
    this.closed = []
    return out
  }

  /** Put back summaries that could not be written, so a later take retries them. */
  restore(rows: readonly DecisionRecord[]): void {
    this.closed.push(...rows)
  }

  private closeDue(now: number): void {
    for (const [key, g] of [...this.groups]) if (now >= g.windowStart + this.windowMs) this.close(key, g)
    if (this.overflow !== undefined && now >= this.overflow.windowStart + this.windowMs) this.closeOverflow()
  }

  private close(key: string, g: Group): void {
    this.groups.delete(key)
    if (g.suppressed === 0) return
    const { id: _id, at: _at, requestId: _r, detail: _d, reason: _reason, sessionName: _s, ...fields } = g.first
    this.closed.push({
      ...fields,
      at: g.lastAt,
      reason: `${g.suppressed} more identical denials suppressed from ${iso(g.firstAt)} to ${iso(g.lastAt)} (after the first ${this.perKey} in ${this.windowMs / 1000} s)${g.sampleReason === undefined ? '' : `: ${g.sampleReason}`}`,
      detail: { suppressed: g.suppressed, firstAt: iso(g.firstAt), lastAt: iso(g.lastAt), windowSeconds: this.windowMs / 1000, writtenIndividually: g.written },
    })
  }

  private countOverflow(d: DecisionRecord): void {
    const o = (this.overflow ??= { windowStart: d.at, suppressed: 0, firstAt: d.at, lastAt: d.at, actions: new Map() })
    o.suppressed += 1
    o.lastAt = d.at
    o.actions.set(d.action, (o.actions.get(d.action) ?? 0) + 1)
  }

  private closeOverflow(): void {
    const o = this.overflow
    this.overflow = undefined
    if (o === undefined) return
    this.closed.push({
      at: o.lastAt,
      action: OVERFLOW_ACTION,
      outcome: 'Deny',
      reason: `${o.suppressed} denials suppressed from ${iso(o.firstAt)} to ${iso(o.lastAt)}: more than ${this.maxKeys} distinct kinds of denial at once`,
      detail: { suppressed: o.suppressed, firstAt: iso(o.firstAt), lastAt: iso(o.lastAt), overflow: true, actions: Object.fromEntries(o.actions) },
    })
  }
}
