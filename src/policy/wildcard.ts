/**
 * Linear-time `*` / `?` glob matching, as IAM uses in Action, Resource, StringLike and ArnLike.
 *
 * A pattern is compiled once into chunks separated by `*`; each chunk is literal text in which some
 * positions may be `?` (any one character). Matching anchors the first chunk at the start and the
 * last at the end, and finds every middle chunk at its leftmost possible place: leftmost placement is
 * always safe, so nothing is ever retried and no regular expression is built from policy text.
 * The cost is O(|value| × |chunk|) at worst and O(|value|) for `?`-free chunks (indexOf).
 */

/** A token of a glob: literal text, `*` (any run, including empty) or `?` (exactly one character). */
export type GlobToken = string | typeof STAR | typeof ANY_CHAR

export const STAR: unique symbol = Symbol('glob.star')
export const ANY_CHAR: unique symbol = Symbol('glob.anyChar')

export interface Matcher {
  test(value: string): boolean
}

interface Chunk {
  readonly text: string
  /** Positions inside `text` that stand for `?`; undefined when the chunk has none. */
  readonly any: readonly boolean[] | undefined
}

const ALWAYS: Matcher = { test: () => true }

/** Split a policy string into glob tokens: `*` and `?` are wildcards, everything else literal. */
export function globTokens(pattern: string): GlobToken[] {
  const out: GlobToken[] = []
  let from = 0
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i)
    if (c === 42 /* * */ || c === 63 /* ? */) {
      if (i > from) out.push(pattern.slice(from, i))
      out.push(c === 42 ? STAR : ANY_CHAR)
      from = i + 1
    }
  }
  if (from < pattern.length) out.push(pattern.slice(from))
  return out
}

/** Compile tokens into a matcher. With `ignoreCase`, literals and values are compared lower-cased. */
export function compileGlob(tokens: readonly GlobToken[], ignoreCase = false): Matcher {
  const chunks: Chunk[] = []
  let text = ''
  let any: boolean[] | undefined
  let stars = 0
  const flush = (): void => {
    chunks.push({ text, any })
    text = ''
    any = undefined
  }
  for (const t of tokens) {
    if (t === STAR) {
      flush()
      stars++
    } else if (t === ANY_CHAR) {
      any ??= new Array<boolean>(text.length).fill(false)
      any.push(true)
      text += '?'
    } else {
      const lit = ignoreCase ? t.toLowerCase() : t
      if (any) for (let i = 0; i < lit.length; i++) any.push(false)
      text += lit
    }
  }
  flush()
  const fold = ignoreCase ? (v: string): string => v.toLowerCase() : (v: string): string => v

  if (stars === 0) {
    const only = chunks[0] as Chunk
    if (only.any === undefined) {
      const literal = only.text
      return { test: (v) => fold(v) === literal }
    }
    return { test: (v) => { const s = fold(v); return s.length === only.text.length && chunkAt(only, s, 0) } }
  }
  if (chunks.every((c) => c.text === '')) return ALWAYS

  const first = chunks[0] as Chunk
  const last = chunks[chunks.length - 1] as Chunk
  const middle = chunks.slice(1, -1).filter((c) => c.text !== '')
  const fixed = first.text.length + last.text.length + middle.reduce((n, c) => n + c.text.length, 0)
  return {
    test(v: string): boolean {
      const s = fold(v)
      if (s.length < fixed) return false
      if (!chunkAt(first, s, 0)) return false
      const end = s.length - last.text.length
      if (!chunkAt(last, s, end)) return false
      let pos = first.text.length
      for (const c of middle) {
        const at = findChunk(c, s, pos, end)
        if (at < 0) return false
        pos = at + c.text.length
      }
      return true
    },
  }
}

/** Compile a policy pattern string (`*`, `?` wildcards) into a matcher. */
export function compileWildcard(pattern: string, options: { ignoreCase?: boolean } = {}): Matcher {
  if (pattern === '*') return ALWAYS
  return compileGlob(globTokens(pattern), options.ignoreCase ?? false)
}

/** Whether policy text contains a wildcard character. */
export function hasWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?')
}

/** One-shot convenience; compile once with compileWildcard where a pattern is reused. */
export function matchWildcard(pattern: string, value: string, ignoreCase = false): boolean {
  return compileWildcard(pattern, { ignoreCase }).test(value)
}

function chunkAt(c: Chunk, s: string, at: number): boolean {
  const n = c.text.length
  if (c.any === undefined) return s.startsWith(c.text, at)
  if (at + n > s.length) return false
  for (let i = 0; i < n; i++) {
    if (!c.any[i] && s.charCodeAt(at + i) !== c.text.charCodeAt(i)) return false
  }
  return true
}

/** Leftmost index >= from where chunk `c` fits entirely before `limit`, or -1. */
function findChunk(c: Chunk, s: string, from: number, limit: number): number {
  const n = c.text.length
  if (c.any === undefined) {
    const at = s.indexOf(c.text, from)
    return at >= 0 && at + n <= limit ? at : -1
  }
  for (let at = from; at + n <= limit; at++) if (chunkAt(c, s, at)) return at
  return -1
}
