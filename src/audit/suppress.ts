/**
 * Suppressions (each with a reason and an expiry; expired entries re-fire) and baselines (accepted
 * finding fingerprints, so CI fails only on new findings). Parsing takes already-read values; the
 * caller reads the files.
 */
import { IrsaError } from '../errors.js'
import { matchWildcard } from '../policy/wildcard.js'
import type { Finding } from './finding.js'
import type { AuditWarning } from './model.js'

export interface Suppression {
  /** Rule id (`IRSA-TRUST-003`), catalogue ref (`R03`) or glob (`IRSA-TRUST-*`). */
  readonly rule: string
  /** Glob on a resource ARN, `namespace/name`, `cluster/namespace/name` or name; `*` or absent = any. */
  readonly resource: string | undefined
  /** A finding fingerprint, instead of or in addition to rule/resource. */
  readonly fingerprint: string | undefined
  readonly reason: string
  /** ISO date (YYYY-MM-DD or full timestamp); the suppression stops applying after it. */
  readonly expires: string
  readonly owner: string | undefined
}

export interface Baseline {
  readonly version: 1
  readonly fingerprints: readonly string[]
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** Read a suppressions document (`{suppressions: [...]}` or a bare list). Throws ERR_AUDIT_SUPPRESSION. */
export function parseSuppressions(value: unknown, file: string): Suppression[] {
  const list = Array.isArray(value) ? value : isObj(value) && Array.isArray(value.suppressions) ? value.suppressions : undefined
  if (list === undefined) throw new IrsaError('ERR_AUDIT_SUPPRESSION', `${file}: expected a list of suppressions or {suppressions: [...]}`)
  return list.map((e: unknown, i) => {
    const where = `${file}: suppressions[${i}]`
    if (!isObj(e)) throw new IrsaError('ERR_AUDIT_SUPPRESSION', `${where} is not a mapping`)
    const str = (k: string): string | undefined => {
      const v = e[k]
      if (v instanceof Date) return v.toISOString().slice(0, 10)
      return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined
    }
    const rule = str('rule') ?? (str('fingerprint') === undefined ? undefined : '*')
    if (rule === undefined) throw new IrsaError('ERR_AUDIT_SUPPRESSION', `${where} needs a rule (or a fingerprint)`)
    const reason = str('reason')
    if (reason === undefined) throw new IrsaError('ERR_AUDIT_SUPPRESSION', `${where} needs a reason`)
    const expires = str('expires')
    if (expires === undefined) throw new IrsaError('ERR_AUDIT_SUPPRESSION', `${where} needs an expiry (expires: YYYY-MM-DD)`)
    if (Number.isNaN(expiryTime(expires))) throw new IrsaError('ERR_AUDIT_SUPPRESSION', `${where}: expires "${expires}" is not a date`)
    return { rule, resource: str('resource'), fingerprint: str('fingerprint'), reason, expires, owner: str('owner') }
  })
}

/** A date-only expiry lasts through that day (UTC). */
function expiryTime(expires: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(expires) ? Date.parse(`${expires}T23:59:59.999Z`) : Date.parse(expires)
}

function resourceNames(f: Finding): string[] {
  const out: string[] = []
  for (const r of f.resources) {
    if (r.arn !== undefined) out.push(r.arn)
    if (r.namespace !== undefined) {
      out.push(`${r.namespace}/${r.name}`)
      if (r.cluster !== undefined) out.push(`${r.cluster}/${r.namespace}/${r.name}`)
    }
    out.push(r.name)
  }
  return out
}

export function suppressionMatches(s: Suppression, f: Finding): boolean {
  if (s.fingerprint !== undefined && s.fingerprint !== f.fingerprint) return false
  if (s.rule !== '*' && s.rule !== f.ref && !matchWildcard(s.rule, f.ruleId, true)) return false
  if (s.resource === undefined || s.resource === '*') return true
  return resourceNames(f).some((n) => matchWildcard(s.resource as string, n))
}

/** Flag suppressed findings in place; returns warnings for expired entries (which no longer apply). */
export function applySuppressions(findings: Finding[], suppressions: readonly Suppression[], now: Date): AuditWarning[] {
  const warnings: AuditWarning[] = []
  const t = now.getTime()
  const active = suppressions.filter((s) => {
    if (expiryTime(s.expires) >= t) return true
    warnings.push({ file: 'suppressions', object: `${s.rule} ${s.resource ?? s.fingerprint ?? '*'}`, message: `suppression expired on ${s.expires}; its findings are reported again` })
    return false
  })
  for (const f of findings) {
    const s = active.find((x) => suppressionMatches(x, f))
    if (s !== undefined) f.suppressed = { reason: s.reason, expires: s.expires, ...(s.owner === undefined ? {} : { owner: s.owner }) }
  }
  return warnings
}

export function parseBaseline(value: unknown, file: string): Baseline {
  const list = Array.isArray(value) ? value : isObj(value) && Array.isArray(value.fingerprints) ? value.fingerprints : undefined
  if (list === undefined || !list.every((x): x is string => typeof x === 'string')) {
    throw new IrsaError('ERR_AUDIT_BASELINE', `${file}: expected {"version": 1, "fingerprints": ["…"]}`)
  }
  return { version: 1, fingerprints: list }
}

export function makeBaseline(findings: readonly Finding[]): Baseline {
  return { version: 1, fingerprints: [...new Set(findings.filter((f) => f.suppressed === undefined).map((f) => f.fingerprint))].sort() }
}

export function applyBaseline(findings: Finding[], baseline: Baseline): void {
  const set = new Set(baseline.fingerprints)
  for (const f of findings) if (set.has(f.fingerprint)) f.baseline = true
}
