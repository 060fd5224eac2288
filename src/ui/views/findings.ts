/** Findings: the auditor's result, worst first, with resources, evidence, the fix and the framework mappings. */
import type { AuditResult } from '../../audit/audit.js'
import { SEVERITIES } from '../../audit/finding.js'
import type { Finding } from '../../audit/finding.js'
import { resourceLabel } from '../../audit/reporters/text.js'
import { escapeHtml } from '../html.js'
import type { Links } from '../links.js'

export function severityBadge(s: Finding['severity']): string {
  return `<span class="sev sev-${s}">${s}</span>`
}

function state(f: Finding): string {
  if (f.suppressed !== undefined) return `suppressed: ${escapeHtml(f.suppressed.reason)} (until ${escapeHtml(f.suppressed.expires)})`
  return f.baseline === true ? 'baseline' : 'new'
}

export function findingRow(f: Finding, links: Links): string {
  const resources = f.resources
    .map((r) => {
      const text = escapeHtml(resourceLabel(r))
      return r.arn !== undefined && r.kind === 'IAMRole' ? `<li><a href="${escapeHtml(links.role(r.arn, r.name))}">${text}</a></li>` : `<li>${text}</li>`
    })
    .join('')
  const mappings = [
    f.mappings.nhi.length > 0 ? `OWASP NHI: ${f.mappings.nhi.join(', ')}` : '',
    f.mappings.csf.length > 0 ? `NIST CSF 2.0: ${f.mappings.csf.join(', ')}` : '',
    f.mappings.zt.length > 0 ? `SP 800-207: ${f.mappings.zt.join(', ')}` : '',
  ].filter((x) => x !== '')
  const search = [f.ruleId, f.ref, f.title, f.severity, f.message, ...f.resources.map(resourceLabel)].join(' ').toLowerCase()
  return `<tr data-search="${escapeHtml(search)}" data-severity="${f.severity}" data-rule="${escapeHtml(f.ruleId)}"><td>${severityBadge(f.severity)}</td><td><b>${escapeHtml(f.ruleId)}</b><br><small>${escapeHtml(f.ref)} · ${escapeHtml(f.title)}</small></td><td>${escapeHtml(f.message)}<details><summary>Resources, evidence, fix</summary><ul>${resources}</ul><pre>${escapeHtml(JSON.stringify(f.evidence, null, 2))}</pre><p><b>Fix:</b> ${escapeHtml(f.remediation)}</p></details></td><td><small>${escapeHtml(mappings.join(' · '))}</small></td><td><small>${state(f)}</small></td></tr>`
}

export function renderFindings(result: AuditResult, links: Links, headingLevel: 1 | 2 = 1, title = 'Findings'): string {
  const h = `h${headingLevel}`
  const s = result.stats
  const counts = [...SEVERITIES].reverse().map((k) => `${severityBadge(k)} ${s.bySeverity[k]}`).join(' · ')
  const warnings =
    result.warnings.length === 0
      ? ''
      : `<details><summary>Input warnings (${result.warnings.length})</summary><ul>${result.warnings
          .slice(0, 500)
          .map((w) => `<li>${escapeHtml(w.file)}${w.object === undefined ? '' : ` (${escapeHtml(w.object)})`}: ${escapeHtml(w.message)}</li>`)
          .join('')}</ul></details>`
  return `<section aria-labelledby="findings-h">
<${h} id="findings-h">${escapeHtml(title)} (${result.findings.length})</${h}>
<p>${counts}${s.suppressed > 0 ? ` · ${s.suppressed} suppressed` : ''}${s.baselined > 0 ? ` · ${s.baselined} in baseline` : ''}</p>
<p class="muted">${s.clusters} cluster(s), ${s.namespaces} namespace(s), ${s.serviceAccounts} service account(s), ${s.workloads} workload object(s), ${s.roles} role(s) (${s.workloadRoles} workload roles); ${result.rules.length} rules run.</p>
<table id="findings-table"><caption class="sr-only">Audit findings, worst first</caption>
<thead><tr><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Finding</th><th scope="col">Mappings</th><th scope="col">State</th></tr></thead><tbody>
${result.findings.length === 0 ? '<tr><td colspan="5">No findings.</td></tr>' : result.findings.map((f) => findingRow(f, links)).join('\n')}
</tbody></table>
${warnings}
</section>`
}
