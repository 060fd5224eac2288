/**
 * CloudTrail `LookupEvents` over CloudTrail records (the CloudTrail API Reference, LookupEvents):
 * the request's `LookupAttributes` (at most one, as CloudTrail allows), `StartTime`/`EndTime`
 * (epoch seconds in the JSON protocol), `MaxResults` (1 to 50, default 50) and `NextToken`; each
 * answered event is `{EventId, EventName, ReadOnly, AccessKeyId, EventTime, EventSource, Username,
 * Resources, CloudTrailEvent}` with the record as a JSON string. Pure.
 */
import { AwsError } from '../../aws/aws-error.js'
import type { CloudTrailRecord } from './record.js'
import { isObject } from './record.js'

export const LOOKUP_ATTRIBUTE_KEYS = ['EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId'] as const
export type LookupAttributeKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number]

export interface LookupRequest {
  readonly attribute?: { readonly key: LookupAttributeKey; readonly value: string }
  /** Epoch milliseconds, inclusive. */
  readonly start?: number
  readonly end?: number
  readonly maxResults: number
  readonly nextToken?: string
}

function time(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'number' && Number.isFinite(v)) return v * 1000
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v)
  throw new AwsError('InvalidTimeRangeException', `${name} is not a time`)
}

export function parseLookupRequest(body: unknown): LookupRequest {
  if (!isObject(body)) throw new AwsError('InvalidLookupAttributesException', 'The request body is not a JSON object')
  let attribute: LookupRequest['attribute']
  const attrs = body.LookupAttributes
  if (attrs !== undefined) {
    if (!Array.isArray(attrs) || attrs.length > 1) throw new AwsError('InvalidLookupAttributesException', 'You can specify at most one lookup attribute')
    const a: unknown = attrs[0]
    if (a !== undefined) {
      const key = isObject(a) ? a.AttributeKey : undefined
      const value = isObject(a) ? a.AttributeValue : undefined
      if (typeof key !== 'string' || !(LOOKUP_ATTRIBUTE_KEYS as readonly string[]).includes(key) || typeof value !== 'string' || value.length === 0 || value.length > 2000) {
        throw new AwsError('InvalidLookupAttributesException', `AttributeKey must be one of ${LOOKUP_ATTRIBUTE_KEYS.join(', ')} with a value of 1 to 2000 characters`)
      }
      attribute = { key: key as LookupAttributeKey, value }
    }
  }
  const start = time(body.StartTime, 'StartTime')
  const end = time(body.EndTime, 'EndTime')
  if (start !== undefined && end !== undefined && start > end) throw new AwsError('InvalidTimeRangeException', 'StartTime must be before EndTime')
  const max = body.MaxResults
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50)) throw new AwsError('InvalidMaxResultsException', 'MaxResults must be between 1 and 50')
  const token = body.NextToken
  if (token !== undefined && (typeof token !== 'string' || !/^\d{1,16}$/.test(token))) throw new AwsError('InvalidNextTokenException', 'Invalid NextToken')
  return {
    ...(attribute === undefined ? {} : { attribute }),
    ...(start === undefined ? {} : { start }),
    ...(end === undefined ? {} : { end }),
    maxResults: typeof max === 'number' ? max : 50,
    ...(typeof token === 'string' ? { nextToken: token } : {}),
  }
}

function usernameOf(r: CloudTrailRecord): string | undefined {
  const u = r.userIdentity
  if (u === undefined) return undefined
  if (u.userName !== undefined) return u.userName
  // For a role session CloudTrail's Username is the session name.
  if (u.type === 'AssumedRole' && u.arn !== undefined) return u.arn.slice(u.arn.lastIndexOf('/') + 1)
  if (u.type === 'Root') return 'root'
  return undefined
}

function resourcesOf(r: CloudTrailRecord): { ResourceType?: string; ResourceName?: string }[] {
  const raw = (r as unknown as { resources?: unknown }).resources
  if (!Array.isArray(raw)) return []
  return raw.filter(isObject).map((x) => ({
    ...(typeof x.type === 'string' ? { ResourceType: x.type } : {}),
    ...(typeof x.ARN === 'string' ? { ResourceName: x.ARN } : {}),
  }))
}

function readOnlyOf(r: CloudTrailRecord): string | undefined {
  const v = (r as unknown as { readOnly?: unknown }).readOnly
  return typeof v === 'boolean' ? String(v) : undefined
}

export function matchesLookup(r: CloudTrailRecord, a: LookupRequest['attribute']): boolean {
  if (a === undefined) return true
  switch (a.key) {
    case 'EventId':
      return r.eventID === a.value
    case 'EventName':
      return r.eventName === a.value
    case 'ReadOnly':
      return readOnlyOf(r) === a.value
    case 'Username':
      return usernameOf(r) === a.value
    case 'EventSource':
      return r.eventSource === a.value
    case 'AccessKeyId':
      return r.userIdentity?.accessKeyId === a.value
    case 'ResourceType':
      return resourcesOf(r).some((x) => x.ResourceType === a.value)
    case 'ResourceName':
      return resourcesOf(r).some((x) => x.ResourceName === a.value)
  }
}

/** One event of the answer. */
export function lookupEvent(r: CloudTrailRecord): Record<string, unknown> {
  const username = usernameOf(r)
  const readOnly = readOnlyOf(r)
  return {
    ...(r.eventID === undefined ? {} : { EventId: r.eventID }),
    EventName: r.eventName,
    ...(readOnly === undefined ? {} : { ReadOnly: readOnly }),
    ...(r.userIdentity?.accessKeyId === undefined ? {} : { AccessKeyId: r.userIdentity.accessKeyId }),
    EventTime: Date.parse(r.eventTime) / 1000,
    EventSource: r.eventSource,
    ...(username === undefined ? {} : { Username: username }),
    Resources: resourcesOf(r),
    CloudTrailEvent: JSON.stringify(r),
  }
}
