/** Typed reads of a JSON request's fields; a wrong type is InvalidParameter, a missing required field MissingParameter. */
import { GatewayError } from './gateway-error.js'
import type { JsonObject } from './protocol.js'

function field(o: JsonObject, name: string): unknown {
  return Object.hasOwn(o, name) ? o[name] : undefined
}

export function optString(o: JsonObject, name: string): string | undefined {
  const v = field(o, name)
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new GatewayError('InvalidParameter', `${name} must be a string`)
  return v
}

export function reqString(o: JsonObject, name: string): string {
  const v = optString(o, name)
  if (v === undefined || v === '') throw new GatewayError('MissingParameter', `${name} is required`)
  return v
}

export function optBool(o: JsonObject, name: string): boolean | undefined {
  const v = field(o, name)
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'boolean') throw new GatewayError('InvalidParameter', `${name} must be a boolean`)
  return v
}

export function optObject(o: JsonObject, name: string): JsonObject | undefined {
  const v = field(o, name)
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) throw new GatewayError('InvalidParameter', `${name} must be an object`)
  return v as JsonObject
}

export function reqObject(o: JsonObject, name: string): JsonObject {
  const v = optObject(o, name)
  if (v === undefined) throw new GatewayError('MissingParameter', `${name} is required`)
  return v
}

export function optArray(o: JsonObject, name: string): unknown[] | undefined {
  const v = field(o, name)
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v)) throw new GatewayError('InvalidParameter', `${name} must be a list`)
  return v
}

export function asObject(v: unknown, what: string): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new GatewayError('InvalidParameter', `${what} must be an object`)
  return v as JsonObject
}

/** A list of strings. */
export function optStrings(o: JsonObject, name: string): string[] | undefined {
  const v = optArray(o, name)
  if (v === undefined) return undefined
  if (!v.every((x) => typeof x === 'string')) throw new GatewayError('InvalidParameter', `${name} must be a list of strings`)
  return v as string[]
}

/** Tags as `[{Key, Value}]` (most services) or `{key: value}` (SQS), as pairs. */
export function tagPairs(o: JsonObject, name: string): [string, string][] {
  const v = Object.hasOwn(o, name) ? o[name] : undefined
  if (v === undefined || v === null) return []
  if (Array.isArray(v)) {
    return v.map((t) => {
      const tag = asObject(t, name)
      const key = tag['Key'] ?? tag['TagKey']
      const value = tag['Value'] ?? tag['TagValue'] ?? ''
      if (typeof key !== 'string' || typeof value !== 'string') throw new GatewayError('InvalidParameter', `${name} must be a list of {Key, Value} strings`)
      return [key, value]
    })
  }
  return Object.entries(asObject(v, name)).map(([k, val]) => {
    if (typeof val !== 'string') throw new GatewayError('InvalidParameter', `${name} values must be strings`)
    return [k, val]
  })
}
