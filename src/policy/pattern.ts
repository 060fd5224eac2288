/**
 * Compiled value patterns for Resource/NotResource, String and ARN condition values: policy text
 * (possibly with variables) compiled once; a static pattern becomes one matcher, a dynamic one is
 * resolved against each request. `match` answers true, false, or undefined when a variable has no
 * value (the pattern is "effectively null": positive operators fail, negated ones succeed).
 */
import type { RequestContext } from './context.js'
import { arnSegments, splitArnPattern } from './arn.js'
import { parseTemplate, resolveGlob, resolveText } from './template.js'
import type { Template } from './template.js'
import { compileGlob } from './wildcard.js'

export interface ValuePattern {
  readonly raw: string
  match(value: string, ctx: RequestContext): boolean | undefined
}

const EMPTY_CONTEXT: RequestContext = { get: () => undefined }

export interface TextPatternOptions {
  readonly variables: boolean
  readonly wildcards: boolean
  readonly ignoreCase: boolean
}

/** A whole-string pattern: StringEquals/StringLike values (and their IgnoreCase forms). */
export function compileTextPattern(raw: string, o: TextPatternOptions): ValuePattern {
  const t = parseTemplate(raw, o.variables)
  if (!o.wildcards) {
    if (!t.dynamic) {
      const lit = resolveText(t, EMPTY_CONTEXT) as string
      if (o.ignoreCase) {
        const folded = lit.toLowerCase()
        return { raw, match: (v) => v.toLowerCase() === folded }
      }
      return { raw, match: (v) => v === lit }
    }
    return {
      raw,
      match(v, ctx) {
        const lit = resolveText(t, ctx)
        if (lit === undefined) return undefined
        return o.ignoreCase ? v.toLowerCase() === lit.toLowerCase() : v === lit
      },
    }
  }
  return globPattern(raw, t, o.ignoreCase)
}

function globPattern(raw: string, t: Template, ignoreCase: boolean): ValuePattern {
  if (!t.dynamic) {
    const m = compileGlob(resolveGlob(t, EMPTY_CONTEXT, true) ?? [], ignoreCase)
    return { raw, match: (v) => m.test(v) }
  }
  return {
    raw,
    match(v, ctx) {
      const tokens = resolveGlob(t, ctx, true)
      return tokens === undefined ? undefined : compileGlob(tokens, ignoreCase).test(v)
    },
  }
}

export interface ArnPatternOptions {
  readonly variables: boolean
  /**
   * Fold case in partition, service, region and account. The Resource element does (these segments
   * are lower case by definition); ArnLike conditions are documented as case-sensitive.
   */
  readonly foldPrefix: boolean
}

/**
 * An ARN pattern matched segment by segment: a `*` never crosses a colon in the first five
 * segments, and spans anything in the resource segment. A pattern that is not ARN-shaped
 * (`*`, `arn:aws:*`) is matched against the whole value.
 */
export function compileArnPattern(raw: string, o: ArnPatternOptions): ValuePattern {
  const segs = splitArnPattern(raw)
  if (segs === undefined) return globPattern(raw, parseTemplate(raw, o.variables), false)
  const parts = segs.map((s, i) => {
    const t = parseTemplate(s, o.variables)
    return segmentPattern(s, t, i < 5 && o.foldPrefix)
  })
  return {
    raw,
    match(v, ctx) {
      const vs = arnSegments(v)
      if (vs === undefined) return false
      let unresolved = false
      for (let i = 0; i < 6; i++) {
        const r = (parts[i] as ValuePattern).match(vs[i] as string, ctx)
        if (r === false) return false
        if (r === undefined) unresolved = true
      }
      return unresolved ? undefined : true
    },
  }
}

function segmentPattern(raw: string, t: Template, ignoreCase: boolean): ValuePattern {
  if (raw === '*') return { raw, match: () => true }
  return globPattern(raw, t, ignoreCase)
}
