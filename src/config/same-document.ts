/**
 * Whether two policy documents are the same JSON value, ignoring formatting and key order (and a
 * URL-encoded form, as IAM returns documents). Deciding "unchanged" this way keeps a re-applied
 * config from creating policy versions or trust updates for whitespace.
 */
export function sameDocument(a: string, b: string): boolean {
  const parse = (t: string): unknown => {
    try {
      return JSON.parse(t)
    } catch {
      try {
        return JSON.parse(decodeURIComponent(t))
      } catch {
        return t
      }
    }
  }
  return canonicalJson(parse(a)) === canonicalJson(parse(b))
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v)
}
