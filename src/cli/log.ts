/** `irsa log`: the decision log, as a table, JSON Lines or CloudTrail records; its export and pruning. */
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { IrsaError } from '../errors.js'
import type { DecisionRecord } from '../store/decision-log.js'
import type { Store } from '../store/store.js'
import type { Runtime } from '../core/runtime.js'
import { decisionToCloudTrail } from '../respond/cloudtrail/from-decisions.js'
import type { ExportContext } from '../respond/cloudtrail/from-decisions.js'
import { exportContext } from '../respond/cloudtrail/decision-events.js'

export interface LogQuery {
  readonly since?: number
  readonly role?: string
  readonly subject?: string
  readonly outcome?: DecisionRecord['outcome']
  readonly limit?: number
}

export async function readLog(rt: Runtime, o: LogQuery): Promise<DecisionRecord[]> {
  return rt.store.listDecisions({
    ...(o.since === undefined ? {} : { since: o.since }),
    ...(o.role === undefined ? {} : { roleArn: o.role }),
    ...(o.subject === undefined ? {} : { subject: o.subject }),
    ...(o.outcome === undefined ? {} : { outcome: o.outcome }),
    limit: o.limit ?? 100,
  })
}

export function formatLogLine(d: DecisionRecord, color: boolean): string {
  const paint = (code: number, s: string): string => (color ? `\u001b[${code}m${s}\u001b[0m` : s)
  const outcome = d.outcome === 'Allow' ? paint(32, 'ALLOW') : d.outcome === 'Deny' ? paint(31, 'DENY ') : paint(33, 'ERROR')
  const who = d.subject ?? d.principal ?? '-'
  const role = d.roleArn ?? '-'
  const code = d.code === undefined ? '' : ` ${d.code}`
  // A summary row of counted denials (denial-summary.ts) stands for `suppressed` decisions.
  const n = d.detail?.suppressed
  const times = typeof n === 'number' ? ` ×${n}` : ''
  // Gateway decisions name the resources they were about, and flag what the gateway could not map.
  const resources = Array.isArray(d.detail?.resources) ? ` on ${(d.detail.resources as unknown[]).join(',')}` : ''
  const unmapped = d.detail?.unmapped === true ? ' [unmapped]' : ''
  return `${new Date(d.at).toISOString()} ${outcome}${times} ${d.action}${resources}${unmapped} ${who} → ${role}${code}${d.reason ? ` — ${d.reason}` : ''}`
}

/** A time flag: a duration back from `now` (`15m`, `7d`) or an ISO 8601 time; epoch milliseconds. */
export function logTime(flag: string, v: string, now: number): number {
  const secs = parseDuration(v)
  if (secs !== undefined) return now - secs * 1000
  const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN
  if (Number.isNaN(t)) throw new IrsaError('ERR_CLI_USAGE', `${flag} expects a duration such as 2h or 7d, or a time such as 2026-01-31T12:00:00Z, not ${v}`)
  return t
}

/** `15m`, `2h`, `7d`, or seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim())
  if (m === null) return undefined
  const n = Number(m[1])
  const unit = m[2] === 'm' ? 60 : m[2] === 'h' ? 3600 : m[2] === 'd' ? 86400 : 1
  return n * unit
}

/** The decisions in a window, oldest first, read a page at a time (memory bounded by the page). */
export async function* decisionsInWindow(store: Store, w: { readonly since?: number; readonly before?: number }, pageSize = 1000): AsyncGenerator<DecisionRecord> {
  let afterId = 0
  for (;;) {
    const page = await store.listDecisions({ ...w, afterId, limit: pageSize })
    yield* page
    if (page.length < pageSize) return
    afterId = page[page.length - 1]?.id as number
  }
}

/** A CloudTrail log file (`{"Records": […]}`) of the decisions that are AWS API calls, as text chunks. */
export async function* cloudTrailText(decisions: AsyncIterable<DecisionRecord> | Iterable<DecisionRecord>, ctx: ExportContext): AsyncGenerator<string> {
  yield '{"Records":['
  let first = true
  for await (const d of decisions) {
    const r = decisionToCloudTrail(d, ctx)
    if (r === undefined) continue
    yield `${first ? '\n' : ',\n'}${JSON.stringify(r)}`
    first = false
  }
  yield '\n]}\n'
}

async function* jsonLines(decisions: AsyncIterable<DecisionRecord>): AsyncGenerator<string> {
  for await (const d of decisions) yield `${JSON.stringify(d)}\n`
}

export interface ExportOptions {
  readonly since?: number
  readonly before?: number
  readonly format: 'cloudtrail' | 'jsonl'
  /** A file (gzipped when it ends in `.gz`), or undefined / `-` for standard output. */
  readonly output?: string
}

/**
 * `irsa log export`: the window's decisions streamed to a file (gzip for `.gz`), for archiving
 * before pruning. The file appears under its name only once complete (written beside it, then
 * renamed), so an interrupted export leaves no truncated archive. Returns the decisions read.
 */
export async function exportLog(rt: Runtime, o: ExportOptions, stdout: NodeJS.WritableStream = process.stdout): Promise<number> {
  let count = 0
  const counted = async function* (): AsyncGenerator<DecisionRecord> {
    for await (const d of decisionsInWindow(rt.store, { ...(o.since === undefined ? {} : { since: o.since }), ...(o.before === undefined ? {} : { before: o.before }) })) {
      count++
      yield d
    }
  }
  const text = o.format === 'cloudtrail' ? cloudTrailText(counted(), await exportContext(rt)) : jsonLines(counted())
  if (o.output === undefined || o.output === '-') {
    for await (const chunk of text) if (!stdout.write(chunk)) await once(stdout, 'drain')
    return count
  }
  const partial = `${o.output}.partial`
  try {
    const sink = createWriteStream(partial, { mode: 0o600 })
    if (o.output.endsWith('.gz')) await pipeline(Readable.from(text), createGzip(), sink)
    else await pipeline(Readable.from(text), sink)
    await rename(partial, o.output)
  } catch (e) {
    await rm(partial, { force: true })
    throw e
  }
  return count
}

/** `irsa log prune`: delete decisions older than `before`, in bounded batches; returns how many. */
export async function pruneLog(store: Store, before: number, batch = 10_000): Promise<number> {
  let total = 0
  for (;;) {
    const n = await store.pruneDecisions(before, batch)
    total += n
    if (n < batch) return total
  }
}
