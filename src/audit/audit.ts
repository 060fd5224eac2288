/**
 * Run the catalogue over a graph: select rules, collect findings, apply suppressions and the baseline.
 * Pure: the audit time comes in through options.
 */
import type { Finding, RuleMeta, RuleOptions, Severity } from './finding.js'
import { finalize, severityRank } from './finding.js'
import type { AuditGraph } from './graph.js'
import { matchWildcard } from '../policy/wildcard.js'
import { RULES } from './rules/catalogue.js'
import type { Baseline, Suppression } from './suppress.js'
import { applyBaseline, applySuppressions } from './suppress.js'
import type { AuditWarning } from './model.js'

export interface AuditOptions extends Partial<Omit<RuleOptions, 'now'>> {
  readonly now: Date
  /** Rule ids (`IRSA-TRUST-001`, `R01`), globs (`IRSA-TRUST-*`) or severities; empty = all. */
  readonly rules?: readonly string[]
  readonly skipRules?: readonly string[]
  readonly suppressions?: readonly Suppression[]
  readonly baseline?: Baseline
}

export interface AuditResult {
  /** All findings, sorted by severity (worst first), then rule, then fingerprint. Suppressed ones are flagged, not dropped. */
  readonly findings: Finding[]
  readonly warnings: AuditWarning[]
  readonly rules: readonly RuleMeta[]
  readonly stats: AuditStats
}

export interface AuditStats {
  readonly clusters: number
  readonly namespaces: number
  readonly serviceAccounts: number
  readonly workloads: number
  readonly roles: number
  readonly workloadRoles: number
  readonly bySeverity: Readonly<Record<Severity, number>>
  readonly suppressed: number
  readonly baselined: number
}

function selected(meta: RuleMeta, patterns: readonly string[]): boolean {
  return patterns.some((p) => p === meta.ref || p === meta.severity || matchWildcard(p, meta.id, true))
}

export function runAudit(graph: AuditGraph, options: AuditOptions): AuditResult {
  const ruleOptions: RuleOptions = {
    now: options.now,
    unusedDays: options.unusedDays ?? 90,
    maxServices: options.maxServices ?? 3,
    ownerTags: options.ownerTags ?? ['owner', 'app', 'env'],
    ownerLabels: options.ownerLabels ?? ['app.kubernetes.io/name'],
    exposedTier: options.exposedTier ?? 'P1',
  }
  const rules = RULES.filter((r) => (options.rules === undefined || options.rules.length === 0 || selected(r.meta, options.rules)) && !selected(r.meta, options.skipRules ?? []))
  const findings: Finding[] = []
  const warnings: AuditWarning[] = [...graph.inventory.warnings]
  for (const rule of rules) {
    const seen = new Set<string>()
    for (const d of rule.check({ graph, options: ruleOptions })) {
      const f = finalize(rule.meta, d)
      if (seen.has(f.fingerprint)) continue
      seen.add(f.fingerprint)
      findings.push(f)
    }
  }
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.ruleId.localeCompare(b.ruleId) || a.fingerprint.localeCompare(b.fingerprint))
  if (options.suppressions !== undefined) warnings.push(...applySuppressions(findings, options.suppressions, options.now))
  if (options.baseline !== undefined) applyBaseline(findings, options.baseline)
  const bySeverity = { info: 0, low: 0, medium: 0, high: 0, critical: 0 }
  for (const f of findings) if (f.suppressed === undefined && f.baseline !== true) bySeverity[f.severity]++
  let namespaces = 0
  for (const c of graph.clusters.values()) namespaces += c.namespaces.size
  return {
    findings,
    warnings,
    rules: rules.map((r) => r.meta),
    stats: {
      clusters: graph.clusters.size,
      namespaces,
      serviceAccounts: graph.serviceAccounts.length,
      workloads: graph.inventory.k8s.workloads.length,
      roles: graph.roles.length,
      workloadRoles: graph.roles.filter((r) => r.workload).length,
      bySeverity,
      suppressed: findings.filter((f) => f.suppressed !== undefined).length,
      baselined: findings.filter((f) => f.baseline === true).length,
    },
  }
}

/** Findings that count against `--fail-on`: not suppressed, not in the baseline, at or above the threshold. */
export function gatingFindings(findings: readonly Finding[], failOn: Severity | 'none'): Finding[] {
  if (failOn === 'none') return []
  return findings.filter((f) => f.suppressed === undefined && f.baseline !== true && severityRank(f.severity) >= severityRank(failOn))
}
