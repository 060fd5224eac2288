/**
 * One CloudTrail record, as CloudTrail writes it (the CloudTrail User Guide's record contents and
 * `userIdentity` element), read loosely: only the fields the investigation uses are typed, and a
 * record is accepted when it has the few fields every management event carries. Pure.
 */
import { IrsaError } from '../../errors.js'

export interface CloudTrailUserIdentity {
  readonly type?: string
  readonly principalId?: string
  readonly arn?: string
  readonly accountId?: string
  readonly accessKeyId?: string
  readonly userName?: string
  readonly identityProvider?: string
  readonly invokedBy?: string
  readonly sessionContext?: {
    readonly sessionIssuer?: { readonly type?: string; readonly arn?: string; readonly userName?: string }
    readonly webIdFederationData?: { readonly federatedProvider?: string; readonly attributes?: Readonly<Record<string, unknown>> }
    readonly attributes?: Readonly<Record<string, unknown>>
  }
}

export interface CloudTrailRecord {
  readonly eventVersion?: string
  readonly eventTime: string
  readonly eventSource: string
  readonly eventName: string
  readonly eventID?: string
  readonly awsRegion?: string
  readonly sourceIPAddress?: string
  readonly userAgent?: string
  readonly errorCode?: string
  readonly errorMessage?: string
  readonly recipientAccountId?: string
  readonly userIdentity?: CloudTrailUserIdentity
  readonly requestParameters?: Readonly<Record<string, unknown>> | null
  readonly responseElements?: Readonly<Record<string, unknown>> | null
  readonly additionalEventData?: Readonly<Record<string, unknown>>
}

/** Where a record came from, for error messages: the file and a position in it. */
export interface RecordPosition {
  readonly file: string
  /** Human-readable position: `record 12`, `line 40`, `event 3`. */
  readonly at: string
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

/** A parsed JSON value as a CloudTrail record, or a one-line ERR_CLI_INPUT naming the file and position. */
export function asCloudTrailRecord(v: unknown, where: RecordPosition): CloudTrailRecord {
  const bad = (why: string): IrsaError => new IrsaError('ERR_CLI_INPUT', `${where.file}: ${where.at}: ${why}`)
  if (!isObject(v)) throw bad('not a CloudTrail record (expected a JSON object)')
  for (const k of ['eventTime', 'eventSource', 'eventName'] as const) {
    if (typeof v[k] !== 'string') throw bad(`not a CloudTrail record (no ${k})`)
  }
  if (Number.isNaN(Date.parse(v.eventTime as string))) throw bad(`eventTime ${JSON.stringify(v.eventTime)} is not a time`)
  if (v.userIdentity !== undefined && !isObject(v.userIdentity)) throw bad('userIdentity is not an object')
  return v as unknown as CloudTrailRecord
}

/** The record's id: `eventID` when CloudTrail gave one, else a stable stand-in from its content. */
export function eventIdOf(r: CloudTrailRecord): string {
  return r.eventID ?? `${r.eventTime}/${r.eventSource}/${r.eventName}/${r.userIdentity?.accessKeyId ?? '-'}`
}

export function eventMillis(r: CloudTrailRecord): number {
  return Date.parse(r.eventTime)
}
