/** `irsa log`: the decision log, as a table or JSON Lines. */
import type { DecisionRecord } from '../store/decision-log.js'
import type { Runtime } from '../core/runtime.js'

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

/** `15m`, `2h`, `7d`, or seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim())
  if (m === null) return undefined
  const n = Number(m[1])
  const unit = m[2] === 'm' ? 60 : m[2] === 'h' ? 3600 : m[2] === 'd' ? 86400 : 1
  return n * unit
}
