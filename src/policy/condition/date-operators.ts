/**
 * Date operators: W3C ISO 8601 dates or epoch seconds, compared as instants (an epoch value and
 * the ISO text of the same second are equal). No variables, no wildcards.
 */
import type { OperatorSpec } from './operator.js'

const EPOCH = /^[+-]?\d+(?:\.\d+)?$/
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?([Zz]|[+-]\d{2}:?\d{2})?$/

/** Milliseconds since the epoch, or undefined for text that is neither form. */
export function parseIamDate(v: string): number | undefined {
  const s = v.trim()
  if (EPOCH.test(s)) return Number(s) * 1000
  const m = ISO.exec(s)
  if (m === null) return undefined
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', zone = 'Z'] = m
  const month = Number(mo)
  const day = Number(d)
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 24 || Number(mi) > 59 || Number(sec) > 60) {
    return undefined
  }
  const tz = zone === 'Z' || zone === 'z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`
  const ms = frac === '' ? '' : `.${frac.slice(1, 4).padEnd(3, '0')}`
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${ms}${tz}`)
  return Number.isNaN(t) ? undefined : t
}

function dateOp(negated: boolean, rel: (req: number, pol: number) => boolean): OperatorSpec<number> {
  return {
    negated,
    variables: false,
    parseRequest: parseIamDate,
    compileValue(value) {
      const p = parseIamDate(value)
      return p === undefined ? undefined : (v) => rel(v, p)
    },
  }
}

export const DATE_OPERATORS = {
  DateEquals: dateOp(false, (a, b) => a === b),
  DateNotEquals: dateOp(true, (a, b) => a === b),
  DateLessThan: dateOp(false, (a, b) => a < b),
  DateLessThanEquals: dateOp(false, (a, b) => a <= b),
  DateGreaterThan: dateOp(false, (a, b) => a > b),
  DateGreaterThanEquals: dateOp(false, (a, b) => a >= b),
} as const
