/**
 * `irsa investigate --cloudtrail`: the sessions of service accounts found in CloudTrail (the join),
 * what looks wrong in them, the blast radius from the auditor's graph of `--iam` / `--kubernetes`
 * (the same `what-can` / `who-can` answers `irsa investigate` gives on the store) and what to do:
 * the `irsa contain --aws` command per compromised session and the Deny on its `aws:userid`, which stops
 * that session alone on AWS (IAM User Guide, "AWS global condition context keys": for an assumed
 * role `aws:userid` is `<role id>:<session name>`). One JSON-ready object. Pure: the time is given.
 */
import type { AuditGraph } from '../../audit/graph.js'
import type { RoleBlastRadius, ServiceAccountBlastRadius } from '../blast-radius.js'
import { roleBlastRadius, serviceAccountBlastRadius } from '../blast-radius.js'
import { saFromSubject } from '../investigate.js'
import type { Anomaly } from './anomalies.js'
import { detectAnomalies } from './anomalies.js'
import type { CidrRange } from './cidr.js'
import type { CloudTrailTarget, Selection } from './join.js'
import type { CloudTrailSession, Window } from './sessions.js'
import { buildSessions } from './sessions.js'

/** The target as reported: the join's, with `--source-ip` ranges as text. */
export type TargetView = Exclude<CloudTrailTarget, { readonly kind: 'source-ip' }> | { readonly kind: 'source-ip'; readonly ranges: readonly string[] }

export interface Recommendation {
  readonly accessKeyId: string
  readonly serviceAccount: string
  readonly roleArn: string
  /** Why: the anomaly kinds naming this session. */
  readonly because: readonly string[]
  /** The irsa command that contains this session. */
  readonly command: string
  /** On AWS: a Deny on exactly this session's `aws:userid` (add it to the role as an inline policy). */
  readonly denySession?: { readonly Version: '2012-10-17'; readonly Statement: readonly Record<string, unknown>[] }
}

export interface CloudTrailInvestigation {
  readonly version: 1
  readonly source: 'cloudtrail'
  readonly generatedAt: string
  readonly target: TargetView
  readonly window: { readonly since: string | null; readonly until: string | null }
  readonly clusterCidrs: readonly string[]
  readonly inputs: { readonly files: number; readonly records: number }
  readonly summary: {
    readonly serviceAccounts: readonly string[]
    readonly sessions: number
    readonly events: number
    readonly deniedEvents: number
    readonly sourceIPAddresses: readonly string[]
    readonly roles: readonly string[]
    readonly anomalies: Readonly<Record<string, number>>
  }
  readonly sessions: readonly CloudTrailSession[]
  readonly anomalies: readonly Anomaly[]
  /** null without `--iam`. */
  readonly blastRadius: { readonly serviceAccounts: readonly ServiceAccountBlastRadius[]; readonly roles: readonly RoleBlastRadius[] } | null
  readonly recommendations: readonly Recommendation[]
}

export interface CloudTrailInvestigateOptions {
  readonly now: number
  readonly window?: Window
  readonly clusterCidrs?: readonly CidrRange[]
  readonly inputs: { readonly files: number; readonly records: number }
  /** The auditor's graph of `--iam` / `--kubernetes`, for the blast radius. */
  readonly graph?: AuditGraph
}

function targetView(t: CloudTrailTarget): TargetView {
  return t.kind === 'source-ip' ? { kind: 'source-ip', ranges: t.ranges.map((r) => r.text) } : t
}

/** Quote a word for a POSIX shell when it needs it. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

/** The graph's cluster for a service account: the one whose issuer is the session's provider, else the first that has it. */
function clusterOf(graph: AuditGraph, ns: string, name: string, provider: string | undefined): string | undefined {
  const found = graph.serviceAccounts.filter((s) => s.namespace === ns && s.name === name)
  const byIssuer = found.find((s) => {
    const host = graph.clusters.get(s.cluster)?.issuerHost
    return host !== undefined && provider !== undefined && (provider.endsWith(`oidc-provider/${host}`) || provider === s.cluster)
  })
  return (byIssuer ?? found[0])?.cluster ?? [...graph.clusters.keys()][0]
}

function recommendations(sessions: readonly CloudTrailSession[], anomalies: readonly Anomaly[]): Recommendation[] {
  const why = new Map<string, Set<string>>()
  for (const a of anomalies) for (const k of a.accessKeyIds) why.set(k, (why.get(k) ?? new Set()).add(a.kind))
  const out: Recommendation[] = []
  for (const s of sessions) {
    const because = why.get(s.accessKeyId)
    if (because === undefined) continue
    const reason = `CloudTrail: ${[...because].join(', ')} (${s.accessKeyId})`
    const words = ['irsa', 'contain', '--aws', '--role', s.roleArn]
    if (s.depth === 0) words.push('--service-account', s.serviceAccount)
    if (s.sessionName !== undefined) words.push('--session-name', s.sessionName)
    words.push('--reason', reason)
    out.push({
      accessKeyId: s.accessKeyId,
      serviceAccount: s.serviceAccount,
      roleArn: s.roleArn,
      because: [...because],
      command: words.map(shellWord).join(' '),
      ...(s.assumedRoleId === undefined
        ? {}
        : { denySession: { Version: '2012-10-17' as const, Statement: [{ Sid: 'DenyCompromisedSession', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:userid': s.assumedRoleId } } }] } }),
    })
  }
  return out
}

export function investigateCloudTrail(selection: Selection, target: CloudTrailTarget, o: CloudTrailInvestigateOptions): CloudTrailInvestigation {
  const window = o.window ?? {}
  const sessions = buildSessions(selection, window)
  const anomalies = detectAnomalies(sessions, o.clusterCidrs === undefined ? {} : { clusterCidrs: o.clusterCidrs })
  const events = sessions.flatMap((s) => s.events)
  const serviceAccounts = [...new Set(sessions.map((s) => s.serviceAccount))].sort()
  const roles = [...new Set(sessions.map((s) => s.roleArn))].sort()
  const counts: Record<string, number> = {}
  for (const a of anomalies) counts[a.kind] = (counts[a.kind] ?? 0) + 1
  let blastRadius: CloudTrailInvestigation['blastRadius'] = null
  if (o.graph !== undefined) {
    const graph = o.graph
    const sas: ServiceAccountBlastRadius[] = []
    for (const name of serviceAccounts) {
      const root = sessions.find((s) => s.serviceAccount === name && s.depth === 0)
      const sa = saFromSubject(root?.subject)
      if (sa === undefined) continue
      const cluster = clusterOf(graph, sa.namespace, sa.name, root?.provider)
      sas.push(cluster === undefined ? serviceAccountBlastRadius(graph, sa) : serviceAccountBlastRadius(graph, sa, cluster))
    }
    // The roles actually reached, chained ones included.
    blastRadius = { serviceAccounts: sas, roles: roles.map((arn) => roleBlastRadius(graph, arn)) }
  }
  return {
    version: 1,
    source: 'cloudtrail',
    generatedAt: new Date(o.now).toISOString(),
    target: targetView(target),
    window: { since: window.since === undefined ? null : new Date(window.since).toISOString(), until: window.until === undefined ? null : new Date(window.until).toISOString() },
    clusterCidrs: (o.clusterCidrs ?? []).map((c) => c.text),
    inputs: o.inputs,
    summary: {
      serviceAccounts,
      sessions: sessions.length,
      events: events.length,
      deniedEvents: events.filter((e) => e.errorCode !== undefined).length,
      sourceIPAddresses: [...new Set([...sessions.map((s) => s.sourceIPAddress), ...events.map((e) => e.sourceIPAddress)].filter((x): x is string => x !== undefined))].sort(),
      roles,
      anomalies: counts,
    },
    sessions,
    anomalies,
    blastRadius,
    recommendations: recommendations(sessions, anomalies),
  }
}
