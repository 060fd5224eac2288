/**
 * A statement's Condition block, compiled. Operators are AND'd, keys within an operator AND'd,
 * values for a key OR'd (NOR'd for negated operators). Missing keys, empty sets and multivalued
 * request values follow the IAM User Guide:
 *
 * | request value        | plain op       | negated op | …IfExists | ForAnyValue | ForAllValues |
 * | key absent           | false          | true       | true      | false       | true         |
 * | empty list / ""(set) | (list) false   | false      | false     | false       | true         |
 * | one value            | op(v)          | op(v)      | op(v)     | op(v)       | op(v)        |
 * | several values       | false          | false      | false     | any op(v)   | every op(v)  |
 *
 * A plain operator needs a single value: AWS says multivalued keys "require a condition set
 * operator" and leaves the plain case undefined, so irsa does not let such a condition match
 * (a one-element list counts as its single value).
 */
import { IrsaError } from '../../errors.js'
import type { ContextEntry, RequestContext } from '../context.js'
import type { OperatorName } from './operator-name.js'
import { parseOperatorName } from './operator-name.js'
import type { AnyOperatorSpec, ValueTest } from './operator.js'
import { OPERATOR_SPECS } from './registry.js'

export interface CompiledClause {
  readonly operator: OperatorName
  /** The key as written, for explanations. */
  readonly key: string
  readonly lowerKey: string
  /** The values as written (numbers and booleans as their strings), for explanations and analysis. */
  readonly values: readonly string[]
  test(ctx: RequestContext): boolean
}

/** Compile `{ Operator: { Key: value | [values] } }`. Throws ERR_POLICY_OPERATOR / ERR_POLICY_SHAPE. */
export function compileCondition(block: unknown, variables: boolean, path: string): CompiledClause[] {
  if (block === null || typeof block !== 'object' || Array.isArray(block)) {
    throw new IrsaError('ERR_POLICY_SHAPE', 'Condition must be an object of operator → { key: value }', { path })
  }
  const clauses: CompiledClause[] = []
  for (const [opName, keys] of Object.entries(block)) {
    const op = parseOperatorName(opName)
    if (op === undefined) {
      throw new IrsaError('ERR_POLICY_OPERATOR', `Unknown condition operator "${opName}"`, { path: `${path}/${esc(opName)}` })
    }
    if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) {
      throw new IrsaError('ERR_POLICY_SHAPE', `Condition operator ${opName} must map keys to values`, { path: `${path}/${esc(opName)}` })
    }
    for (const [key, raw] of Object.entries(keys as Record<string, unknown>)) {
      const values = conditionValues(raw, `${path}/${esc(opName)}/${esc(key)}`)
      clauses.push(compileClause(op, key, values, variables))
    }
  }
  return clauses
}

function esc(s: string): string {
  return s.replaceAll('~', '~0').replaceAll('/', '~1')
}

function conditionValues(raw: unknown, path: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw]
  if (list.length === 0) throw new IrsaError('ERR_POLICY_SHAPE', 'A condition key needs at least one value', { path })
  return list.map((v: unknown) => {
    if (typeof v === 'string') return v
    if (typeof v === 'number' || typeof v === 'boolean') return String(v)
    throw new IrsaError('ERR_POLICY_SHAPE', 'Condition values must be strings, numbers or booleans', { path })
  })
}

function compileClause(op: OperatorName, key: string, values: string[], variables: boolean): CompiledClause {
  const lowerKey = key.toLowerCase()
  if (op.base === 'Null') {
    const wantAbsent = values.map((v) => v.toLowerCase())
    return {
      operator: op,
      key,
      lowerKey,
      values,
      test(ctx) {
        const present = ctx.get(lowerKey) !== undefined
        return wantAbsent.some((w) => (w === 'true' && !present) || (w === 'false' && present))
      },
    }
  }
  const spec = OPERATOR_SPECS[op.base]
  const useVars = variables && spec.variables
  const tests = values.map((v) => spec.compileValue(v, useVars)).filter((t): t is ValueTest<unknown> => t !== undefined)
  const single = singleValue(spec, tests)
  const { set, ifExists } = op
  const negated = spec.negated
  return {
    operator: op,
    key,
    lowerKey,
    values,
    test(ctx) {
      const v: ContextEntry | undefined = ctx.get(lowerKey)
      if (set === undefined) {
        if (v === undefined) return ifExists || negated
        if (typeof v === 'string') return single(v, ctx)
        return v.length === 1 ? single(v[0] as string, ctx) : false
      }
      if (v === undefined) return set === 'ForAllValues'
      const list = typeof v === 'string' ? (v === '' ? [] : [v]) : v
      if (set === 'ForAnyValue') return list.some((x) => single(x, ctx))
      return list.every((x) => single(x, ctx))
    },
  }
}

/** One request value against all policy values: OR for positive operators, NOR for negated ones. */
function singleValue(spec: AnyOperatorSpec, tests: ValueTest<unknown>[]): (v: string, ctx: RequestContext) => boolean {
  return (raw, ctx) => {
    const v = spec.parseRequest(raw)
    if (v === undefined) return false
    if (spec.negated) {
      for (const t of tests) if (t(v, ctx) === true) return false
      return true
    }
    for (const t of tests) if (t(v, ctx) === true) return true
    return false
  }
}
