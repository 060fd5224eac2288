/** String operators: exact, case-insensitive and `*`/`?` wildcard matching, with variables. */
import { compileTextPattern } from '../pattern.js'
import type { OperatorSpec } from './operator.js'

function stringOp(negated: boolean, ignoreCase: boolean, wildcards: boolean): OperatorSpec<string> {
  return {
    negated,
    variables: true,
    parseRequest: (v) => v,
    compileValue(value, variables) {
      const p = compileTextPattern(value, { variables, wildcards, ignoreCase })
      return (v, ctx) => p.match(v, ctx)
    },
  }
}

export const STRING_OPERATORS = {
  StringEquals: stringOp(false, false, false),
  StringNotEquals: stringOp(true, false, false),
  StringEqualsIgnoreCase: stringOp(false, true, false),
  StringNotEqualsIgnoreCase: stringOp(true, true, false),
  StringLike: stringOp(false, false, true),
  StringNotLike: stringOp(true, false, true),
} as const
