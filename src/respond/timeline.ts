/**
 * The decision log read as an incident timeline, and the sessions it shows were issued. Pure: records
 * in, entries out; times are given, never read.
 */
import type { DecisionRecord } from '../store/decision-log.js'
import { awsTimestamp } from '../sts/timestamp.js'

export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity'

export interface PodBinding {
  readonly name: string
  readonly uid?: string
}

/**
 * One decision, flattened for a reader or a SIEM: the log's record with ISO 8601 times (UTC,
 * milliseconds) and the interesting parts of `detail` lifted to the top.
 */
export interface TimelineEntry extends Omit<DecisionRecord, 'at' | 'detail'> {
  readonly at: string
  /** The service-account token's `jti`. */
  readonly jti?: string
  readonly pod?: PodBinding
  readonly accessKeyId?: string
  readonly expiresAt?: string
  readonly containmentId?: string
}

export interface SessionInfo {
  readonly accessKeyId: string
  readonly roleArn: string
  readonly sessionName: string
  readonly subject?: string
  readonly namespace?: string
  readonly serviceAccount?: string
  /** `aws:TokenIssueTime` of the session as the engine sees it (whole seconds). */
  readonly issuedAt: string
  readonly expiresAt: string
  readonly sourceIp?: string
  readonly requestId?: string
  readonly jti?: string
  readonly pod?: PodBinding
  readonly providerArn?: string
  /** `live`: valid now; `expired`; `revoked`: refused by a revocation policy statement. */
  readonly status: 'live' | 'expired' | 'revoked'
  /** The containment (or the revocation statement) that refuses it. */
  readonly revokedBy?: string
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function podOf(detail: Readonly<Record<string, unknown>> | undefined): PodBinding | undefined {
  const p = detail?.pod
  if (p === null || typeof p !== 'object') return undefined
  const o = p as Record<string, unknown>
  const name = str(o.name)
  if (name === undefined) return undefined
  const uid = str(o.uid)
  return uid === undefined ? { name } : { name, uid }
}

export function timelineEntry(d: DecisionRecord): TimelineEntry {
  const detail = d.detail
  const jti = str(detail?.jti)
  const pod = podOf(detail)
  const accessKeyId = str(detail?.accessKeyId)
  const expiresAt = typeof detail?.expiresAt === 'number' ? awsTimestamp(detail.expiresAt) : undefined
  const containmentId = str(detail?.containmentId)
  const optional: [keyof TimelineEntry, unknown][] = [
    ['code', d.code], ['principal', d.principal], ['roleArn', d.roleArn], ['sessionName', d.sessionName], ['subject', d.subject],
    ['namespace', d.namespace], ['serviceAccount', d.serviceAccount], ['sourceIp', d.sourceIp], ['requestId', d.requestId],
    ['jti', jti], ['pod', pod], ['accessKeyId', accessKeyId], ['expiresAt', expiresAt], ['containmentId', containmentId], ['reason', d.reason],
  ]
  const e: Record<string, unknown> = { ...(d.id === undefined ? {} : { id: d.id }), at: new Date(d.at).toISOString(), action: d.action, outcome: d.outcome }
  for (const [k, v] of optional) if (v !== undefined) e[k] = v
  return e as unknown as TimelineEntry
}

/** Oldest first; the log id breaks ties between entries of the same millisecond. */
export function timeline(records: readonly DecisionRecord[]): TimelineEntry[] {
  return [...records].sort((a, b) => a.at - b.at || (a.id ?? 0) - (b.id ?? 0)).map(timelineEntry)
}

/** A session as the decision log shows it issued: an allowed token exchange that recorded its access key id. */
export interface LoggedSession {
  readonly record: DecisionRecord
  readonly accessKeyId: string
  /** Epoch seconds, as sealed into the session (`aws:TokenIssueTime`). */
  readonly issuedAt: number
  /** Epoch seconds. */
  readonly expiresAt: number
}

export function issuedSessions(records: readonly DecisionRecord[]): LoggedSession[] {
  const out: LoggedSession[] = []
  for (const r of records) {
    if (r.action !== WEB_IDENTITY_ACTION || r.outcome !== 'Allow' || r.roleArn === undefined) continue
    const accessKeyId = str(r.detail?.accessKeyId)
    const expiresAt = r.detail?.expiresAt
    if (accessKeyId === undefined || typeof expiresAt !== 'number') continue
    const duration = r.detail?.durationSeconds
    // The log entry follows the issue by milliseconds: the sealed issue time is expiry minus duration.
    const issuedAt = typeof duration === 'number' ? expiresAt - duration : Math.floor(r.at / 1000)
    out.push({ record: r, accessKeyId, issuedAt, expiresAt })
  }
  return out.sort((a, b) => a.record.at - b.record.at || (a.record.id ?? 0) - (b.record.id ?? 0))
}

/** The session as reported, given whether something revokes it. */
export function sessionInfo(s: LoggedSession, nowSeconds: number, revokedBy: string | undefined): SessionInfo {
  const r = s.record
  const e = timelineEntry(r)
  const status: SessionInfo['status'] = s.expiresAt <= nowSeconds ? 'expired' : revokedBy !== undefined ? 'revoked' : 'live'
  const info: Record<string, unknown> = {
    accessKeyId: s.accessKeyId,
    roleArn: r.roleArn,
    sessionName: r.sessionName ?? '',
    issuedAt: awsTimestamp(s.issuedAt),
    expiresAt: awsTimestamp(s.expiresAt),
    status,
  }
  const optional: [keyof SessionInfo, unknown][] = [
    ['subject', r.subject], ['namespace', r.namespace], ['serviceAccount', r.serviceAccount], ['sourceIp', r.sourceIp], ['requestId', r.requestId],
    ['jti', e.jti], ['pod', e.pod], ['providerArn', r.principal], ['revokedBy', status === 'revoked' ? revokedBy : undefined],
  ]
  for (const [k, v] of optional) if (v !== undefined) info[k] = v
  return info as unknown as SessionInfo
}
