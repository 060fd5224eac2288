/**
 * The request context as the engine reads it: key names folded to lower case (AWS compares
 * condition key names case-insensitively), values as strings. A value supplied as a list stays a
 * list: it is a multivalued key, even with one element.
 */
import type { ContextValue } from './request.js'
import { IrsaError } from '../errors.js'
import { memoize } from './memo.js'

export type ContextEntry = string | readonly string[]

/** Keyed by lower-cased name. */
export interface RequestContext {
  get(lowerKey: string): ContextEntry | undefined
}

function scalar(v: unknown, key: string): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw new IrsaError('ERR_REQUEST_SHAPE', `context key "${key}" has a value that is not a string, number or boolean`)
}

/** Lower-cased key names, interned: the same few keys recur in every request. */
const lowerKey = memoize((k: string) => k.toLowerCase())

export function buildContext(context: Readonly<Record<string, ContextValue>> | undefined): RequestContext {
  if (context === undefined) return EMPTY
  if (context === null || typeof context !== 'object' || Array.isArray(context)) {
    throw new IrsaError('ERR_REQUEST_SHAPE', 'context must be an object of key → value')
  }
  const map = new Map<string, ContextEntry>()
  for (const key in context) {
    if (!Object.hasOwn(context, key)) continue
    const lower = lowerKey(key)
    if (map.has(lower)) throw new IrsaError('ERR_REQUEST_SHAPE', `context key "${key}" is given twice (key names are case-insensitive)`)
    const value: unknown = context[key]
    map.set(lower, typeof value === 'string' ? value : Array.isArray(value) ? value.map((v: unknown) => scalar(v, key)) : scalar(value, key))
  }
  return map
}

const EMPTY: RequestContext = new Map()
