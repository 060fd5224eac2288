/** BinaryEquals: base64-encoded bytes compared byte for byte; no variables. */
import type { OperatorSpec } from './operator.js'

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function canonicalBase64(v: string): string | undefined {
  const s = v.trim()
  if (!BASE64.test(s) || s.length % 4 === 1) return undefined
  return Buffer.from(s, 'base64').toString('base64')
}

export const BINARY_OPERATORS = {
  BinaryEquals: {
    negated: false,
    variables: false,
    parseRequest: canonicalBase64,
    compileValue(value) {
      const p = canonicalBase64(value)
      return p === undefined ? undefined : (v) => v === p
    },
  } satisfies OperatorSpec<string>,
} as const
