/**
 * Just enough of DynamoDB's expression language to find which attributes a request touches and
 * which partition-key value a key condition fixes. One linear tokenizer, no regular expressions
 * over the expression text.
 */
import { GatewayError } from './gateway-error.js'
import type { JsonObject } from './protocol.js'

type Token =
  | { readonly t: 'name'; readonly v: string; readonly nested: boolean }
  | { readonly t: 'value'; readonly v: string }
  | { readonly t: 'word'; readonly v: string }
  | { readonly t: 'punct'; readonly v: string }

const KEYWORDS = new Set(['set', 'remove', 'add', 'delete', 'and', 'or', 'not', 'between', 'in'])

function isIdent(c: string | undefined, first: boolean): boolean {
  if (c === undefined) return false
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || (!first && c >= '0' && c <= '9')
}

function tokenize(expr: string, names: JsonObject | undefined): Token[] {
  const out: Token[] = []
  let i = 0
  let afterDot = false
  while (i < expr.length) {
    const c = expr[i] as string
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    if (c === ':' || c === '#') {
      let j = i + 1
      while (isIdent(expr[j], false)) j++
      const ref = expr.slice(i, j)
      if (j === i + 1) throw new GatewayError('InvalidParameter', `Invalid expression: ${c} without a name`)
      if (c === ':') out.push({ t: 'value', v: ref })
      else {
        const resolved = names !== undefined && Object.hasOwn(names, ref) ? names[ref] : undefined
        if (typeof resolved !== 'string') throw new GatewayError('InvalidParameter', `An expression attribute name used in the document path is not defined; attribute name: ${ref}`)
        out.push({ t: 'name', v: resolved, nested: afterDot })
      }
      afterDot = false
      i = j
      continue
    }
    if (isIdent(c, true)) {
      let j = i + 1
      while (isIdent(expr[j], false)) j++
      const word = expr.slice(i, j)
      let k = j
      while (expr[k] === ' ' || expr[k] === '\t') k++
      if (expr[k] === '(' || (!afterDot && KEYWORDS.has(word.toLowerCase()))) out.push({ t: 'word', v: word.toLowerCase() })
      else out.push({ t: 'name', v: word, nested: afterDot })
      afterDot = false
      i = j
      continue
    }
    if (c === '[') {
      const close = expr.indexOf(']', i)
      if (close < 0) throw new GatewayError('InvalidParameter', 'Invalid expression: unterminated [')
      i = close + 1
      continue
    }
    afterDot = c === '.'
    const two = expr.slice(i, i + 2)
    const op = two === '<=' || two === '>=' || two === '<>' ? two : c
    out.push({ t: 'punct', v: op })
    i += op.length
  }
  return out
}

/** Top-level attribute names an expression reads or writes (`a.b[1]` counts as `a`). */
export function expressionAttributes(expr: string | undefined, names: JsonObject | undefined): string[] {
  if (expr === undefined) return []
  const out: string[] = []
  for (const tok of tokenize(expr, names)) if (tok.t === 'name' && !tok.nested) out.push(tok.v)
  return out
}

/**
 * The `:value` a key condition binds the partition key to (`pk = :v`, `#pk = :v`, `:v = pk`), or
 * undefined when it binds none.
 */
export function partitionKeyPlaceholder(expr: string, partitionKey: string, names: JsonObject | undefined): string | undefined {
  const toks = tokenize(expr, names)
  for (let i = 0; i + 2 < toks.length; i++) {
    const [a, op, b] = [toks[i], toks[i + 1], toks[i + 2]]
    if (op?.t !== 'punct' || op.v !== '=') continue
    if (a?.t === 'name' && !a.nested && a.v === partitionKey && b?.t === 'value') return b.v
    if (b?.t === 'name' && !b.nested && b.v === partitionKey && a?.t === 'value') return a.v
  }
  return undefined
}

/** An AttributeValue (`{"S": "x"}`, `{"N": "1"}`, `{"B": "…"}`) as the string IAM compares. */
export function scalarAttributeValue(v: unknown, what: string): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const entries = Object.entries(v as JsonObject)
    const [type, value] = entries[0] ?? []
    if (entries.length === 1 && (type === 'S' || type === 'N' || type === 'B') && typeof value === 'string') return value
  }
  throw new GatewayError('InvalidParameter', `${what} must be a string, number or binary attribute value`)
}
