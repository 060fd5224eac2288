/**
 * The page shell: a skip link, the navigation, one `<main>`. On the server the stylesheet and
 * scripts are same-origin files (so the CSP needs no 'unsafe-inline'); in a report they are inlined
 * and allowed by their SHA-256 hashes in a CSP meta tag, so the file is self-contained and offline.
 */
import { createHash } from 'node:crypto'
import { APP_CSS } from './assets/app-css.js'
import { APP_JS } from './assets/app-js.js'
import { cytoscapeBundle } from './assets/cytoscape.js'
import { escapeHtml } from './html.js'
import { UI_BASE } from './links.js'

export type PageId = 'identities' | 'graph' | 'decisions' | 'findings' | 'role' | 'login'

/** Cytoscape looks for this id before injecting an inline `<style>` (which the CSP would refuse): our stylesheet carries it. */
const CYTOSCAPE_STYLESHEET_ID = '__________cytoscape_stylesheet'

export const ASSETS = {
  css: `${UI_BASE}/assets/app.css`,
  js: `${UI_BASE}/assets/app.js`,
  cytoscape: `${UI_BASE}/assets/cytoscape.min.js`,
} as const

/** The Content-Security-Policy of every dashboard response. */
export const UI_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const NAV: readonly { id: PageId; href: string; label: string }[] = [
  { id: 'identities', href: `${UI_BASE}/`, label: 'Identities' },
  { id: 'graph', href: `${UI_BASE}/graph`, label: 'Trust graph' },
  { id: 'decisions', href: `${UI_BASE}/decisions`, label: 'Live decisions' },
  { id: 'findings', href: `${UI_BASE}/findings`, label: 'Findings' },
]

export interface ServerPageOptions {
  readonly title: string
  readonly active: PageId
  readonly body: string
  /** Load cytoscape (the trust graph page). */
  readonly graph?: boolean
  /** Show navigation and the log-out button (not on the login page). */
  readonly signedIn?: boolean
}

export function serverPage(o: ServerPageOptions): string {
  const signedIn = o.signedIn ?? true
  const nav = signedIn
    ? `<nav aria-label="Dashboard"><ul>${NAV.map((n) => `<li><a href="${n.href}"${n.id === o.active ? ' aria-current="page"' : ''}>${n.label}</a></li>`).join('')}</ul></nav>
<form method="post" action="${UI_BASE}/logout"><button type="submit">Log out</button></form>`
    : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)} · irsa</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSETS.css}" id="${CYTOSCAPE_STYLESHEET_ID}">
${o.graph === true ? `<script src="${ASSETS.cytoscape}" defer></script>\n` : ''}<script src="${ASSETS.js}" defer></script>
</head><body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="${UI_BASE}/">irsa dashboard</a>
${nav}</header>
<main id="main" tabindex="-1">
${o.body}
</main></body></html>
`
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
}

export interface ReportPageOptions {
  readonly title: string
  /** Sections, each with an id and a label for the in-page navigation. */
  readonly sections: readonly { readonly id: string; readonly label: string; readonly html: string }[]
  readonly intro: string
}

/** A self-contained HTML file: CSS, cytoscape and the page script inline, allowed by hash. */
export function reportPage(o: ReportPageOptions): string {
  const cy = cytoscapeBundle()
  const csp = `default-src 'none'; style-src ${sha256(APP_CSS)}; script-src ${sha256(cy)} ${sha256(APP_JS)}; img-src data:`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${escapeHtml(o.title)}</title>
<style id="${CYTOSCAPE_STYLESHEET_ID}">${APP_CSS}</style>
</head><body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><span class="brand">${escapeHtml(o.title)}</span>
<nav aria-label="Report"><ul>${o.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.label)}</a></li>`).join('')}</ul></nav></header>
<main id="main" tabindex="-1">
${o.intro}
${o.sections.map((s) => `<div id="${escapeHtml(s.id)}">${s.html}</div>`).join('\n')}
</main>
<script id="cytoscape-lib">${cy}</script>
<script>${APP_JS}</script>
</body></html>
`
}
