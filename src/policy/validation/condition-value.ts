/**
 * Format checks for condition values, by operator family. Values that contain a policy variable
 * (`${…}`) are only known at request time and are not checked here.
 */
import ipaddr from 'ipaddr.js'
import type { BaseOperator } from '../condition/operator-name.js'

export type ValueFamily = 'string' | 'numeric' | 'date' | 'bool' | 'null' | 'binary' | 'ip' | 'arn'

export function valueFamily(op: BaseOperator): ValueFamily {
  if (op.startsWith('String')) return 'string'
  if (op.startsWith('Numeric')) return 'numeric'
  if (op.startsWith('Date')) return 'date'
  if (op === 'Bool') return 'bool'
  if (op === 'Null') return 'null'
  if (op === 'BinaryEquals') return 'binary'
  if (op === 'IpAddress' || op === 'NotIpAddress') return 'ip'
  return 'arn'
}

const NUMBER = /^-?[0-9]+(\.[0-9]+)?$/
const EPOCH = /^[0-9]+$/
const ISO_8601 =
  /^(?<y>[0-9]{4})(?:-(?<mo>[0-9]{2})(?:-(?<d>[0-9]{2})(?:T(?<h>[0-9]{2})(?::(?<mi>[0-9]{2})(?::(?<s>[0-9]{2})(?:\.[0-9]{1,9})?)?)?(?<tz>Z|[+-](?<tzh>[0-9]{2})(?::?(?<tzm>[0-9]{2}))?)?)?)?)?$/i
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function inRange(s: string | undefined, lo: number, hi: number): boolean {
  if (s === undefined) return true
  const n = Number(s)
  return n >= lo && n <= hi
}

/** ISO 8601 date or date-time (as AWS's examples write them), or whole epoch seconds. */
export function isDateValue(s: string): boolean {
  if (EPOCH.test(s)) return true
  const m = ISO_8601.exec(s)
  const g = m?.groups
  if (g === undefined) return false
  return (
    inRange(g.mo, 1, 12) &&
    inRange(g.d, 1, 31) &&
    inRange(g.h, 0, 23) &&
    inRange(g.mi, 0, 59) &&
    inRange(g.s, 0, 59) &&
    inRange(g.tzh, 0, 23) &&
    inRange(g.tzm, 0, 59)
  )
}

export function isNumericValue(s: string): boolean {
  return NUMBER.test(s)
}

/** IPv4 (four-part decimal) or IPv6 address, with an optional CIDR prefix length. */
export function isIpValue(s: string): boolean {
  const slash = s.indexOf('/')
  const address = slash < 0 ? s : s.slice(0, slash)
  const prefix = slash < 0 ? undefined : s.slice(slash + 1)
  let max: number
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) max = 32
  else if (ipaddr.IPv6.isValid(address) && address.includes(':')) max = 128
  else return false
  if (prefix === undefined) return true
  return EPOCH.test(prefix) && prefix.length <= 3 && Number(prefix) <= max
}

export function isBase64Value(s: string): boolean {
  return s.length > 0 && BASE64.test(s)
}

function isBoolText(s: string): boolean {
  const lower = s.toLowerCase()
  return lower === 'true' || lower === 'false'
}

/**
 * Why a scalar condition value does not fit its operator family, or undefined when it fits.
 * `value` is the JSON scalar as parsed (string, number or boolean).
 */
export function valueFormatProblem(family: ValueFamily, value: string | number | boolean): string | undefined {
  if (typeof value === 'string' && value.includes('${')) return undefined
  switch (family) {
    case 'numeric':
      if (typeof value === 'number') return undefined
      return typeof value === 'string' && isNumericValue(value) ? undefined : 'a number'
    case 'date':
      if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? undefined : 'a date (ISO 8601 or epoch seconds)'
      return typeof value === 'string' && isDateValue(value) ? undefined : 'a date (ISO 8601 or epoch seconds)'
    case 'bool':
    case 'null':
      if (typeof value === 'boolean') return undefined
      return typeof value === 'string' && isBoolText(value) ? undefined : '"true" or "false"'
    case 'ip':
      return typeof value === 'string' && isIpValue(value) ? undefined : 'an IPv4 or IPv6 address or CIDR block'
    case 'binary':
      return typeof value === 'string' && isBase64Value(value) ? undefined : 'base64-encoded binary data'
    default:
      return undefined
  }
}
