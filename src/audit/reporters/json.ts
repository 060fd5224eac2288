/**
 * The JSON report, schema `irsa-audit/v1` (stable; additive changes only within v1):
 *
 * ```
 * { schema: "irsa-audit/v1", tool: {name, version}, generatedAt: ISO-8601,
 *   summary: {clusters, namespaces, serviceAccounts, workloads, roles, workloadRoles,
 *             bySeverity: {critical, high, medium, low, info}, suppressed, baselined},
 *   findings: [{ ruleId: "IRSA-TRUST-003", ref: "R03", title, severity: "critical|high|medium|low|info",
 *                message, resources: [{kind, arn?, cluster?, namespace?, name, file?, pointer?}],
 *                evidence: {...rule-specific...}, remediation, mappings: {nhi: [], csf: [], zt: []},
 *                fingerprint: sha256 hex, suppressed?: {reason, expires, owner?}, baseline?: true }],
 *   warnings: [{file, object?, message}] }
 * ```
 * Findings are sorted worst first, then by rule id, then fingerprint.
 */
import type { AuditResult } from '../audit.js'

export const JSON_SCHEMA_ID = 'irsa-audit/v1'

export function renderJson(result: AuditResult, meta: { version: string; generatedAt: string }): string {
  return `${JSON.stringify(
    {
      schema: JSON_SCHEMA_ID,
      tool: { name: 'irsa', version: meta.version },
      generatedAt: meta.generatedAt,
      summary: result.stats,
      findings: result.findings,
      warnings: result.warnings,
    },
    null,
    2,
  )}\n`
}
