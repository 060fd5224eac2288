/** Bool: "true"/"false", case-insensitive; variables allowed (AWS documents them for Bool). */
import { compileTextPattern } from '../pattern.js'
import type { OperatorSpec } from './operator.js'

function parseBool(v: string): string | undefined {
  const s = v.toLowerCase()
  return s === 'true' || s === 'false' ? s : undefined
}

export const BOOL_OPERATORS = {
  Bool: {
    negated: false,
    variables: true,
    parseRequest: parseBool,
    compileValue(value, variables) {
      if (variables && value.includes('${')) {
        const p = compileTextPattern(value, { variables, wildcards: false, ignoreCase: true })
        return (v, ctx) => p.match(v, ctx)
      }
      const b = parseBool(value)
      return b === undefined ? undefined : (v) => v === b
    },
  } satisfies OperatorSpec<string>,
} as const
