/**
 * The selected sessions as reported: each with how it was issued and the events made with its key,
 * oldest first, within the investigation window. Pure.
 */
import type { IssuanceKind } from './issuance.js'
import type { Selection } from './join.js'
import type { CloudTrailRecord } from './record.js'
import { eventIdOf, eventMillis } from './record.js'
import { saFromSubject } from '../investigate.js'

export interface SessionEvent {
  readonly eventId: string
  readonly eventTime: string
  readonly eventSource: string
  readonly eventName: string
  /** The IAM action name (`iam:CreateUser`): the service prefix of `eventSource`, then `eventName`. */
  readonly action: string
  readonly errorCode?: string
  readonly awsRegion?: string
  readonly sourceIPAddress?: string
  readonly userAgent?: string
}

export interface CloudTrailSession {
  readonly accessKeyId: string
  readonly roleArn: string
  /** The service account's `sub` (chained sessions inherit their root's). */
  readonly subject: string
  /** `NAMESPACE/NAME`. */
  readonly serviceAccount: string
  /** How the credentials were obtained. */
  readonly via: IssuanceKind
  readonly sessionName?: string
  /** `<role id>:<session name>`: the session's `aws:userid`, which a Deny can name. */
  readonly assumedRoleId?: string
  /** For a chained session: the key that assumed it. */
  readonly parentAccessKeyId?: string
  /** Hops from the service account's own session (0 for it). */
  readonly depth: number
  /** The OIDC provider ARN (web identity) or the cluster (Pod Identity). */
  readonly provider?: string
  /** Where the exchange (or the chaining AssumeRole) came from. */
  readonly sourceIPAddress?: string
  readonly userAgent?: string
  readonly awsRegion?: string
  /** When it was issued (the issuing event's `eventTime`). */
  readonly issued: string
  readonly expiration?: string
  /** The event that issued it. */
  readonly issuedBy: string
  readonly events: readonly SessionEvent[]
}

export interface Window {
  /** Epoch milliseconds, inclusive. */
  readonly since?: number
  /** Epoch milliseconds, inclusive. */
  readonly until?: number
}

export function inWindow(ms: number, w: Window): boolean {
  return (w.since === undefined || ms >= w.since) && (w.until === undefined || ms <= w.until)
}

export function actionOf(r: Pick<CloudTrailRecord, 'eventSource' | 'eventName'>): string {
  const i = r.eventSource.indexOf('.')
  return `${i < 0 ? r.eventSource : r.eventSource.slice(0, i)}:${r.eventName}`
}

export function sessionEvent(r: CloudTrailRecord): SessionEvent {
  const e: Record<string, unknown> = { eventId: eventIdOf(r), eventTime: r.eventTime, eventSource: r.eventSource, eventName: r.eventName, action: actionOf(r) }
  for (const k of ['errorCode', 'awsRegion', 'sourceIPAddress', 'userAgent'] as const) if (r[k] !== undefined) e[k] = r[k]
  return e as unknown as SessionEvent
}

/**
 * The sessions, oldest issue first. A session is kept when it was issued in the window or made a
 * call in it; its events are those in the window.
 */
export function buildSessions(selection: Selection, w: Window): CloudTrailSession[] {
  const out: CloudTrailSession[] = []
  for (const s of selection.sessions) {
    const i = s.issuance
    const events = selection.eventsOf(i.accessKeyId).filter((r) => inWindow(eventMillis(r), w)).map(sessionEvent)
    if (events.length === 0 && !inWindow(Date.parse(i.eventTime), w)) continue
    const sa = saFromSubject(s.subject)
    const session: Record<string, unknown> = {
      accessKeyId: i.accessKeyId,
      roleArn: i.roleArn,
      subject: s.subject,
      serviceAccount: sa === undefined ? s.subject : `${sa.namespace}/${sa.name}`,
      via: i.kind,
      sessionName: i.sessionName,
      assumedRoleId: i.assumedRoleId,
      parentAccessKeyId: i.parentAccessKeyId,
      depth: s.depth,
      provider: i.provider,
      sourceIPAddress: i.sourceIPAddress,
      userAgent: i.userAgent,
      awsRegion: i.awsRegion,
      issued: i.eventTime,
      expiration: i.expiration,
      issuedBy: i.eventId,
      events,
    }
    for (const k of Object.keys(session)) if (session[k] === undefined) delete session[k]
    out.push(session as unknown as CloudTrailSession)
  }
  return out.sort((a, b) => Date.parse(a.issued) - Date.parse(b.issued) || a.accessKeyId.localeCompare(b.accessKeyId))
}
