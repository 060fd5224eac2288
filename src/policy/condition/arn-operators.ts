/**
 * ARN operators. ArnEquals and ArnLike are the same operator (AWS documents both as matching each
 * of the six colon-separated segments separately, with `*` and `?`), as are their negations.
 * Matching is case-sensitive, and variables are allowed.
 */
import { compileArnPattern } from '../pattern.js'
import type { OperatorSpec } from './operator.js'

function arnOp(negated: boolean): OperatorSpec<string> {
  return {
    negated,
    variables: true,
    parseRequest: (v) => v,
    compileValue(value, variables) {
      const p = compileArnPattern(value, { variables, foldPrefix: false })
      return (v, ctx) => p.match(v, ctx)
    },
  }
}

export const ARN_OPERATORS = {
  ArnEquals: arnOp(false),
  ArnLike: arnOp(false),
  ArnNotEquals: arnOp(true),
  ArnNotLike: arnOp(true),
} as const
