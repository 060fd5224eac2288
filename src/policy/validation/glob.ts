/**
 * Wildcard matching for validation (`*` any run, `?` one character), case-insensitive. A greedy
 * two-pointer scan with one backtrack point: linear in practice, and never a RegExp built from
 * policy text.
 */
export function globMatchesIgnoreCase(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase()
  const t = text.toLowerCase()
  let pi = 0
  let ti = 0
  let star = -1
  let mark = 0
  while (ti < t.length) {
    const pc = p[pi]
    if (pc !== undefined && (pc === '?' || pc === t[ti]) && pc !== '*') {
      pi++
      ti++
    } else if (pc === '*') {
      star = pi++
      mark = ti
    } else if (star >= 0) {
      pi = star + 1
      ti = ++mark
    } else {
      return false
    }
  }
  while (p[pi] === '*') pi++
  return pi === p.length
}

export function hasWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?')
}
