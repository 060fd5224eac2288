/**
 * Condition operator names: the base operators AWS documents, and the grammar around them
 * (`ForAllValues:` / `ForAnyValue:` prefixes, `IfExists` suffix). Names are matched
 * case-insensitively, as AWS does for condition keys; validation still reports the canonical spelling.
 */
export const BASE_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
] as const

export type BaseOperator = (typeof BASE_OPERATORS)[number]

export type SetQualifier = 'ForAllValues' | 'ForAnyValue'

export interface OperatorName {
  /** The operator as written in the policy. */
  readonly raw: string
  readonly base: BaseOperator
  readonly set: SetQualifier | undefined
  readonly ifExists: boolean
}

const BY_LOWER = new Map<string, BaseOperator>(BASE_OPERATORS.map((op) => [op.toLowerCase(), op]))

/**
 * Read an operator name such as `ForAnyValue:StringLikeIfExists`. Returns undefined for a name that
 * is not an IAM condition operator (including `NullIfExists`, which AWS does not accept).
 */
export function parseOperatorName(raw: string): OperatorName | undefined {
  let rest = raw
  let set: SetQualifier | undefined
  const colon = rest.indexOf(':')
  if (colon >= 0) {
    const prefix = rest.slice(0, colon).toLowerCase()
    if (prefix === 'forallvalues') set = 'ForAllValues'
    else if (prefix === 'foranyvalue') set = 'ForAnyValue'
    else return undefined
    rest = rest.slice(colon + 1)
  }
  let ifExists = false
  let base = BY_LOWER.get(rest.toLowerCase())
  if (base === undefined && rest.toLowerCase().endsWith('ifexists')) {
    base = BY_LOWER.get(rest.slice(0, -'ifexists'.length).toLowerCase())
    ifExists = true
    if (base === 'Null') return undefined
  }
  if (base === undefined) return undefined
  return { raw, base, set, ifExists }
}
