/** HTML text helpers for the dashboard views: escaping, and small tagged fragments. Pure. */

/** Escape text for an HTML text node or a double/single-quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
}

/** JSON for a `<script type="application/json">` block: `<`, `>`, `&` and line separators escaped so it cannot close the element. */
export function jsonScript(id: string, value: unknown): string {
  const text = JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return `<script type="application/json" id="${escapeHtml(id)}">${text}</script>`
}

/** A pretty-printed JSON document (a policy) in a `<pre>`, or the raw text when it is not JSON. */
export function prettyJson(doc: unknown): string {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2)
  return `<pre class="json" tabindex="0">${escapeHtml(text ?? 'null')}</pre>`
}

/** The role's short name from its ARN (last path segment). */
export function roleNameOf(arn: string): string {
  const i = arn.lastIndexOf('/')
  return i < 0 ? arn : arn.slice(i + 1)
}
