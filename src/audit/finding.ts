/** Findings as data: what a rule reports, and the metadata every rule carries. */
import { createHash } from 'node:crypto'
import type { AuditGraph } from './graph.js'
import type { Tier } from './permissions.js'

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s)
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b
}

/**
 * Severity escalation by the role's privilege tier (permissions.ts): a P0 (admin) role makes a finding
 * critical, a P1 (escalation) role at least high, a P4 (read-only or none) role at most medium.
 */
export function escalateByTier(base: Severity, tier: Tier): Severity {
  if (tier === 'P0') return 'critical'
  if (tier === 'P1') return maxSeverity(base, 'high')
  if (tier === 'P4' && severityRank(base) > severityRank('medium')) return 'medium'
  return base
}

export interface Mappings {
  /** OWASP Non-Human Identities Top 10 (2025), e.g. `NHI6`. */
  readonly nhi: readonly string[]
  /** NIST CSF 2.0 subcategories, e.g. `PR.AA-05`. */
  readonly csf: readonly string[]
  /** NIST SP 800-207 tenets, `ZT1`…`ZT7`. */
  readonly zt: readonly string[]
}

export interface RuleMeta {
  /** Catalogue number, `R01`…`R36`. */
  readonly ref: string
  /** Stable rule id, e.g. `IRSA-TRUST-001`. */
  readonly id: string
  readonly title: string
  /** Base severity (findings may raise or lower it, see the rule). */
  readonly severity: Severity
  readonly layer: 'IAM' | 'K8s' | 'X'
  readonly rationale: string
  readonly remediation: string
  readonly mappings: Mappings
  /**
   * What a finding of this rule means for the bindings (IRSA annotations, Pod Identity associations)
   * of the roles it names: `broken` — the binding gives the pod no credentials; `over-broad` — it
   * works but grants more (subjects, audiences, permissions, sharing) than one workload needs.
   * Absent: the rule does not judge bindings.
   */
  readonly bindingEffect?: BindingEffect
}

export type BindingEffect = 'broken' | 'over-broad'

export interface ResourceRef {
  readonly kind: string
  /** IAM ARN, for AWS resources. */
  readonly arn?: string
  readonly cluster?: string
  readonly namespace?: string
  readonly name: string
  /** The input file the object came from. */
  readonly file?: string
  /** JSON pointer into that file, when known. */
  readonly pointer?: string
}

/** What a rule's check returns. */
export interface FindingDraft {
  readonly severity: Severity
  readonly message: string
  readonly resources: readonly ResourceRef[]
  readonly evidence: Readonly<Record<string, unknown>>
  /** Stable identity of the finding within the rule (resource ids plus normalised evidence). */
  readonly key: string
}

export interface Finding {
  readonly ruleId: string
  readonly ref: string
  readonly title: string
  readonly severity: Severity
  readonly message: string
  readonly resources: readonly ResourceRef[]
  readonly evidence: Readonly<Record<string, unknown>>
  readonly remediation: string
  readonly mappings: Mappings
  /** sha256(ruleId + key), hex: stable across runs and input order. */
  readonly fingerprint: string
  suppressed?: { readonly reason: string; readonly expires: string; readonly owner?: string }
  /** True when the fingerprint is in the baseline (an accepted, pre-existing finding). */
  baseline?: boolean
}

export interface RuleContext {
  readonly graph: AuditGraph
  readonly options: RuleOptions
}

export interface RuleOptions {
  /** The audit time, for age checks (R17, R09). Never read from the clock inside rules. */
  readonly now: Date
  readonly unusedDays: number
  readonly maxServices: number
  readonly ownerTags: readonly string[]
  readonly ownerLabels: readonly string[]
  /** R34: the worst tier that still counts as privileged (P1 by default). */
  readonly exposedTier: Tier
}

export interface Rule {
  readonly meta: RuleMeta
  check(ctx: RuleContext): FindingDraft[]
}

export function fingerprint(ruleId: string, key: string): string {
  return createHash('sha256').update(`${ruleId}\u0000${key}`).digest('hex')
}

export function finalize(meta: RuleMeta, d: FindingDraft): Finding {
  return {
    ruleId: meta.id,
    ref: meta.ref,
    title: meta.title,
    severity: d.severity,
    message: d.message,
    resources: d.resources,
    evidence: d.evidence,
    remediation: meta.remediation,
    mappings: meta.mappings,
    fingerprint: fingerprint(meta.id, d.key),
  }
}
