/**
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, `${*}` `${?}` `${$}`)
 * inside Resource and String/ARN condition values. Only Version 2012-10-17 documents have variables;
 * in older ones `${…}` is literal text. A value comes only from a single-valued key; a missing or
 * multivalued key with no default leaves the template unresolved (AWS: "effectively null").
 */
import type { RequestContext } from './context.js'
import { globTokens } from './wildcard.js'
import type { GlobToken } from './wildcard.js'

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'var'; readonly key: string; readonly fallback: string | undefined }

export interface Template {
  readonly raw: string
  readonly parts: readonly TemplatePart[]
  /** True when at least one part is a variable to look up in the request. */
  readonly dynamic: boolean
}

const SPECIAL: Readonly<Record<string, string>> = { '*': '*', '?': '?', $: '$' }

/**
 * Parse `${key}` / `${key, 'default'}` / `${*}` references. Anything that is not a well-formed
 * reference stays literal text. Special characters produced by `${*}` etc. are literal, never
 * wildcards: the caller's glob treats text parts as patterns and variable results as literals, so
 * a special is kept as a variable-like literal part.
 */
export function parseTemplate(raw: string, variables: boolean): Template {
  if (!variables || !raw.includes('${')) return { raw, parts: [{ kind: 'text', text: raw }], dynamic: false }
  const parts: TemplatePart[] = []
  let text = ''
  let dynamic = false
  let i = 0
  while (i < raw.length) {
    const open = raw.indexOf('${', i)
    if (open < 0) break
    const close = referenceEnd(raw, open + 2)
    if (close < 0) break
    const ref = parseReference(raw.slice(open + 2, close))
    if (ref === undefined) {
      text += raw.slice(i, open + 2)
      i = open + 2
      continue
    }
    text += raw.slice(i, open)
    if (text !== '') parts.push({ kind: 'text', text })
    text = ''
    parts.push(ref)
    if (ref.kind === 'var' && ref.key !== '') dynamic = true
    i = close + 1
  }
  text += raw.slice(i)
  if (text !== '') parts.push({ kind: 'text', text })
  return { raw, parts, dynamic }
}

/** Index of the `}` closing a reference whose body starts at `from`; a quoted default may hold `}`. */
function referenceEnd(raw: string, from: number): number {
  const close = raw.indexOf('}', from)
  const comma = raw.indexOf(',', from)
  if (comma < 0 || close < comma) return close
  let i = comma + 1
  while (raw[i] === ' ') i++
  if (raw[i] !== "'") return close
  const endQuote = raw.indexOf("'", i + 1)
  if (endQuote < 0) return close
  let j = endQuote + 1
  while (raw[j] === ' ') j++
  return raw[j] === '}' ? j : close
}

/** A special (`${*}`) is represented as a variable part with an empty key and its literal as fallback. */
function parseReference(body: string): (TemplatePart & { kind: 'var' }) | undefined {
  const special = SPECIAL[body]
  if (special !== undefined) return { kind: 'var', key: '', fallback: special }
  const comma = body.indexOf(',')
  const name = (comma < 0 ? body : body.slice(0, comma)).trim()
  if (name === '' || /\s/.test(name)) return undefined
  if (comma < 0) return { kind: 'var', key: name.toLowerCase(), fallback: undefined }
  const rest = body.slice(comma + 1).trim()
  if (rest.length < 2 || !rest.startsWith("'") || !rest.endsWith("'")) return undefined
  return { kind: 'var', key: name.toLowerCase(), fallback: rest.slice(1, -1) }
}

/** The value a variable part takes in this request, or undefined when it has none. */
function lookup(part: TemplatePart & { kind: 'var' }, ctx: RequestContext): string | undefined {
  if (part.key === '') return part.fallback
  const v = ctx.get(part.key)
  if (typeof v === 'string') return v
  return part.fallback
}

/** Resolve to a plain string; undefined when some variable has no value. */
export function resolveText(t: Template, ctx: RequestContext): string | undefined {
  if (!t.dynamic && t.parts.length === 1 && t.parts[0]?.kind === 'text') return t.raw
  let out = ''
  for (const p of t.parts) {
    if (p.kind === 'text') out += p.text
    else {
      const v = lookup(p, ctx)
      if (v === undefined) return undefined
      out += v
    }
  }
  return out
}

/**
 * Resolve to glob tokens: wildcards in the policy's own text are wildcards, text that came from a
 * variable (or a `${*}` special) is literal. Undefined when some variable has no value.
 */
export function resolveGlob(t: Template, ctx: RequestContext, wildcards: boolean): GlobToken[] | undefined {
  const out: GlobToken[] = []
  for (const p of t.parts) {
    if (p.kind === 'text') {
      if (!wildcards) out.push(p.text)
      else for (const t of globTokens(p.text)) out.push(t)
    } else {
      const v = lookup(p, ctx)
      if (v === undefined) return undefined
      out.push(v)
    }
  }
  return out
}
