/**
 * One self-contained HTML file, rendered with the dashboard's own views (src/ui): findings,
 * identities (namespaces → service accounts → roles with each binding's status), the interactive
 * trust graph and every workload role in detail. CSS, cytoscape and the page script are inlined and
 * allowed by hash in the file's CSP; nothing is fetched, so it opens offline.
 */
import type { AuditResult } from '../audit/audit.js'
import type { AuditGraph } from '../audit/graph.js'
import { findRole } from '../audit/graph.js'
import type { UiAudit } from './data.js'
import { identities, reportRoles, roleDetail, trustGraph } from './data.js'
import { escapeHtml } from './html.js'
import { reportPage } from './layout.js'
import { reportLinks } from './links.js'
import { renderFindings } from './views/findings.js'
import { renderIdentities } from './views/identities.js'
import { renderRole } from './views/role.js'
import { renderTrustGraph } from './views/trust-graph.js'

export { escapeHtml }

export function renderHtml(result: AuditResult, graph: AuditGraph, meta: { version: string; generatedAt: string }): string {
  const a: UiAudit = { graph, result, generatedAt: meta.generatedAt }
  const roles = reportRoles(a)
  // Every role a finding names gets a section too, so the findings' links resolve.
  for (const f of result.findings) {
    for (const r of f.resources) {
      const node = r.arn === undefined ? undefined : findRole(graph, r.arn)
      if (node !== undefined && !roles.includes(node)) roles.push(node)
    }
  }
  const details = roles.map((r) => roleDetail(a, r.obj.arn)).filter((d) => d !== undefined)
  const s = result.stats
  const intro = `<h1>irsa audit</h1>
<p><small>irsa ${escapeHtml(meta.version)} · ${escapeHtml(meta.generatedAt)} · ${s.clusters} cluster(s), ${s.namespaces} namespace(s), ${s.serviceAccounts} service account(s), ${s.workloads} workload object(s), ${s.roles} role(s) (${s.workloadRoles} workload roles)</small></p>`
  return reportPage({
    title: 'irsa audit report',
    intro,
    sections: [
      { id: 'findings', label: 'Findings', html: renderFindings(result, reportLinks, 2) },
      { id: 'identities', label: 'Identities', html: renderIdentities(identities(a), reportLinks, 2) },
      { id: 'trust-graph', label: 'Trust graph', html: renderTrustGraph(trustGraph(a), reportLinks, 2) },
      { id: 'roles', label: `Roles (${details.length})`, html: `<h2>Roles (${details.length})</h2>\n${details.map((d) => renderRole(d, reportLinks, 3)).join('\n')}` },
    ],
  })
}
