/**
 * `irsa investigate`: for a service account, a pod or a role, the timeline of token exchanges and
 * authorizations from the decision log, the sessions those exchanges issued and whether each is
 * still valid, the containments in force, and the blast radius (every role reachable, by tier, with
 * the statements granting it). One JSON-ready object; the text form is in `format.ts`.
 */
import type { Runtime } from '../core/runtime.js'
import type { DecisionRecord } from '../store/decision-log.js'
import { sessionCallerPolicies } from '../iam/caller-policies.js'
import { evaluate } from '../policy/evaluate.js'
import { SA_PREFIX } from '../audit/lib/trust-doc.js'
import type { RoleBlastRadius, ServiceAccountBlastRadius } from './blast-radius.js'
import { investigationGraph, roleBlastRadius, serviceAccountBlastRadius } from './blast-radius.js'
import type { ServiceAccountRef } from '../model/service-account-ref.js'
import { subjectOf } from './contain.js'
import type { ContainmentRecord } from './containment-store.js'
import { listContainments } from './containment-store.js'
import { containmentOfSid } from './revoke-policy.js'
import type { LoggedSession, SessionInfo, TimelineEntry } from './timeline.js'
import { issuedSessions, sessionInfo, timeline } from './timeline.js'

export type InvestigationTarget =
  | { readonly kind: 'service-account'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'pod'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'role'; readonly arn: string }

export interface InvestigateOptions {
  /** Only decisions at or after this time (epoch milliseconds). */
  readonly since?: number
  /** At most this many decisions are read (newest kept); default 100,000. */
  readonly limit?: number
}

export interface Investigation {
  readonly version: 1
  readonly generatedAt: string
  readonly target: InvestigationTarget & { readonly subject?: string }
  /** The window start, null without --since. */
  readonly since: string | null
  /** Service accounts involved (the target, or the pod's, or those seen on the role). */
  readonly serviceAccounts: readonly string[]
  readonly timeline: readonly TimelineEntry[]
  readonly summary: {
    readonly decisions: number
    readonly exchangesAllowed: number
    readonly exchangesDenied: number
    readonly otherDenials: number
    readonly sessions: number
    readonly liveSessions: number
    readonly revokedSessions: number
    readonly sourceIps: readonly string[]
    readonly pods: readonly string[]
    readonly firstSeen: string | undefined
    readonly lastSeen: string | undefined
  }
  /** Every session the exchanges issued (in the window, or still within a session lifetime), with its status now. */
  readonly sessions: readonly SessionInfo[]
  /** The sessions still valid now (not expired, not revoked). */
  readonly liveSessions: readonly SessionInfo[]
  /** Containments on the roles involved, active and undone. */
  readonly containments: readonly ContainmentRecord[]
  readonly blastRadius: {
    readonly serviceAccounts: readonly ServiceAccountBlastRadius[]
    readonly role?: RoleBlastRadius
  }
}

const DEFAULT_LIMIT = 100_000
/** The longest role session (DurationSeconds and MaxSessionDuration cap at 43,200 s). */
const MAX_SESSION_SECONDS = 43_200

/** The service account of a `system:serviceaccount:NS:NAME` subject; undefined for any other subject. */
export function saFromSubject(subject: string | undefined): ServiceAccountRef | undefined {
  if (subject === undefined || !subject.startsWith(SA_PREFIX)) return undefined
  const rest = subject.slice(SA_PREFIX.length)
  const i = rest.indexOf(':')
  if (i <= 0 || i === rest.length - 1 || rest.indexOf(':', i + 1) >= 0) return undefined
  return { namespace: rest.slice(0, i), name: rest.slice(i + 1) }
}

async function decisionsFor(rt: Runtime, target: InvestigationTarget, o: InvestigateOptions): Promise<DecisionRecord[]> {
  const base = { ...(o.since === undefined ? {} : { since: o.since }), limit: o.limit ?? DEFAULT_LIMIT }
  switch (target.kind) {
    case 'service-account':
      return rt.store.listDecisions({ ...base, subject: subjectOf(target) })
    case 'role':
      return rt.store.listDecisions({ ...base, roleArn: target.arn })
    case 'pod': {
      const all = await rt.store.listDecisions(base)
      return all.filter((d) => {
        const pod = d.detail?.pod as { name?: unknown } | undefined
        return d.namespace === target.namespace && typeof pod === 'object' && pod !== null && pod.name === target.name
      })
    }
  }
}

/** Why a session is refused now, per the engine over the role's current policies; undefined when it is not. */
async function revocationOf(rt: Runtime, s: LoggedSession, containmentIds: readonly string[], roleIds: Map<string, string | undefined>): Promise<string | undefined> {
  const r = s.record
  const roleArn = r.roleArn as string
  const name = roleArn.slice(roleArn.lastIndexOf('/') + 1)
  const account = roleArn.split(':')[4] ?? rt.account
  if (!roleIds.has(roleArn)) {
    const role = await rt.store.getRole(account, name)
    roleIds.set(roleArn, role?.arn === roleArn ? role.roleId : undefined)
  }
  const roleId = roleIds.get(roleArn)
  if (roleId === undefined) return 'the role no longer exists'
  const sessionName = r.sessionName ?? ''
  const audience = typeof r.detail?.audience === 'string' ? r.detail.audience : undefined
  const { policies, context } = await sessionCallerPolicies(
    rt,
    {
      v: 1,
      accessKeyId: s.accessKeyId,
      secretAccessKey: '',
      account,
      roleArn,
      roleId,
      roleName: name,
      sessionName,
      issuedAt: s.issuedAt,
      expiresAt: s.expiresAt,
      ...(r.principal === undefined ? {} : { providerArn: r.principal }),
      ...(r.subject === undefined ? {} : { subject: r.subject }),
      ...(audience === undefined ? {} : { audience }),
    },
    r.sourceIp ?? '0.0.0.0',
  )
  // An action no policy names: only a Deny on every action (a revocation) refuses it.
  const d = evaluate(
    { principal: `arn:${rt.partition}:sts::${account}:assumed-role/${name}/${sessionName}`, action: 'irsa-investigate:ProbeSessionValidity', resource: '*', context },
    { identity: policies.identity ?? [] },
  )
  if (d.decision !== 'ExplicitDeny') return undefined
  for (const st of d.statements) {
    const id = containmentOfSid(st.sid, containmentIds)
    if (id !== undefined) return id
  }
  const st = d.statements[0]
  return st === undefined ? 'an explicit deny' : st.sid ?? `${st.policy}[${st.index}]`
}

export async function investigate(rt: Runtime, target: InvestigationTarget, options: InvestigateOptions = {}): Promise<Investigation> {
  const nowMs = rt.clock.now()
  const nowSeconds = Math.floor(nowMs / 1000)
  const records = await decisionsFor(rt, target, options)
  const entries = timeline(records)
  // Live sessions do not depend on the window: a session lives up to 12 hours, so with --since the
  // exchanges of that last stretch are read as well.
  const sessionWindow = nowMs - MAX_SESSION_SECONDS * 1000
  const sessionRecords = options.since === undefined || options.since <= sessionWindow ? records : await decisionsFor(rt, target, { ...options, since: sessionWindow })

  // The service accounts involved.
  const sas = new Map<string, ServiceAccountRef>()
  const addSa = (sa: ServiceAccountRef | undefined): void => {
    if (sa !== undefined) sas.set(`${sa.namespace}/${sa.name}`, sa)
  }
  if (target.kind === 'service-account') addSa({ namespace: target.namespace, name: target.name })
  else for (const r of records) addSa(saFromSubject(r.subject))

  // Sessions and their status now.
  const containments = await listContainments(rt.store)
  const ids = containments.map((c) => c.id)
  const roleIds = new Map<string, string | undefined>()
  const sessions: SessionInfo[] = []
  for (const s of issuedSessions(sessionRecords)) {
    const revokedBy = s.expiresAt <= nowSeconds ? undefined : await revocationOf(rt, s, ids, roleIds)
    sessions.push(sessionInfo(s, nowSeconds, revokedBy))
  }

  const roles = new Set<string>()
  for (const r of records) if (r.roleArn !== undefined) roles.add(r.roleArn)
  if (target.kind === 'role') roles.add(target.arn)
  const graph = await investigationGraph(rt, [...sas.values()])
  const saRadius = [...sas.values()].map((sa) => serviceAccountBlastRadius(graph, sa))
  for (const b of saRadius) for (const r of b.roles) roles.add(r.arn)
  const relevant = containments.filter((c) => roles.has(c.roleArn))

  const exchanges = records.filter((r) => r.action === 'sts:AssumeRoleWithWebIdentity')
  const pods = new Set<string>()
  for (const e of entries) if (e.pod !== undefined) pods.add(`${e.namespace ?? '?'}/${e.pod.name}`)
  const live = sessions.filter((s) => s.status === 'live')
  return {
    version: 1,
    generatedAt: new Date(nowMs).toISOString(),
    target: target.kind === 'role' ? target : { ...target, ...(target.kind === 'service-account' ? { subject: subjectOf(target) } : {}) },
    since: options.since === undefined ? null : new Date(options.since).toISOString(),
    serviceAccounts: [...sas.keys()].sort(),
    timeline: entries,
    summary: {
      decisions: records.length,
      exchangesAllowed: exchanges.filter((r) => r.outcome === 'Allow').length,
      exchangesDenied: exchanges.filter((r) => r.outcome !== 'Allow').length,
      otherDenials: records.filter((r) => r.action !== 'sts:AssumeRoleWithWebIdentity' && r.outcome !== 'Allow').length,
      sessions: sessions.length,
      liveSessions: live.length,
      revokedSessions: sessions.filter((s) => s.status === 'revoked').length,
      sourceIps: [...new Set(records.map((r) => r.sourceIp).filter((x): x is string => x !== undefined))].sort(),
      pods: [...pods].sort(),
      firstSeen: entries[0]?.at,
      lastSeen: entries[entries.length - 1]?.at,
    },
    sessions,
    liveSessions: live,
    containments: relevant,
    blastRadius: {
      serviceAccounts: saRadius,
      ...(target.kind === 'role' ? { role: roleBlastRadius(graph, target.arn) } : {}),
    },
  }
}
