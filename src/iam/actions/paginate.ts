/** IAM list pagination (`MaxItems`, `Marker`, `IsTruncated`), shared by every List* action. */
import type { QueryParams } from '../../aws/query-params.js'
import type { XmlObject } from '../../aws/xml.js'

export interface PageRequest {
  readonly maxItems: number
  readonly marker: string | undefined
}

/** Read `MaxItems` (1..1000, default 100) and `Marker` with IAM's constraints. */
export function pageParams(q: QueryParams): PageRequest {
  const maxItems = q.integer('MaxItems', { min: 1, max: 1000 }) ?? 100
  const marker = q.string('Marker', { min: 1, max: 320, pattern: /^[\u0020-\u00FF]+$/, patternText: '[\\u0020-\\u00FF]+' })
  return { maxItems, marker }
}

/**
 * IAM pagination: `Marker` is opaque to clients; irsa uses the sort key of the last item returned,
 * so a page boundary survives inserts and deletes between calls. Items are ordered by `key`.
 * Returns the result with `IsTruncated` and, when truncated, `Marker`.
 */
export function paginate<T>(
  all: readonly T[],
  maxItems: number,
  marker: string | undefined,
  key: (t: T) => string,
  shape: (page: readonly T[]) => XmlObject,
): XmlObject {
  const sorted = [...all].sort((a, b) => {
    const x = key(a)
    const y = key(b)
    return x < y ? -1 : x > y ? 1 : 0
  })
  const after = marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8')
  const start = after === undefined ? 0 : sorted.findIndex((t) => key(t) > after)
  const from = start < 0 ? sorted.length : start
  const page = sorted.slice(from, from + maxItems)
  const truncated = from + maxItems < sorted.length
  const last = page[page.length - 1]
  return {
    ...shape(page),
    IsTruncated: truncated,
    Marker: truncated && last !== undefined ? Buffer.from(key(last)).toString('base64url') : undefined,
  }
}

/** A sort key that keeps the given order (for lists with no natural key). */
export function positionKey(index: number): string {
  return String(index).padStart(8, '0')
}
