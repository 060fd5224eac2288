/** Numeric operators: integers and decimals compared as numbers; no variables. */
import type { OperatorSpec } from './operator.js'

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/

/** Parse an IAM numeric value; undefined for anything that is not a plain decimal number. */
export function parseNumeric(v: string): number | undefined {
  const s = v.trim()
  return NUMBER.test(s) ? Number(s) : undefined
}

function numericOp(negated: boolean, rel: (req: number, pol: number) => boolean): OperatorSpec<number> {
  return {
    negated,
    variables: false,
    parseRequest: parseNumeric,
    compileValue(value) {
      const p = parseNumeric(value)
      return p === undefined ? undefined : (v) => rel(v, p)
    },
  }
}

export const NUMERIC_OPERATORS = {
  NumericEquals: numericOp(false, (a, b) => a === b),
  NumericNotEquals: numericOp(true, (a, b) => a === b),
  NumericLessThan: numericOp(false, (a, b) => a < b),
  NumericLessThanEquals: numericOp(false, (a, b) => a <= b),
  NumericGreaterThan: numericOp(false, (a, b) => a > b),
  NumericGreaterThanEquals: numericOp(false, (a, b) => a >= b),
} as const
