/**
 * Trust graph: service accounts, roles and OIDC providers drawn by cytoscape in the browser from a
 * JSON block, with wildcard trust and shared roles highlighted. The same edges are listed in a table
 * for keyboard and screen-reader users (the canvas is not navigable).
 */
import type { UiGraph, UiGraphEdge, UiGraphNode } from '../data.js'
import { escapeHtml, jsonScript } from '../html.js'
import type { Links } from '../links.js'

const EDGE_WORDS: Readonly<Record<UiGraphEdge['kind'], string>> = {
  bound: 'bound, trust admits it',
  broken: 'bound, but denied (broken)',
  admitted: 'trust admits it, not bound',
  trusts: 'trusts provider',
  'pod-identity': 'Pod Identity association, trust admits it',
  'pod-identity-broken': 'Pod Identity association, but EKS Auth is denied (broken)',
}

function nodeWords(n: UiGraphNode): string {
  const flags = [n.tier === undefined ? '' : `tier ${n.tier}`, n.wildcard === true ? 'wildcard trust' : '', n.shared === true ? 'shared' : ''].filter((x) => x !== '')
  return `${n.label}${flags.length > 0 ? ` (${flags.join(', ')})` : ''}`
}

export function renderTrustGraph(g: UiGraph, links: Links, headingLevel: 1 | 2 = 1): string {
  const h = `h${headingLevel}`
  const byId = new Map(g.nodes.map((n) => [n.id, n]))
  const nodes = g.nodes.map((n) => (n.kind === 'role' && n.roleArn !== undefined ? { ...n, href: links.role(n.roleArn, n.label) } : n))
  const count = (k: UiGraphNode['kind']): number => g.nodes.filter((n) => n.kind === k).length
  const wildcard = g.nodes.filter((n) => n.wildcard === true)
  const shared = g.nodes.filter((n) => n.shared === true)
  const podIdentity = g.edges.filter((e) => e.kind === 'pod-identity' || e.kind === 'pod-identity-broken').length
  const rows = g.edges
    .map((e) => {
      const s = byId.get(e.source)
      const t = byId.get(e.target)
      if (s === undefined || t === undefined) return ''
      const target = t.kind === 'role' && t.roleArn !== undefined ? `<a href="${escapeHtml(links.role(t.roleArn, t.label))}">${escapeHtml(nodeWords(t))}</a>` : escapeHtml(nodeWords(t))
      const words = e.kind === 'trusts' && t.kind === 'service' ? 'trusts service principal' : EDGE_WORDS[e.kind]
      return `<tr data-kind="${e.kind}"><td>${escapeHtml(nodeWords(s))}</td><td>${escapeHtml(words)}${e.wide === true ? ` <strong>(${escapeHtml(e.label ?? 'wide')} scope)</strong>` : ''}</td><td>${target}</td></tr>`
    })
    .join('\n')
  return `<section aria-labelledby="graph-h">
<${h} id="graph-h">Trust graph</${h}>
<p>${count('sa')} service account(s), ${count('role') + count('missing-role')} role(s), ${count('provider')} OIDC provider(s), ${podIdentity} Pod Identity association(s).
${wildcard.length > 0 ? `<strong>Wildcard trust:</strong> ${wildcard.map((n) => escapeHtml(n.label)).join(', ')}.` : 'No wildcard trust.'}
${shared.length > 0 ? `<strong>Shared roles:</strong> ${shared.map((n) => escapeHtml(n.label)).join(', ')}.` : 'No shared role.'}</p>
<p class="legend">Service accounts (squares) → roles (circles, coloured by privilege tier; thick purple border = wildcard trust; hexagon = shared) → OIDC providers (diamonds) or the Pod Identity principal pods.eks.amazonaws.com (blue tag).
Edges: <span class="sw sw-bound"></span>bound and admitted <span class="sw sw-broken"></span>bound but denied <span class="sw sw-admitted"></span>admitted, not bound <span class="sw sw-wide"></span>wide trust scope <span class="sw sw-podid"></span>Pod Identity association <span class="sw sw-podid-broken"></span>Pod Identity association, denied. Click a role to open it.</p>
<div id="graph" class="graph" role="img" aria-label="Trust graph of ${g.nodes.length} nodes and ${g.edges.length} edges; the table below lists the same edges"></div>
${jsonScript('graph-data', { nodes, edges: g.edges })}
<details><summary>The graph as a table (${g.edges.length} edges)</summary>
<table id="graph-table"><caption class="sr-only">Trust graph edges</caption><thead><tr><th scope="col">From</th><th scope="col">Relation</th><th scope="col">To</th></tr></thead><tbody>
${rows}
</tbody></table></details>
</section>`
}
