/**
 * What looks wrong in a service account's sessions, each finding with a stable `kind`, the keys and
 * the event ids behind it. Pure: sessions in, anomalies out; thresholds are constants here.
 *
 * - `off-cluster-use`: the exchange, or a call made with the session, came from an address outside
 *   `--cluster-cidrs` (only with that flag). A stolen token or stolen credentials used elsewhere.
 * - `multiple-source-ips`: one key used from more than one address.
 * - `user-agent-change`: the client changed within a session. Compared on the user agent's first
 *   token (`aws-cli/2.15.0`, `Boto3/1.34.0`, `aws-sdk-go-v2/1.24.0`): SDKs append per-call feature
 *   markers after it, which are not a change of client. The exchange's agent counts for IRSA (the pod's
 *   SDK makes it), not for Pod Identity (the node's agent makes it).
 * - `access-denied-burst`: at least ACCESS_DENIED_BURST denied calls within ACCESS_DENIED_WINDOW_MS in
 *   one session (enumeration of what the credentials can do).
 * - `sensitive-call`: any IAM call, `secretsmanager:GetSecretValue` / `BatchGetSecretValue`,
 *   `s3:ListBuckets`, and `kms:Decrypt` at least KMS_DECRYPT_BULK times in one session; one anomaly
 *   per session and action.
 * - `role-chaining`: an `sts:AssumeRole` made with the session (the new session is followed too).
 * - `new-region`: a call in a region where the service account never exchanged a token (its
 *   cluster's region), ignoring AWS's global services, which log in us-east-1 wherever they are called from.
 */
import type { CidrRange } from './cidr.js'
import { inRanges, ipOf } from './cidr.js'
import type { CloudTrailSession, SessionEvent } from './sessions.js'

export const ANOMALY_KINDS = ['off-cluster-use', 'multiple-source-ips', 'user-agent-change', 'access-denied-burst', 'sensitive-call', 'role-chaining', 'new-region'] as const
export type AnomalyKind = (typeof ANOMALY_KINDS)[number]

export const ACCESS_DENIED_BURST = 5
export const ACCESS_DENIED_WINDOW_MS = 5 * 60 * 1000
export const KMS_DECRYPT_BULK = 10

export interface Anomaly {
  readonly kind: AnomalyKind
  readonly serviceAccount: string
  readonly accessKeyIds: readonly string[]
  readonly eventIds: readonly string[]
  /** One line for a person. */
  readonly summary: string
  /** `sensitive-call`: the action; `new-region`: the region. */
  readonly detail?: string
}

const DENIED = /AccessDenied|Unauthorized|Forbidden/i
/** Services whose events CloudTrail logs in us-east-1 whichever region the caller is in. */
const GLOBAL_SOURCES = new Set(['iam.amazonaws.com', 'organizations.amazonaws.com', 'cloudfront.amazonaws.com', 'route53.amazonaws.com', 'support.amazonaws.com', 'health.amazonaws.com', 'signin.amazonaws.com'])
const SENSITIVE = new Set(['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue', 's3:ListBuckets'])

function agentToken(ua: string | undefined): string | undefined {
  const t = ua?.trim().split(/\s+/)[0]
  return t === undefined || t === '' ? undefined : t
}

function uniq<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)]
}

function perSession(s: CloudTrailSession, clusterCidrs: readonly CidrRange[]): Anomaly[] {
  const out: Anomaly[] = []
  const one = (kind: AnomalyKind, eventIds: string[], summary: string, detail?: string, keys: string[] = [s.accessKeyId]): void => {
    out.push({ kind, serviceAccount: s.serviceAccount, accessKeyIds: keys, eventIds: uniq(eventIds), summary, ...(detail === undefined ? {} : { detail }) })
  }
  // Off-cluster use: the exchange (for the account's own session) and every call.
  if (clusterCidrs.length > 0) {
    const outside: string[] = []
    const addrs = new Set<string>()
    const check = (id: string, source: string | undefined): void => {
      const ip = ipOf(source)
      if (ip !== undefined && !inRanges(ip, clusterCidrs)) {
        outside.push(id)
        addrs.add(source as string)
      }
    }
    if (s.via === 'web-identity') check(s.issuedBy, s.sourceIPAddress)
    for (const e of s.events) check(e.eventId, e.sourceIPAddress)
    if (outside.length > 0) one('off-cluster-use', outside, `${s.accessKeyId} used from ${[...addrs].join(', ')}, outside the cluster's ranges`)
  }
  // One key, several addresses.
  const byIp = new Map<string, string[]>()
  for (const e of s.events) if (ipOf(e.sourceIPAddress) !== undefined) byIp.set(e.sourceIPAddress as string, [...(byIp.get(e.sourceIPAddress as string) ?? []), e.eventId])
  if (byIp.size > 1) {
    // The first call from each address.
    one('multiple-source-ips', [...byIp.values()].map((ids) => ids[0] as string), `${s.accessKeyId} used from ${byIp.size} addresses: ${[...byIp.keys()].join(', ')}`)
  }
  // The client changed.
  let last = s.via === 'web-identity' ? agentToken(s.userAgent) : undefined
  const changes: string[] = []
  const agents = last === undefined ? [] : [last]
  for (const e of s.events) {
    const a = agentToken(e.userAgent)
    if (a === undefined) continue
    if (last !== undefined && a !== last) changes.push(e.eventId)
    if (!agents.includes(a)) agents.push(a)
    last = a
  }
  if (changes.length > 0) one('user-agent-change', changes, `${s.accessKeyId} used by ${agents.join(' then ')}`)
  // Bursts of denials: a sliding window over the denied calls.
  const denied = s.events.filter((e) => e.errorCode !== undefined && DENIED.test(e.errorCode))
  let burst: SessionEvent[] = []
  for (let i = 0, j = 0; i < denied.length; i++) {
    while (Date.parse((denied[i] as SessionEvent).eventTime) - Date.parse((denied[j] as SessionEvent).eventTime) > ACCESS_DENIED_WINDOW_MS) j++
    if (i - j + 1 >= ACCESS_DENIED_BURST && i - j + 1 > burst.length) burst = denied.slice(j, i + 1)
  }
  if (burst.length > 0) one('access-denied-burst', burst.map((e) => e.eventId), `${burst.length} denied calls within ${ACCESS_DENIED_WINDOW_MS / 60000} minutes with ${s.accessKeyId}`)
  // Sensitive calls, one anomaly per action.
  const sensitive = new Map<string, string[]>()
  for (const e of s.events) {
    const bulkKms = e.action === 'kms:Decrypt'
    if (e.eventSource === 'iam.amazonaws.com' || SENSITIVE.has(e.action) || bulkKms) sensitive.set(e.action, [...(sensitive.get(e.action) ?? []), e.eventId])
  }
  for (const [action, ids] of sensitive) {
    if (action === 'kms:Decrypt' && ids.length < KMS_DECRYPT_BULK) continue
    one('sensitive-call', ids, `${action} ×${ids.length} with ${s.accessKeyId}`, action)
  }
  return out
}

export function detectAnomalies(sessions: readonly CloudTrailSession[], o: { readonly clusterCidrs?: readonly CidrRange[] } = {}): Anomaly[] {
  const out: Anomaly[] = []
  for (const s of sessions) out.push(...perSession(s, o.clusterCidrs ?? []))
  // Role chaining: the child session names the parent and the AssumeRole event that issued it.
  for (const s of sessions) {
    if (s.via !== 'role-chaining' || s.parentAccessKeyId === undefined) continue
    out.push({
      kind: 'role-chaining',
      serviceAccount: s.serviceAccount,
      accessKeyIds: [s.parentAccessKeyId, s.accessKeyId],
      eventIds: [s.issuedBy],
      summary: `${s.parentAccessKeyId} assumed ${s.roleArn} (new key ${s.accessKeyId})`,
      detail: s.roleArn,
    })
  }
  // New regions, per service account: its exchanges' regions are home.
  const bySa = new Map<string, CloudTrailSession[]>()
  for (const s of sessions) bySa.set(s.serviceAccount, [...(bySa.get(s.serviceAccount) ?? []), s])
  for (const [sa, list] of bySa) {
    const home = new Set(list.filter((s) => s.via !== 'role-chaining' && s.awsRegion !== undefined).map((s) => s.awsRegion as string))
    if (home.size === 0) continue
    const found = new Map<string, { keys: Set<string>; ids: string[]; first: string }>()
    const events = list.flatMap((s) => s.events.map((e) => ({ s, e }))).sort((a, b) => Date.parse(a.e.eventTime) - Date.parse(b.e.eventTime))
    for (const { s, e } of events) {
      if (e.awsRegion === undefined || home.has(e.awsRegion) || GLOBAL_SOURCES.has(e.eventSource) || e.action === 's3:ListBuckets') continue
      const f = found.get(e.awsRegion) ?? { keys: new Set<string>(), ids: [], first: e.eventTime }
      f.keys.add(s.accessKeyId)
      f.ids.push(e.eventId)
      found.set(e.awsRegion, f)
    }
    for (const [region, f] of found) {
      out.push({ kind: 'new-region', serviceAccount: sa, accessKeyIds: [...f.keys], eventIds: f.ids, summary: `first call in ${region} at ${f.first} (the account's exchanges are in ${[...home].join(', ')})`, detail: region })
    }
  }
  return out
}
