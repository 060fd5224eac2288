/**
 * One self-contained HTML file, rendered with the dashboard's own views from a ready view model
 * (ui/report-view.ts): findings, identities (namespaces → service accounts → roles with each
 * binding's status), the interactive trust graph and every workload role in detail. CSS, cytoscape
 * and the page script are inlined and allowed by hash in the file's CSP; nothing is fetched, so it
 * opens offline.
 */
import { escapeHtml } from './html.js'
import { reportPage } from './layout.js'
import { reportLinks } from './links.js'
import type { AuditReportView } from './report-view.js'
import { renderFindings } from './views/findings.js'
import { renderIdentities } from './views/identities.js'
import { renderRole } from './views/role.js'
import { renderTrustGraph } from './views/trust-graph.js'

export function renderHtml(view: AuditReportView, meta: { version: string; generatedAt: string }): string {
  const { result, roles: details } = view
  const s = result.stats
  const intro = `<h1>irsa audit</h1>
<p><small>irsa ${escapeHtml(meta.version)} · ${escapeHtml(meta.generatedAt)} · ${s.clusters} cluster(s), ${s.namespaces} namespace(s), ${s.serviceAccounts} service account(s), ${s.workloads} workload object(s), ${s.roles} role(s) (${s.workloadRoles} workload roles)</small></p>`
  return reportPage({
    title: 'irsa audit report',
    intro,
    sections: [
      { id: 'findings', label: 'Findings', html: renderFindings(result, reportLinks, 2) },
      { id: 'identities', label: 'Identities', html: renderIdentities(view.identities, reportLinks, 2) },
      { id: 'trust-graph', label: 'Trust graph', html: renderTrustGraph(view.trustGraph, reportLinks, 2) },
      { id: 'roles', label: `Roles (${details.length})`, html: `<h2>Roles (${details.length})</h2>\n${details.map((d) => renderRole(d, reportLinks, 3)).join('\n')}` },
    ],
  })
}
