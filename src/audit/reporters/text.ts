/** Human-readable report: findings grouped by severity, coloured when writing to a TTY. */
import type { AuditResult } from '../audit.js'
import type { Finding, ResourceRef, Severity } from '../finding.js'
import { SEVERITIES } from '../finding.js'

const COLOR: Readonly<Record<Severity, string>> = { critical: '\x1b[1;35m', high: '\x1b[1;31m', medium: '\x1b[33m', low: '\x1b[36m', info: '\x1b[2m' }
const RESET = '\x1b[0m'
const DIM = '\x1b[2m'
const BOLD = '\x1b[1m'

export function resourceLabel(r: ResourceRef): string {
  if (r.arn !== undefined) return r.arn
  return `${r.kind} ${r.cluster !== undefined && r.cluster !== 'default' ? `${r.cluster}:` : ''}${r.namespace === undefined ? '' : `${r.namespace}/`}${r.name}`
}

export function renderText(result: AuditResult, opts: { color: boolean; showSuppressed?: boolean; minSeverity?: Severity }): string {
  const c = (code: string, s: string): string => (opts.color ? `${code}${s}${RESET}` : s)
  const lines: string[] = []
  const min = SEVERITIES.indexOf(opts.minSeverity ?? 'info')
  const visible = result.findings.filter((f) => SEVERITIES.indexOf(f.severity) >= min && (opts.showSuppressed === true || (f.suppressed === undefined && f.baseline !== true)))
  for (const sev of [...SEVERITIES].reverse()) {
    const group = visible.filter((f) => f.severity === sev)
    if (group.length === 0) continue
    lines.push(c(COLOR[sev], `${sev.toUpperCase()} (${group.length})`))
    const byRule = new Map<string, Finding[]>()
    for (const f of group) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f])
    for (const [ruleId, fs] of byRule) {
      const first = fs[0] as Finding
      lines.push(`  ${c(BOLD, ruleId)} ${c(DIM, `(${first.ref})`)} ${first.title}`)
      for (const f of fs) {
        const tag = f.suppressed !== undefined ? c(DIM, ` [suppressed: ${f.suppressed.reason}, until ${f.suppressed.expires}]`) : f.baseline === true ? c(DIM, ' [baseline]') : ''
        lines.push(`    - ${f.message}${tag}`)
        lines.push(c(DIM, `      resources: ${f.resources.slice(0, 4).map(resourceLabel).join('; ')}${f.resources.length > 4 ? `; +${f.resources.length - 4}` : ''}`))
      }
      lines.push(c(DIM, `    fix: ${first.remediation}`))
      lines.push(c(DIM, `    maps to: ${[...first.mappings.nhi, ...first.mappings.csf, ...first.mappings.zt].join(', ')}`))
    }
    lines.push('')
  }
  const s = result.stats
  if (result.warnings.length > 0) {
    lines.push(c(COLOR.medium, `${result.warnings.length} input warning(s):`))
    for (const w of result.warnings.slice(0, 50)) lines.push(`  ${w.file}${w.object === undefined ? '' : ` (${w.object})`}: ${w.message}`)
    if (result.warnings.length > 50) lines.push(`  … ${result.warnings.length - 50} more`)
    lines.push('')
  }
  const counts = [...SEVERITIES].reverse().map((k) => `${s.bySeverity[k]} ${k}`).join(', ')
  lines.push(
    `Audited ${s.clusters} cluster(s), ${s.namespaces} namespace(s), ${s.serviceAccounts} service account(s), ${s.workloads} workload object(s), ${s.roles} role(s) (${s.workloadRoles} workload roles): ${counts}` +
      `${s.suppressed > 0 ? `; ${s.suppressed} suppressed` : ''}${s.baselined > 0 ? `; ${s.baselined} in baseline` : ''}.`,
  )
  return `${lines.join('\n')}\n`
}
