/**
 * Identities: namespaces → service accounts → roles, one row per binding with its status (working,
 * broken, over-broad) and why — IRSA bindings and EKS Pod Identity associations alike — and a search box (every word must match a row).
 */
import { CLUSTER } from '../../audit/load/store.js'
import type { BindingStatus, UiBinding, UiIdentities } from '../data.js'
import { escapeHtml } from '../html.js'
import type { Links } from '../links.js'

/** The "How" column: IRSA annotation, trust only, or an EKS Pod Identity association. */
const HOW: Readonly<Record<UiBinding['via'], string>> = { binding: 'bound', trust: 'trust only', 'pod-identity': 'pod identity' }

const STATUS_ORDER: readonly BindingStatus[] = ['broken', 'over-broad', 'working']

export function statusBadge(s: BindingStatus): string {
  return `<span class="status status-${s}">${s}</span>`
}

export function renderIdentities(ids: UiIdentities, links: Links, headingLevel: 1 | 2 = 1): string {
  const h = `h${headingLevel}`
  const total = ids.counts.working + ids.counts.broken + ids.counts['over-broad']
  const summary = STATUS_ORDER.map((s) => `${statusBadge(s)} ${ids.counts[s]}`).join(' · ')
  const groups = ids.namespaces
    .map((ns) => {
      const rows = ns.serviceAccounts.flatMap((sa) =>
        sa.bindings.map((b) => {
          const search = [ns.cluster, ns.name, sa.name, `${ns.name}/${sa.name}`, b.roleName, b.roleArn, b.status, b.via, HOW[b.via], b.associationId ?? ''].join(' ').toLowerCase()
          const href = b.roleFound ? links.role(b.roleArn, b.roleName) : undefined
          const role = href === undefined ? `${escapeHtml(b.roleName)} <small>(missing)</small>` : `<a href="${escapeHtml(href)}">${escapeHtml(b.roleName)}</a>`
          return (
            `<tr tabindex="0" data-search="${escapeHtml(search)}"${href === undefined ? '' : ` data-href="${escapeHtml(href)}"`} data-status="${b.status}" data-sa="${escapeHtml(`${ns.name}/${sa.name}`)}" data-role="${escapeHtml(b.roleName)}">` +
            `<td>${escapeHtml(sa.name)}</td>` +
            `<td>${role}${b.tier === undefined ? '' : ` <span class="tier tier-${b.tier}" title="privilege tier">${b.tier}</span>`}<br><small>${escapeHtml(b.roleArn)}</small></td>` +
            `<td>${HOW[b.via]}${b.associationId === undefined ? '' : `<br><small>${escapeHtml(b.associationId)}</small>`}</td>` +
            `<td>${statusBadge(b.status)}</td>` +
            `<td>${b.reasons.map((r) => escapeHtml(r)).join('<br>')}</td></tr>`
          )
        }),
      )
      const cluster = ns.cluster === CLUSTER ? '' : ` <small>(cluster ${escapeHtml(ns.cluster)})</small>`
      return `<tbody><tr class="ns"><th colspan="5" scope="rowgroup">Namespace ${escapeHtml(ns.name)}${cluster}</th></tr>\n${rows.join('\n')}</tbody>`
    })
    .join('\n')
  const empty = ids.namespaces.length === 0 ? '<tbody><tr><td colspan="5">No service account is bound to a role.</td></tr></tbody>' : ''
  return `<section aria-labelledby="identities-h">
<${h} id="identities-h">Identities</${h}>
<p>${total} binding(s): ${summary}</p>
<div class="controls"><label for="search">Search namespaces, service accounts, roles, status
<input id="search" type="search" autocomplete="off" aria-controls="identities-table" aria-describedby="search-status" placeholder="e.g. payments broken"></label>
<p id="search-status" class="muted" role="status" aria-live="polite">${total} ${total === 1 ? 'binding' : 'bindings'} shown</p></div>
<table id="identities-table"><caption class="sr-only">Service-account bindings by namespace</caption>
<thead><tr><th scope="col">Service account</th><th scope="col">Role</th><th scope="col">How</th><th scope="col">Status</th><th scope="col">Why</th></tr></thead>
${groups}${empty}
</table>
</section>`
}
