/**
 * The view model of the offline HTML audit report, built from an audit result and its graph with
 * the dashboard's own data builders: the findings, the identities tree, the trust graph, and a
 * detail for every workload role plus every role a finding names (so the findings' links resolve).
 */
import type { AuditResult } from '../audit/audit.js'
import type { AuditGraph } from '../audit/graph.js'
import { findRole } from '../audit/graph.js'
import type { UiAudit, UiGraph, UiIdentities, UiRoleDetail } from './data.js'
import { identities, reportRoles, roleDetail, trustGraph } from './data.js'

export interface AuditReportView {
  readonly result: AuditResult
  readonly identities: UiIdentities
  readonly trustGraph: UiGraph
  readonly roles: readonly UiRoleDetail[]
}

export function auditReportView(result: AuditResult, graph: AuditGraph, generatedAt: string): AuditReportView {
  const a: UiAudit = { graph, result, generatedAt }
  const roles = reportRoles(a)
  for (const f of result.findings) {
    for (const r of f.resources) {
      const node = r.arn === undefined ? undefined : findRole(graph, r.arn)
      if (node !== undefined && !roles.includes(node)) roles.push(node)
    }
  }
  return {
    result,
    identities: identities(a),
    trustGraph: trustGraph(a),
    roles: roles.map((r) => roleDetail(a, r.obj.arn)).filter((d) => d !== undefined),
  }
}
