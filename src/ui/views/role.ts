/**
 * Role detail: the trust policy and the permission policies (inline, attached managed, boundary),
 * pretty-printed; the effective permissions by privilege tier with the statements that grant them
 * (the auditor's permission analysis); who can assume it, including its EKS Pod Identity
 * associations; its findings.
 */
import type { UiRoleDetail } from '../data.js'
import { escapeHtml, prettyJson } from '../html.js'
import type { Links } from '../links.js'
import { roleAnchor } from '../links.js'
import { findingRow } from './findings.js'
import { statusBadge } from './identities.js'

export function tierBadge(tier: string | undefined, label?: string): string {
  return tier === undefined ? '' : `<span class="tier tier-${escapeHtml(tier)}">${escapeHtml(tier)}${label === undefined ? '' : ` · ${escapeHtml(label)}`}</span>`
}

function statementText(s: UiRoleDetail['statements'][number]): string {
  const what = s.actions.length > 0 ? s.actions.join(', ') : `NotAction ${s.notActions.join(', ')}`
  const on = s.resources.length > 0 ? s.resources.join(', ') : `NotResource ${s.notResources.join(', ')}`
  return `${s.effect} ${what} on ${on}${s.hasCondition ? ` if ${s.conditionKeys.join(', ')}` : ''}`
}

export function renderRole(d: UiRoleDetail, links: Links, headingLevel: 1 | 2 | 3 = 1): string {
  const h = `h${headingLevel}`
  const sub = `h${headingLevel + 1}`
  const id = links.mode === 'report' ? roleAnchor(d.name) : 'role'
  const byCategory = new Map<string, UiRoleDetail['sensitive'][number][]>()
  for (const s of d.sensitive) {
    const k = s.category.replace(/ \(.*\)$/, '')
    byCategory.set(k, [...(byCategory.get(k) ?? []), s])
  }
  const sensitive =
    d.sensitive.length === 0
      ? '<p>No sensitive action is allowed unconstrained.</p>'
      : [...byCategory.entries()]
          .map(([cat, list]) => `<details class="perm"${list.length <= 8 ? ' open' : ''}><summary>${escapeHtml(cat)} (${list.length})</summary><ul>${list.map((s) => `<li><code>${escapeHtml(s.action.startsWith('zz-irsa-audit:') ? '* (every action, every resource)' : s.action)}</code> <small>${escapeHtml(s.category)}</small>${s.statements.length > 0 ? ` ← granted by ${s.statements.map((x) => `<code>${escapeHtml(x)}</code>`).join(', ')}` : ''}</li>`).join('')}</ul></details>`)
          .join('')
  const statements =
    d.statements.length === 0
      ? '<p>No statements.</p>'
      : `<table><caption class="sr-only">Statements of the role's permission policies</caption><thead><tr><th scope="col">Policy</th><th scope="col">Statement</th><th scope="col">Grants</th></tr></thead><tbody>${d.statements
          .map((s) => `<tr><td>${escapeHtml(s.policy)}</td><td>[${s.index}]${s.sid === undefined ? '' : ` ${escapeHtml(s.sid)}`}</td><td><code>${escapeHtml(statementText(s))}</code></td></tr>`)
          .join('')}</tbody></table>`
  const who = d.whoCan
  const reach = d.reach.map((r) => `<li>${escapeHtml(r.issuer)}: scope <b>${escapeHtml(r.scope)}</b>${r.wildcardSubs.length > 0 ? ` — wildcard subjects <code>${escapeHtml(r.wildcardSubs.join(', '))}</code>` : ''}</li>`).join('')
  const policies = [
    ...d.inline.map((p) => `<${sub}>Inline policy ${escapeHtml(p.name)}</${sub}>${prettyJson(p.document)}`),
    ...d.attached.map((p) => `<${sub}>Attached managed policy ${escapeHtml(p.name)}</${sub}><p><small>${escapeHtml(p.arn)}${p.builtIn ? ' (AWS-managed, built-in copy)' : ''}</small></p>${p.document === undefined ? '<p>Document not available.</p>' : prettyJson(p.document)}`),
    ...(d.boundary === undefined ? [] : [`<${sub}>Permissions boundary</${sub}><p><small>${escapeHtml(d.boundary.arn)}</small></p>${d.boundary.document === undefined ? '<p>Document not available.</p>' : prettyJson(d.boundary.document)}`]),
  ]
  return `<section class="role" id="${escapeHtml(id)}" aria-labelledby="${escapeHtml(id)}-h">
<${h} id="${escapeHtml(id)}-h">Role ${escapeHtml(d.name)} ${tierBadge(d.tier, d.tierLabel)}</${h}>
<p><small>${escapeHtml(d.arn)}</small>${d.description === undefined ? '' : `<br>${escapeHtml(d.description)}`}</p>
<${sub}>Effective permissions (tier ${escapeHtml(d.tier ?? '?')}: ${escapeHtml(d.tierLabel ?? 'unknown')})</${sub}>
${sensitive}
${d.unknownPolicies.length > 0 ? `<p class="error">Not analysed (documents unavailable): ${escapeHtml(d.unknownPolicies.join(', '))}</p>` : ''}
<details><summary>All statements (${d.statements.length})</summary>${statements}</details>
<${sub}>Who can assume it</${sub}>
<ul>${reach || '<li>No web-identity trust.</li>'}</ul>
<ul>${who.serviceAccounts.map((s) => `<li>${escapeHtml(`${s.namespace}/${s.name}`)}: ${s.annotated ? 'bound' : 'not bound'}, ${s.admitted ? 'admitted by the trust' : '<strong>not admitted by the trust</strong>'}</li>`).join('') || '<li>No service account.</li>'}</ul>
<${sub}>Pod Identity associations (${d.associations.length})</${sub}>
${
  d.associations.length === 0
    ? '<p>None.</p>'
    : `<table class="associations"><caption class="sr-only">EKS Pod Identity associations naming this role</caption><thead><tr><th scope="col">Cluster</th><th scope="col">Service account</th><th scope="col">Association</th><th scope="col">Status</th><th scope="col">Why</th></tr></thead><tbody>${d.associations
        .map(
          (a) =>
            `<tr data-association="${escapeHtml(a.associationId ?? '')}" data-status="${a.status}" data-sa="${escapeHtml(`${a.namespace}/${a.serviceAccount}`)}"><td>${escapeHtml(a.cluster)}</td><td>${escapeHtml(`${a.namespace}/${a.serviceAccount}`)}</td><td>${escapeHtml(a.associationId ?? '(inferred)')}${a.associationArn === undefined ? '' : `<br><small>${escapeHtml(a.associationArn)}</small>`}</td><td>${statusBadge(a.status)}</td><td>${a.reasons.map((r) => escapeHtml(r)).join('<br>')}</td></tr>`,
        )
        .join('')}</tbody></table>`
}
${who.claimable.length > 0 ? `<p><strong>Claimable by whoever creates:</strong> ${escapeHtml(who.claimable.join('; '))}</p>` : ''}
<${sub}>Trust policy</${sub}>
${prettyJson(d.trustDocument)}
<${sub}>Permission policies</${sub}>
${policies.length === 0 ? '<p>None.</p>' : policies.join('\n')}
<${sub}>Findings (${d.findings.length})</${sub}>
${d.findings.length === 0 ? '<p>None.</p>' : `<table><caption class="sr-only">Findings about this role</caption><thead><tr><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Finding</th><th scope="col">Mappings</th><th scope="col">State</th></tr></thead><tbody>${d.findings.map((f) => findingRow(f, links)).join('\n')}</tbody></table>`}
</section>`
}
