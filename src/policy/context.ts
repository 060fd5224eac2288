/**
 * The request context as the engine reads it: key names folded to lower case (AWS compares
 * condition key names case-insensitively), values as strings. A value supplied as a list stays a
 * list: it is a multivalued key, even with one element.
 */
import type { ContextValue } from './request.js'
import { IrsaError } from '../errors.js'

export type ContextEntry = string | readonly string[]

export interface RequestContext {
  get(lowerKey: string): ContextEntry | undefined
}

function scalar(v: unknown, key: string): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw new IrsaError('ERR_REQUEST_SHAPE', `context key "${key}" has a value that is not a string, number or boolean`)
}

export function buildContext(context: Readonly<Record<string, ContextValue>> | undefined): RequestContext {
  const map = new Map<string, ContextEntry>()
  if (context !== undefined) {
    if (context === null || typeof context !== 'object' || Array.isArray(context)) {
      throw new IrsaError('ERR_REQUEST_SHAPE', 'context must be an object of key → value')
    }
    for (const [key, value] of Object.entries(context)) {
      const lower = key.toLowerCase()
      if (map.has(lower)) throw new IrsaError('ERR_REQUEST_SHAPE', `context key "${key}" is given twice (key names are case-insensitive)`)
      map.set(lower, Array.isArray(value) ? value.map((v: unknown) => scalar(v, key)) : scalar(value, key))
    }
  }
  return { get: (k) => map.get(k) }
}
