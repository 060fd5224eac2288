/**
 * `irsa investigate --cloudtrail --format html`: one self-contained HTML file with the report page
 * shell (CSS and scripts inline, allowed by hash, nothing fetched): the anomalies, a timeline of every
 * session's events (oldest first, anomalous events marked), the blast radius and the recommended
 * commands. Pure: the investigation in, the HTML out.
 */
import type { CloudTrailInvestigation } from '../respond/cloudtrail/investigation.js'
import type { ReachableRole } from '../respond/blast-radius.js'
import { escapeHtml, jsonScript, prettyJson } from './html.js'
import { reportPage } from './layout.js'

function anomaliesHtml(inv: CloudTrailInvestigation): string {
  if (inv.anomalies.length === 0) return '<h2>Anomalies</h2><p>None.</p>'
  const rows = inv.anomalies.map(
    (a) =>
      `<tr><td><span class="badge sev-high">${escapeHtml(a.kind)}</span></td><td>${escapeHtml(a.serviceAccount)}</td><td>${escapeHtml(a.summary)}</td><td><small>${a.eventIds.map((id) => `<a href="#ev-${escapeHtml(id)}">${escapeHtml(id)}</a>`).join(' ')}</small></td></tr>`,
  )
  return `<h2>Anomalies (${inv.anomalies.length})</h2>
<table><thead><tr><th scope="col">Kind</th><th scope="col">Service account</th><th scope="col">What</th><th scope="col">Events</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`
}

function timelineHtml(inv: CloudTrailInvestigation): string {
  const flagged = new Map<string, string[]>()
  for (const a of inv.anomalies) for (const id of a.eventIds) flagged.set(id, [...(flagged.get(id) ?? []), a.kind])
  const rows: { at: string; html: string }[] = []
  for (const s of inv.sessions) {
    const kinds = flagged.get(s.issuedBy) ?? []
    rows.push({
      at: s.issued,
      html: `<tr id="ev-${escapeHtml(s.issuedBy)}"><td>${escapeHtml(s.issued)}</td><td>${escapeHtml(s.accessKeyId)}</td><td><b>issued</b> (${escapeHtml(s.via)}) ${escapeHtml(s.roleArn)}${s.sessionName === undefined ? '' : ` session ${escapeHtml(s.sessionName)}`}</td><td>${escapeHtml(s.sourceIPAddress ?? '')}</td><td>${escapeHtml(s.userAgent ?? '')}</td><td>${kinds.map(escapeHtml).join(', ')}</td></tr>`,
    })
    for (const e of s.events) {
      const k = flagged.get(e.eventId) ?? []
      const outcome = e.errorCode === undefined ? '<span class="badge out-Allow">OK</span>' : `<span class="badge out-Deny">${escapeHtml(e.errorCode)}</span>`
      rows.push({
        at: e.eventTime,
        html: `<tr id="ev-${escapeHtml(e.eventId)}"><td>${escapeHtml(e.eventTime)}</td><td>${escapeHtml(s.accessKeyId)}</td><td>${outcome} ${escapeHtml(e.action)}${e.awsRegion === undefined ? '' : ` <small>${escapeHtml(e.awsRegion)}</small>`}</td><td>${escapeHtml(e.sourceIPAddress ?? '')}</td><td>${escapeHtml(e.userAgent ?? '')}</td><td>${k.map(escapeHtml).join(', ')}</td></tr>`,
      })
    }
  }
  rows.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  return `<h2>Timeline (${inv.sessions.length} session(s), ${inv.summary.events} event(s))</h2>
<table><thead><tr><th scope="col">Time</th><th scope="col">Key</th><th scope="col">Event</th><th scope="col">Source</th><th scope="col">User agent</th><th scope="col">Anomaly</th></tr></thead>
<tbody>${rows.length === 0 ? '<tr><td colspan="6">No session.</td></tr>' : rows.map((r) => r.html).join('\n')}</tbody></table>`
}

function roleItem(r: ReachableRole): string {
  return `<li><span class="badge tier-${escapeHtml(r.tier ?? 'P4')}">${escapeHtml(r.tier ?? '?')}</span> ${escapeHtml(r.arn)} <small>${escapeHtml(r.tierLabel ?? '')}${r.sensitive.length === 0 ? '' : ` · ${r.sensitive.map((s) => `${s.category}: ${s.action}`).join('; ')}`}</small></li>`
}

function blastRadiusHtml(inv: CloudTrailInvestigation): string {
  const b = inv.blastRadius
  if (b === null) return '<h2>Blast radius</h2><p>Not computed: give <code>--iam</code> (and <code>--kubernetes</code>).</p>'
  const sas = b.serviceAccounts.map((s) => `<h3>${escapeHtml(s.serviceAccount)}</h3><ul>${s.roles.map(roleItem).join('')}</ul>`)
  const roles = b.roles.map((r) => `<li>${escapeHtml(r.role)}: ${r.found ? escapeHtml(`${r.tier ?? ''} ${r.tierLabel ?? ''}`) : 'not in the IAM export'}</li>`)
  return `<h2>Blast radius</h2>${sas.join('\n')}<h3>Roles used</h3><ul>${roles.join('')}</ul>`
}

function recommendationsHtml(inv: CloudTrailInvestigation): string {
  if (inv.recommendations.length === 0) return '<h2>Recommendations</h2><p>None: no anomaly.</p>'
  return `<h2>Recommendations</h2>${inv.recommendations
    .map((r) => `<h3>${escapeHtml(r.accessKeyId)} <small>${escapeHtml(r.because.join(', '))}</small></h3><pre tabindex="0">${escapeHtml(r.command)}</pre>${r.denySession === undefined ? '' : prettyJson(r.denySession)}`)
    .join('\n')}`
}

export function renderCloudTrailHtml(inv: CloudTrailInvestigation, meta: { version: string }): string {
  const s = inv.summary
  const intro = `<h1>irsa investigate: CloudTrail</h1>
<p><small>irsa ${escapeHtml(meta.version)} · ${escapeHtml(inv.generatedAt)} · ${inv.inputs.records} record(s) in ${inv.inputs.files} file(s) · ${s.sessions} session(s) of ${escapeHtml(s.serviceAccounts.join(', ') || 'no service account')}</small></p>
${jsonScript('investigation-data', { summary: inv.summary, anomalies: inv.anomalies })}`
  return reportPage({
    title: 'irsa CloudTrail investigation',
    intro,
    sections: [
      { id: 'anomalies', label: 'Anomalies', html: anomaliesHtml(inv) },
      { id: 'timeline', label: 'Timeline', html: timelineHtml(inv) },
      { id: 'blast-radius', label: 'Blast radius', html: blastRadiusHtml(inv) },
      { id: 'recommendations', label: 'Recommendations', html: recommendationsHtml(inv) },
    ],
  })
}
