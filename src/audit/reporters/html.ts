/**
 * One self-contained HTML file: inline CSS, the findings table, and an inline SVG of the graph
 * (workloads → service accounts → roles, coloured by tier). No scripts from the network, no fonts,
 * no images: it opens offline.
 */
import type { AuditResult } from '../audit.js'
import type { Severity } from '../finding.js'
import { SEVERITIES } from '../finding.js'
import type { AuditGraph } from '../graph.js'
import { findRole, tierOf } from '../graph.js'
import { resourceLabel } from './text.js'

const SEV_COLOR: Readonly<Record<Severity, string>> = { critical: '#8e24aa', high: '#d32f2f', medium: '#f57c00', low: '#0288d1', info: '#757575' }
const TIER_COLOR: Readonly<Record<string, string>> = { P0: '#8e24aa', P1: '#d32f2f', P2: '#f57c00', P3: '#fbc02d', P4: '#43a047' }

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
}

function graphSvg(graph: AuditGraph, flagged: ReadonlySet<string>, limit = 60): string {
  // Roles with findings first, then others; each with the SAs that name or can assume it.
  const roles = [...graph.roles].filter((r) => r.annotatedBy.length > 0 || r.reach.some((x) => x.admitted.length > 0))
  roles.sort((a, b) => Number(flagged.has(b.obj.arn)) - Number(flagged.has(a.obj.arn)) || a.obj.arn.localeCompare(b.obj.arn))
  const shown = roles.slice(0, limit)
  const saIds = new Map<string, number>()
  const edges: { sa: number; role: number; annotated: boolean; admitted: boolean }[] = []
  const saLabels: string[] = []
  shown.forEach((r, ri) => {
    const sas = new Set([...r.annotatedBy, ...r.reach.flatMap((x) => x.admitted).slice(0, 20)])
    for (const sa of sas) {
      const k = `${sa.cluster}/${sa.namespace}/${sa.name}`
      let id = saIds.get(k)
      if (id === undefined) {
        id = saLabels.length
        saIds.set(k, id)
        saLabels.push(`${sa.namespace}/${sa.name}`)
      }
      edges.push({ sa: id, role: ri, annotated: r.annotatedBy.includes(sa), admitted: sa.assumable.includes(r) })
    }
  })
  const rowH = 22
  const h = Math.max(shown.length, saLabels.length, 1) * rowH + 40
  const w = 1100
  const saX = 20
  const roleX = 620
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="service account to role graph">`]
  parts.push(`<text x="${saX}" y="16" class="hd">Service accounts</text><text x="${roleX}" y="16" class="hd">IAM roles (tier)</text>`)
  for (const e of edges) {
    const y1 = 34 + e.sa * rowH
    const y2 = 34 + e.role * rowH
    const stroke = e.annotated && e.admitted ? '#43a047' : e.annotated ? '#d32f2f' : '#f57c00'
    const dash = e.annotated ? '' : ' stroke-dasharray="4 3"'
    parts.push(`<path d="M${saX + 330} ${y1} C ${saX + 450} ${y1}, ${roleX - 120} ${y2}, ${roleX - 8} ${y2}" fill="none" stroke="${stroke}" stroke-width="1.4"${dash}/>`)
  }
  saLabels.forEach((l, i) => parts.push(`<text x="${saX}" y="${38 + i * rowH}">${escapeHtml(l.length > 48 ? `${l.slice(0, 47)}…` : l)}</text>`))
  shown.forEach((r, i) => {
    const y = 34 + i * rowH
    parts.push(`<circle cx="${roleX}" cy="${y}" r="6" fill="${TIER_COLOR[r.perms.tier] ?? '#999'}"/>`)
    parts.push(`<text x="${roleX + 12}" y="${y + 4}"${flagged.has(r.obj.arn) ? ' class="flag"' : ''}>${escapeHtml(r.obj.name)} (${r.perms.tier})</text>`)
  })
  parts.push('</svg>')
  const legend = `<p class="legend">Edges: <span style="color:#43a047">annotated and admitted</span> · <span style="color:#d32f2f">annotated, not admitted (broken binding)</span> · <span style="color:#f57c00">admitted, not annotated (hidden assumer)</span>. Tiers: ${Object.entries(TIER_COLOR).map(([t, c]) => `<span style="color:${c}">●</span> ${t}`).join(' ')}.${roles.length > limit ? ` Showing ${limit} of ${roles.length} roles.` : ''}</p>`
  return parts.join('') + legend
}

export function renderHtml(result: AuditResult, graph: AuditGraph, meta: { version: string; generatedAt: string }): string {
  const flagged = new Set(result.findings.flatMap((f) => f.resources.map((r) => r.arn).filter((a): a is string => a !== undefined)))
  const s = result.stats
  const rows = result.findings
    .map((f) => {
      const state = f.suppressed !== undefined ? `suppressed: ${escapeHtml(f.suppressed.reason)} (until ${escapeHtml(f.suppressed.expires)})` : f.baseline === true ? 'baseline' : 'new'
      const tier = f.resources.map((r) => (r.arn === undefined ? undefined : findRole(graph, r.arn))).find((r) => r !== undefined)
      return `<tr class="sev-${f.severity}"><td><span class="badge" style="background:${SEV_COLOR[f.severity]}">${f.severity}</span></td><td><b>${escapeHtml(f.ruleId)}</b><br><small>${escapeHtml(f.ref)} · ${escapeHtml(f.title)}</small></td><td>${escapeHtml(f.message)}<details><summary>resources, evidence, fix</summary><ul>${f.resources.map((r) => `<li>${escapeHtml(resourceLabel(r))}</li>`).join('')}</ul><pre>${escapeHtml(JSON.stringify(f.evidence, null, 2))}</pre><p><b>Fix:</b> ${escapeHtml(f.remediation)}</p><p><small>${escapeHtml([...f.mappings.nhi, ...f.mappings.csf, ...f.mappings.zt].join(' · '))} · ${f.fingerprint.slice(0, 16)}</small></p></details></td><td>${tier === undefined ? '' : tierOf(tier)}</td><td><small>${state}</small></td></tr>`
    })
    .join('\n')
  const counts = [...SEVERITIES].reverse().map((k) => `<span class="badge" style="background:${SEV_COLOR[k]}">${s.bySeverity[k]} ${k}</span>`).join(' ')
  const warnings = result.warnings.length === 0 ? '' : `<h2>Input warnings (${result.warnings.length})</h2><ul class="warn">${result.warnings.slice(0, 500).map((w) => `<li>${escapeHtml(w.file)}${w.object === undefined ? '' : ` (${escapeHtml(w.object)})`}: ${escapeHtml(w.message)}</li>`).join('')}</ul>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>irsa audit report</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#212121;background:#fafafa}
h1{margin:0 0 .3rem}table{border-collapse:collapse;width:100%;background:#fff}td,th{border-bottom:1px solid #e0e0e0;padding:.45rem;vertical-align:top;text-align:left}
.badge{color:#fff;border-radius:3px;padding:1px 6px;font-size:.8rem;white-space:nowrap}pre{background:#f5f5f5;padding:.5rem;overflow:auto;max-height:20rem;font-size:.8rem}
svg{background:#fff;border:1px solid #e0e0e0;font-size:12px}svg .hd{font-weight:bold}svg .flag{fill:#d32f2f;font-weight:bold}.legend{font-size:.85rem}.warn{font-size:.85rem;color:#6d4c41}
small{color:#616161}
</style></head><body>
<h1>irsa audit</h1>
<p><small>irsa ${escapeHtml(meta.version)} · ${escapeHtml(meta.generatedAt)} · ${s.clusters} cluster(s), ${s.namespaces} namespace(s), ${s.serviceAccounts} service account(s), ${s.workloads} workload object(s), ${s.roles} role(s) (${s.workloadRoles} workload roles)</small></p>
<p>${counts}${s.suppressed > 0 ? ` · ${s.suppressed} suppressed` : ''}${s.baselined > 0 ? ` · ${s.baselined} in baseline` : ''}</p>
<h2>Findings (${result.findings.length})</h2>
<table><thead><tr><th>Severity</th><th>Rule</th><th>Finding</th><th>Tier</th><th>State</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Graph</h2>
${graphSvg(graph, flagged)}
${warnings}
</body></html>
`
}
