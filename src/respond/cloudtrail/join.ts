/**
 * The join: from CloudTrail records to the role sessions of Kubernetes service accounts, and every
 * event made with them. A session is attributed to a service account ONLY through the chain
 * CloudTrail itself records: the account's exchange (`AssumeRoleWithWebIdentity` with its `sub`, or
 * EKS Auth `AssumeRoleForPodIdentity` with its namespace and service account) returned an access key;
 * events made with that key (`userIdentity.accessKeyId`) belong to the session; an `AssumeRole` made
 * with it (role chaining) returned another key, whose events belong to the same account, and so on
 * up to MAX_CHAIN_DEPTH hops. Session names, role names and `sessionContext` attributes are never
 * used to attribute (anyone can choose a session name).
 *
 * Two passes over the input keep memory bounded by what is relevant, not by the size of the trail:
 * pass 1 (`JoinIndex.add`) keeps only issuances (one small entry per exchange or AssumeRole) and, for
 * `--source-ip`, the keys seen from that range; `select` computes the sessions of the target; pass 2
 * (`Selection.wants`) keeps only the events of those sessions. Files need not be in time order.
 * Pure: records in, sessions out.
 */
import type { CidrRange } from './cidr.js'
import { inRanges, ipOf } from './cidr.js'
import type { Issuance } from './issuance.js'
import { chainedIssuance, serviceAccountIssuance } from './issuance.js'
import type { CloudTrailRecord } from './record.js'
import { eventIdOf } from './record.js'

/** Role chaining is followed this many hops from the service account's own session. */
export const MAX_CHAIN_DEPTH = 5

export type CloudTrailTarget =
  | { readonly kind: 'all' }
  | { readonly kind: 'service-account'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'role'; readonly arn: string }
  | { readonly kind: 'access-key-id'; readonly accessKeyId: string }
  | { readonly kind: 'source-ip'; readonly ranges: readonly CidrRange[] }

/** A selected session: its issuance, how deep in a chain, and the service account's own session at the root. */
export interface SelectedSession {
  readonly issuance: Issuance
  readonly depth: number
  readonly rootAccessKeyId: string
  /** The service account's `sub`, inherited along the chain. */
  readonly subject: string
}

export class JoinIndex {
  /** Service-account exchanges by key (a Pod Identity key may be recorded twice: EKS Auth and STS). */
  private readonly roots = new Map<string, Issuance>()
  /** Role-chaining AssumeRole calls by the caller's key. */
  private readonly chains = new Map<string, Issuance[]>()
  /** Keys seen calling from `--source-ip` ranges (only with that target). */
  private readonly ipKeys = new Set<string>()
  private readonly ipRoots = new Set<string>()
  records = 0

  private readonly ranges: readonly CidrRange[]

  constructor(ranges: readonly CidrRange[] = []) {
    this.ranges = ranges
  }

  add(r: CloudTrailRecord): void {
    this.records++
    const sa = serviceAccountIssuance(r)
    if (sa !== undefined) {
      const had = this.roots.get(sa.accessKeyId)
      // Prefer the EKS Auth record of a Pod Identity session to the STS call it made for it.
      if (had === undefined || (had.tags !== undefined && r.eventSource === 'eks-auth.amazonaws.com')) this.roots.set(sa.accessKeyId, sa)
    }
    const chained = chainedIssuance(r)
    if (chained?.parentAccessKeyId !== undefined) {
      const list = this.chains.get(chained.parentAccessKeyId) ?? []
      if (!list.some((c) => c.accessKeyId === chained.accessKeyId)) list.push(chained)
      this.chains.set(chained.parentAccessKeyId, list)
    }
    if (this.ranges.length > 0) {
      const ip = ipOf(r.sourceIPAddress)
      if (ip !== undefined && inRanges(ip, this.ranges)) {
        const key = r.userIdentity?.accessKeyId
        if (key !== undefined) this.ipKeys.add(key)
        if (sa !== undefined) this.ipRoots.add(sa.accessKeyId)
      }
    }
  }

  /** Every service-account session with its chained sessions, grouped by root key. */
  private trees(): Map<string, SelectedSession[]> {
    const out = new Map<string, SelectedSession[]>()
    for (const root of this.roots.values()) {
      const subject = root.subject as string
      const tree: SelectedSession[] = [{ issuance: root, depth: 0, rootAccessKeyId: root.accessKeyId, subject }]
      const seen = new Set([root.accessKeyId])
      for (let i = 0; i < tree.length; i++) {
        const s = tree[i] as SelectedSession
        if (s.depth >= MAX_CHAIN_DEPTH) continue
        for (const c of this.chains.get(s.issuance.accessKeyId) ?? []) {
          if (seen.has(c.accessKeyId)) continue
          seen.add(c.accessKeyId)
          tree.push({ issuance: { ...c, subject }, depth: s.depth + 1, rootAccessKeyId: root.accessKeyId, subject })
        }
      }
      out.set(root.accessKeyId, tree)
    }
    return out
  }

  /** The sessions of the target: whole chains (the account's session and every session chained from it). */
  select(target: CloudTrailTarget): Selection {
    const chosen: SelectedSession[] = []
    for (const tree of this.trees().values()) {
      const root = tree[0] as SelectedSession
      let keep: boolean
      switch (target.kind) {
        case 'all':
          keep = true
          break
        case 'service-account':
          keep = root.subject === `system:serviceaccount:${target.namespace}:${target.name}`
          break
        case 'role':
          keep = tree.some((s) => s.issuance.roleArn === target.arn)
          break
        case 'access-key-id':
          keep = tree.some((s) => s.issuance.accessKeyId === target.accessKeyId)
          break
        case 'source-ip':
          keep = this.ipRoots.has(root.issuance.accessKeyId) || tree.some((s) => this.ipKeys.has(s.issuance.accessKeyId))
          break
      }
      if (keep) chosen.push(...tree)
    }
    return new Selection(chosen)
  }
}

/** Pass 2: the events of the selected sessions. */
export class Selection {
  readonly byKey: ReadonlyMap<string, SelectedSession>
  private readonly events = new Map<string, CloudTrailRecord[]>()
  private readonly seen = new Set<string>()

  readonly sessions: readonly SelectedSession[]

  constructor(sessions: readonly SelectedSession[]) {
    this.sessions = sessions
    this.byKey = new Map(sessions.map((s) => [s.issuance.accessKeyId, s]))
  }

  /** Keep the record when it was made with a selected key. Duplicates (same event id) are dropped. */
  add(r: CloudTrailRecord): void {
    const key = r.userIdentity?.accessKeyId
    if (key === undefined || !this.byKey.has(key)) return
    const id = eventIdOf(r)
    if (this.seen.has(id)) return
    this.seen.add(id)
    const list = this.events.get(key) ?? []
    list.push(r)
    this.events.set(key, list)
  }

  eventsOf(accessKeyId: string): readonly CloudTrailRecord[] {
    return [...(this.events.get(accessKeyId) ?? [])].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime) || eventIdOf(a).localeCompare(eventIdOf(b)))
  }
}

/** Both passes over records already in memory (tests, small inputs). */
export function joinRecords(records: readonly CloudTrailRecord[], target: CloudTrailTarget): Selection {
  const index = new JoinIndex(target.kind === 'source-ip' ? target.ranges : [])
  for (const r of records) index.add(r)
  const selection = index.select(target)
  for (const r of records) selection.add(r)
  return selection
}
