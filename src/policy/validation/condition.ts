/** Condition: `{ operator: { key: value | [values] } }`, with operator names, keys and values checked. */
import { parseOperatorName } from '../condition/operator-name.js'
import type { OperatorName } from '../condition/operator-name.js'
import { VENDOR_PREFIX_MESSAGE } from './action.js'
import { syntaxError } from './context.js'
import type { Located, ValidationContext } from './context.js'
import { valueFamily, valueFormatProblem } from './condition-value.js'
import { describe, items, members } from './nodes.js'
import type { Member } from './nodes.js'

/** OIDC claims IAM treats as single-valued: set operators on them are a mistake in a trust policy. */
const SINGLE_VALUED_OIDC_CLAIMS = ['sub', 'aud']

const EXACT_STRING_OPERATORS = new Set(['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase'])

type Scalar = string | number | boolean

/** `vendor:name`; condition keys may hold more colons (tag keys like `aws:RequestTag/a:b`). */
function hasVendorPrefix(key: string): boolean {
  const colon = key.indexOf(':')
  return colon > 0 && colon < key.length - 1
}

/** A claim key of an OIDC provider: `<issuer host/path>:<claim>`, not an AWS-service key. */
function oidcClaim(key: string): string | undefined {
  const colon = key.lastIndexOf(':')
  const prefix = key.slice(0, colon)
  if (colon <= 0 || key.indexOf(':') !== colon || !prefix.includes('.')) return undefined
  return key.slice(colon + 1).toLowerCase()
}

function scalarValues(ctx: ValidationContext, op: string, entry: Member): { value: Scalar; at: Located }[] | undefined {
  const { node } = entry.at
  const wrong = (at: Located, what: string): void =>
    ctx.error(
      syntaxError(`Condition ${op} key "${entry.key}" must have a string, number or boolean value (or an array of them), not ${what}.`),
      at,
    )
  if (node.type === 'string' || node.type === 'number' || node.type === 'boolean') {
    return [{ value: node.value as Scalar, at: entry.at }]
  }
  if (node.type !== 'array') {
    wrong(entry.at, describe(node))
    return undefined
  }
  const list = items(entry.at)
  if (list.length === 0) {
    ctx.error(syntaxError(`Condition ${op} key "${entry.key}" must not have an empty array of values.`), entry.at)
    return undefined
  }
  const out: { value: Scalar; at: Located }[] = []
  for (const item of list) {
    const t = item.node.type
    if (t === 'string' || t === 'number' || t === 'boolean') out.push({ value: item.node.value as Scalar, at: item })
    else wrong(item, `an array holding ${describe(item.node)}`)
  }
  return out.length === list.length ? out : undefined
}

function lintSetOperator(ctx: ValidationContext, op: OperatorName, entry: Member): void {
  if (ctx.kind !== 'trust' || op.set === undefined) return
  const claim = oidcClaim(entry.key)
  if (claim === undefined || !SINGLE_VALUED_OIDC_CLAIMS.includes(claim)) return
  const plain = `${op.base}${op.ifExists ? 'IfExists' : ''}`
  const why =
    op.set === 'ForAllValues'
      ? 'ForAllValues is also true when the key is missing from the request, so this can match tokens without the claim.'
      : 'set operators are for multivalued keys.'
  ctx.warn(
    'SetOperatorOnSingleValuedKey',
    `${op.raw} on single-valued key "${entry.key}": ${why} Use ${plain}.`,
    entry.keyAt,
  )
}

function lintExactMatchWildcard(ctx: ValidationContext, op: OperatorName, key: string, value: Scalar, at: Located): void {
  if (!EXACT_STRING_OPERATORS.has(op.base) || typeof value !== 'string') return
  if (!value.replaceAll('${*}', '').includes('*')) return
  ctx.warn(
    'WildcardInExactMatch',
    `${op.raw} compares "${value}" for key "${key}" literally: "*" is not a wildcard here. Use ${op.base.includes('Not') ? 'StringNotLike' : 'StringLike'} to match a pattern.`,
    at,
  )
}

/** Validate a statement's Condition element. */
export function checkCondition(ctx: ValidationContext, at: Located): void {
  if (at.node.type !== 'object') {
    ctx.error(syntaxError(`Condition must be an object of condition operators, not ${describe(at.node)}.`), at)
    return
  }
  for (const block of members(at)) {
    const op = parseOperatorName(block.key)
    if (op === undefined) {
      ctx.error(syntaxError(`Unknown condition operator "${block.key}".`), block.keyAt)
      continue
    }
    if (block.at.node.type !== 'object') {
      ctx.error(syntaxError(`Condition operator ${block.key} must map condition keys to values, not be ${describe(block.at.node)}.`), block.at)
      continue
    }
    const family = valueFamily(op.base)
    for (const entry of members(block.at)) {
      if (!hasVendorPrefix(entry.key)) {
        ctx.error(`${VENDOR_PREFIX_MESSAGE} Condition key "${entry.key}" has no vendor prefix.`, entry.keyAt)
      }
      lintSetOperator(ctx, op, entry)
      const values = scalarValues(ctx, block.key, entry)
      if (values === undefined) continue
      for (const { value, at: valueAt } of values) {
        const expected = valueFormatProblem(family, value)
        if (expected !== undefined) {
          const prefix = family === 'date' ? 'The policy failed legacy parsing. ' : ''
          ctx.error(`${prefix}Condition ${block.key} value ${JSON.stringify(value)} for key "${entry.key}" must be ${expected}.`, valueAt)
        }
        lintExactMatchWildcard(ctx, op, entry.key, value, valueAt)
      }
    }
  }
}
