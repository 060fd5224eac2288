/**
 * Live decisions: the decision log, newest first, filterable by outcome, role and namespace; a
 * denial shows its code, reason and deciding statement. The page's script appends new decisions
 * from the server-sent event stream (same columns as `decisionRow`).
 */
import type { DecisionFilter, UiDecision } from '../data.js'
import { escapeHtml } from '../html.js'

/** `role/name` from a role ARN (the account is the dashboard's own). */
export function shortArn(arn: string | undefined): string {
  return arn === undefined ? '' : arn.slice(arn.lastIndexOf(':') + 1)
}

export function decisionRow(d: UiDecision): string {
  const why = `${d.code === undefined ? '' : `<b>${escapeHtml(d.code)}</b> `}${escapeHtml(d.reason ?? '')}${d.statements.length > 0 ? `<div class="muted">Deciding statement: ${escapeHtml(d.statements.join('; '))}</div>` : ''}`
  return `<tr tabindex="0" data-id="${d.id ?? ''}" data-outcome="${d.outcome}"><td>${escapeHtml(d.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</td><td><span class="badge out-${d.outcome}">${d.outcome}</span></td><td>${escapeHtml(d.action)}</td><td${d.roleArn === undefined ? '' : ` title="${escapeHtml(d.roleArn)}"`}>${escapeHtml(shortArn(d.roleArn))}</td><td>${escapeHtml(d.subject ?? d.principal ?? '')}</td><td>${why}</td></tr>`
}

export function renderDecisions(rows: readonly UiDecision[], filter: DecisionFilter, streamUrl: string | undefined): string {
  const opt = (v: string, label: string): string => `<option value="${v}"${(filter.outcome ?? '') === v ? ' selected' : ''}>${label}</option>`
  const newest = [...rows].reverse()
  return `<section aria-labelledby="decisions-h">
<h1 id="decisions-h">Live decisions</h1>
<form class="controls" method="get" action="">
<label for="f-outcome">Outcome<select id="f-outcome" name="outcome">${opt('', 'Any')}${opt('Allow', 'Allow')}${opt('Deny', 'Deny')}${opt('Error', 'Error')}</select></label>
<label for="f-role">Role (name or ARN contains)<input id="f-role" name="role" type="text" value="${escapeHtml(filter.role ?? '')}"></label>
<label for="f-namespace">Namespace<input id="f-namespace" name="namespace" type="text" value="${escapeHtml(filter.namespace ?? '')}"></label>
<button class="primary" type="submit">Filter</button>
</form>
<p class="live"><span id="live-status" role="status" aria-live="polite">${streamUrl === undefined ? 'Not live' : 'Live: connecting…'}</span> · <span id="decision-count">${rows.length}</span> decision(s) shown, newest first.</p>
<table id="decisions"${streamUrl === undefined ? '' : ` data-stream="${escapeHtml(streamUrl)}"`}><caption class="sr-only">Decision log, newest first</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Outcome</th><th scope="col">Action</th><th scope="col">Role</th><th scope="col">Subject</th><th scope="col">Why</th></tr></thead>
<tbody>
${newest.length === 0 ? '<tr class="empty"><td colspan="6">No decision matches yet.</td></tr>' : newest.map(decisionRow).join('\n')}
</tbody></table>
</section>`
}
