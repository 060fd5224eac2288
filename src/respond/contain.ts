/**
 * Contain a compromised workload on one role, and undo it.
 *
 * `contain` revokes the role's sessions issued before now the way IAM's "Revoke active sessions" does
 * (an inline `AWSRevokeOlderSessions` deny on `aws:TokenIssueTime`), scoped to one service account
 * when one is given (its IRSA sessions by subject, its EKS Pod Identity sessions by session tags),
 * and then also denies that account new sessions in the trust policy (web identity and Pod Identity).
 * It reports the account's Pod Identity associations and, when asked, removes them. The documents
 * live in the store, which the STS, IAM and EKS Auth handlers read on every request, so every replica
 * refuses the revoked sessions on their next call. `undoContainment` restores the previous text of
 * each document when nothing changed it since, and otherwise removes only the containment's own
 * statements; it recreates removed associations exactly. Both write a decision (`irsa:Contain`,
 * `irsa:Undo`) with the reason, and each association change its own EKS decision.
 */
import { ownCluster } from '../eks/cluster.js'
import type { PodIdentityAssociation } from '../model/pod-identity-association.js'
import { IrsaError } from '../errors.js'
import type { Runtime } from '../core/runtime.js'
import { parseRoleArn } from '../sts/role-arn.js'
import { awsTimestamp } from '../sts/timestamp.js'
import { issuerHostPath } from '../tokens/issuer-url.js'
import { readTrustStatements } from '../audit/lib/trust-doc.js'
import type { AssociationUndo, ContainmentRecord } from './containment-store.js'
import { getContainment, putContainment } from './containment-store.js'
import type { ProviderRef } from './revoke-policy.js'
import { REVOKE_POLICY_NAME, addStatements, hasStatements, isRoleSessionName, removeStatements, revokeStatements, sessionDenyStatements, sessionUserId, trustDenyStatements } from './revoke-policy.js'
import type { ServiceAccountRef } from '../model/service-account-ref.js'

export interface ContainInput {
  readonly roleArn: string
  /** Only this service account: its older sessions are revoked and it gets no new ones. */
  readonly serviceAccount?: ServiceAccountRef
  readonly reason?: string
  readonly actor?: string
  /** Also remove the service account's EKS Pod Identity associations (recorded whole, so an undo recreates them). */
  readonly deleteAssociation?: boolean
  /** Revoke only these sessions of the role (a Deny on their `aws:userid`), whatever their issue time. */
  readonly sessionNames?: readonly string[]
  /** Revoke the sessions that issued these access keys (looked up in the decision log). */
  readonly accessKeyIds?: readonly string[]
  /** Revoke every older session of the role (`aws:TokenIssueTime`), even with a service account. */
  readonly allSessions?: boolean
}

export interface ContainOptions {
  /**
   * Sleeps (injected so tests need not wait). Session issue times have one-second precision, so the
   * revocation bound is the next whole second; `contain` returns once the clock has passed it, so a
   * session obtained after it returns is never caught by it.
   */
  readonly wait?: (ms: number) => Promise<void>
}

const SA_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/

/** `NS/NAME` → a service account reference; throws ERR_CLI_USAGE otherwise. */
export function parseServiceAccountRef(text: string): ServiceAccountRef {
  const i = text.indexOf('/')
  const namespace = i < 0 ? '' : text.slice(0, i)
  const name = i < 0 ? '' : text.slice(i + 1)
  if (!SA_NAME.test(namespace) || !SA_NAME.test(name) || namespace.length > 63 || name.length > 253) {
    throw new IrsaError('ERR_CLI_USAGE', `expected a service account as NAMESPACE/NAME, not ${JSON.stringify(text)}`)
  }
  return { namespace, name }
}

export function subjectOf(sa: ServiceAccountRef): string {
  return `system:serviceaccount:${sa.namespace}:${sa.name}`
}

const defaultWait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The issuers whose `sub` names the service account: this server's own issuer when the role trusts
 * it (the service account lives in the cluster irsa issues tokens for), else every OIDC provider the
 * trust policy names, else the own issuer.
 */
export function subjectProviders(rt: Runtime, trustPolicy: string): ProviderRef[] {
  const own: ProviderRef = { arn: rt.ownProviderArn, host: issuerHostPath(rt.issuer) }
  const named = trustProviders(trustPolicy)
  if (named.length === 0 || named.some((p) => p.host === own.host)) return [own]
  return named
}

/** The OIDC providers a trust policy's statements name (each once); none when it is not a readable policy. */
export function trustProviders(trustPolicy: string): ProviderRef[] {
  try {
    const seen = new Map<string, ProviderRef>()
    for (const s of readTrustStatements(JSON.parse(trustPolicy) as unknown)) for (const p of s.providers) if (!seen.has(p.host)) seen.set(p.host, { arn: p.arn, host: p.host })
    return [...seen.values()]
  } catch {
    return []
  }
}

/** Role session names from `--session-name`, checked as STS checks `RoleSessionName`. */
export function checkSessionNames(names: readonly string[]): string[] {
  for (const n of names) if (!isRoleSessionName(n)) throw new IrsaError('ERR_CLI_USAGE', `not a role session name (2 to 64 of letters, digits and +=,.@_-): ${JSON.stringify(n)}`)
  return [...new Set(names)]
}

/**
 * The session names of access keys, from the decision log: the allowed exchange (web identity or
 * Pod Identity) that issued each key on this role. Throws ERR_CLI_INPUT for a key the log does not
 * show issued on the role.
 */
export async function sessionNamesOfKeys(rt: Runtime, roleArn: string, accessKeyIds: readonly string[]): Promise<string[]> {
  if (accessKeyIds.length === 0) return []
  const byKey = new Map<string, string>()
  for (const d of await rt.store.listDecisions({ roleArn, outcome: 'Allow', limit: 1_000_000 })) {
    const key = d.detail?.accessKeyId
    if (typeof key === 'string' && d.sessionName !== undefined) byKey.set(key, d.sessionName)
  }
  return accessKeyIds.map((k) => {
    const name = byKey.get(k)
    if (name === undefined) throw new IrsaError('ERR_CLI_INPUT', `the decision log shows no session of ${roleArn} with access key ${k}`)
    return name
  })
}

function newId(rt: Runtime): string {
  return `ctn-${Buffer.from(rt.random.bytes(6)).toString('hex')}`
}

async function roleFor(rt: Runtime, roleArn: string): Promise<{ account: string; name: string; trustPolicy: string; arn: string; roleId: string }> {
  const ref = parseRoleArn(roleArn)
  if (ref === undefined) throw new IrsaError('ERR_CLI_USAGE', `not a role ARN: ${roleArn}`)
  const role = ref.account === rt.account ? await rt.store.getRole(ref.account, ref.name) : undefined
  if (role === undefined || role.arn !== roleArn) throw new IrsaError('ERR_CLI_INPUT', `no such role in account ${rt.account}: ${roleArn}`)
  return role
}

/** The service account's Pod Identity associations on the server's cluster (EKS keeps at most one). */
async function associationsOf(rt: Runtime, sa: ServiceAccountRef): Promise<PodIdentityAssociation[]> {
  const cluster = await ownCluster(rt)
  return (await rt.store.listPodIdentityAssociations(cluster.name)).filter((a) => a.namespace === sa.namespace && a.serviceAccount === sa.name)
}

/** An association removed or recreated by a containment, in the decision log as the EKS API logs its own changes. */
async function logAssociation(rt: Runtime, action: 'eks:DeletePodIdentityAssociation' | 'eks:CreatePodIdentityAssociation', a: PodIdentityAssociation, containmentId: string, actor: string | undefined, reason: string): Promise<void> {
  await rt.log({
    action,
    outcome: 'Allow',
    ...(actor === undefined ? {} : { principal: actor }),
    roleArn: a.roleArn,
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    reason,
    detail: { associationId: a.associationId, clusterName: a.clusterName, containmentId },
  })
}

/** What a containment's revocation covers, in words. */
export function scopeText(r: Pick<ContainmentRecord, 'sessions' | 'subject' | 'allSessions'>): string {
  if (r.sessions !== undefined) return `sessions ${r.sessions.join(', ')} (aws:userid)`
  return r.subject === undefined || r.allSessions === true ? 'all sessions of the role' : `sessions of ${r.subject}`
}

export async function contain(rt: Runtime, input: ContainInput, options: ContainOptions = {}): Promise<ContainmentRecord> {
  if (input.deleteAssociation === true && input.serviceAccount === undefined) {
    throw new IrsaError('ERR_CLI_USAGE', 'removing Pod Identity associations needs a service account (--service-account NS/NAME)')
  }
  const createdAt = rt.clock.now()
  const boundSeconds = Math.floor(createdAt / 1000) + 1
  const issuedBefore = awsTimestamp(boundSeconds)
  const id = newId(rt)
  const sa = input.serviceAccount
  const subject = sa === undefined ? undefined : subjectOf(sa)
  const reason = input.reason ?? 'no reason given'
  const named = checkSessionNames(input.sessionNames ?? [])
  if (input.allSessions === true && (named.length > 0 || (input.accessKeyIds ?? []).length > 0)) {
    throw new IrsaError('ERR_CLI_USAGE', '--all-sessions revokes every session of the role: give it without --session-name/--access-key-id')
  }
  const sessionNames = [...new Set([...named, ...(await sessionNamesOfKeys(rt, input.roleArn, input.accessKeyIds ?? []))])]
  const record = await rt.store.transaction(async () => {
    const role = await roleFor(rt, input.roleArn)
    const providers = sa === undefined ? [] : subjectProviders(rt, role.trustPolicy)
    const before = await rt.store.getRolePolicy(role.arn, REVOKE_POLICY_NAME)
    const statements =
      sessionNames.length > 0
        ? sessionDenyStatements(id, role.roleId, sessionNames)
        : revokeStatements(id, issuedBefore, input.allSessions === true ? undefined : sa, providers)
    const after = addStatements(before, statements, `inline policy ${REVOKE_POLICY_NAME}`)
    rt.compiled('identity', after)
    let trustPolicy: ContainmentRecord['changes']['trustPolicy']
    if (sa !== undefined) {
      const trustAfter = addStatements(role.trustPolicy, trustDenyStatements(id, sa, providers), 'the trust policy')
      rt.compiled('trust', trustAfter)
      trustPolicy = { before: role.trustPolicy, after: trustAfter }
    }
    const associations = sa === undefined ? [] : await associationsOf(rt, sa)
    await rt.store.putRolePolicy(role.arn, REVOKE_POLICY_NAME, after)
    if (trustPolicy !== undefined) await rt.store.updateRole(role.account, role.name, { trustPolicy: trustPolicy.after })
    const deleted: PodIdentityAssociation[] = []
    if (input.deleteAssociation === true) {
      for (const a of associations) {
        const gone = await rt.store.deletePodIdentityAssociation(a.clusterName, a.associationId)
        if (gone !== undefined) deleted.push(gone)
      }
    }
    const r: ContainmentRecord = {
      id,
      roleArn: role.arn,
      account: role.account,
      roleName: role.name,
      ...(input.serviceAccount === undefined ? {} : { subject, namespace: input.serviceAccount.namespace, serviceAccount: input.serviceAccount.name }),
      reason,
      ...(input.actor === undefined ? {} : { actor: input.actor }),
      ...(input.allSessions === true ? { allSessions: true } : {}),
      createdAt,
      issuedBefore,
      ...(sessionNames.length === 0 ? {} : { sessions: sessionNames.map((n) => sessionUserId(role.roleId, n)) }),
      providers,
      ...(sa === undefined ? {} : { podIdentityAssociations: associations }),
      changes: {
        revokePolicy: { name: REVOKE_POLICY_NAME, before, after },
        ...(trustPolicy === undefined ? {} : { trustPolicy }),
        ...(input.deleteAssociation === true ? { deletedAssociations: deleted } : {}),
      },
    }
    await putContainment(rt.store, r)
    return r
  })
  // Logged after the transaction: the decision log writes outside any open transaction.
  for (const a of record.changes.deletedAssociations ?? []) {
    await logAssociation(rt, 'eks:DeletePodIdentityAssociation', a, id, input.actor, `containment ${id} removed the association of ${a.namespace}/${a.serviceAccount}: ${reason}`)
  }
  await rt.log({
    action: 'irsa:Contain',
    outcome: 'Allow',
    roleArn: record.roleArn,
    ...(input.actor === undefined ? {} : { principal: input.actor }),
    ...(record.subject === undefined ? {} : { subject: record.subject, namespace: record.namespace, serviceAccount: record.serviceAccount }),
    reason,
    detail: {
      containmentId: id,
      issuedBefore,
      revokePolicy: REVOKE_POLICY_NAME,
      trustDeny: record.changes.trustPolicy !== undefined,
      scope: scopeText(record),
      ...(record.sessions === undefined ? {} : { sessions: record.sessions }),
      ...(record.podIdentityAssociations === undefined
        ? {}
        : { podIdentityAssociations: record.podIdentityAssociations.map((a) => ({ associationId: a.associationId, roleArn: a.roleArn })) }),
      ...(record.changes.deletedAssociations === undefined ? {} : { deletedAssociations: record.changes.deletedAssociations.map((a) => a.associationId) }),
    },
  })
  if (record.sessions !== undefined) return record
  const wait = options.wait ?? defaultWait
  for (let left = boundSeconds * 1000 - rt.clock.now(); left > 0; left = boundSeconds * 1000 - rt.clock.now()) await wait(Math.min(left, 100))
  return record
}

export interface UndoInput {
  readonly id: string
  readonly reason?: string
  readonly actor?: string
}

export async function undoContainment(rt: Runtime, input: UndoInput): Promise<ContainmentRecord> {
  const at = rt.clock.now()
  const reason = input.reason ?? 'no reason given'
  const record = await rt.store.transaction(async () => {
    const r = await getContainment(rt.store, input.id)
    if (r === undefined) throw new IrsaError('ERR_CLI_INPUT', `no containment ${input.id}`)
    if (r.undoneAt !== undefined) throw new IrsaError('ERR_CLI_INPUT', `containment ${r.id} was undone at ${new Date(r.undoneAt).toISOString()}`)
    const role = await rt.store.getRole(r.account, r.roleName)
    const current = role === undefined || role.arn !== r.roleArn ? undefined : role
    let revoke: 'restored' | 'removed' | 'absent' = 'absent'
    const doc = current === undefined ? undefined : await rt.store.getRolePolicy(r.roleArn, REVOKE_POLICY_NAME)
    if (doc !== undefined) {
      const change = r.changes.revokePolicy
      const next = doc === change.after ? change.before : hasStatements(doc, r.id) ? removeStatements(doc, r.id) : doc
      if (next !== doc) {
        revoke = doc === change.after ? 'restored' : 'removed'
        if (next === undefined) await rt.store.deleteRolePolicy(r.roleArn, REVOKE_POLICY_NAME)
        else await rt.store.putRolePolicy(r.roleArn, REVOKE_POLICY_NAME, next)
      }
    }
    let trust: 'restored' | 'removed' | 'absent' | undefined
    if (r.changes.trustPolicy !== undefined) {
      trust = 'absent'
      if (current !== undefined) {
        const change = r.changes.trustPolicy
        let next: string | undefined
        if (current.trustPolicy === change.after) {
          next = change.before
          trust = 'restored'
        } else if (hasStatements(current.trustPolicy, r.id)) {
          next = removeStatements(current.trustPolicy, r.id) ?? change.before
          trust = 'removed'
        }
        if (next !== undefined) await rt.store.updateRole(current.account, current.name, { trustPolicy: next })
      }
    }
    let associations: Record<string, AssociationUndo> | undefined
    if (r.changes.deletedAssociations !== undefined && r.changes.deletedAssociations.length > 0) {
      associations = {}
      for (const a of r.changes.deletedAssociations) {
        const ref = parseRoleArn(a.roleArn)
        const target = ref === undefined ? undefined : await rt.store.getRole(ref.account, ref.name)
        if (target === undefined || target.arn !== a.roleArn) associations[a.associationId] = 'role-missing'
        else associations[a.associationId] = (await rt.store.createPodIdentityAssociation(a)) ? 'recreated' : 'exists'
      }
    }
    const done: ContainmentRecord = {
      ...r,
      undoneAt: at,
      undoReason: reason,
      undo: { revokePolicy: revoke, ...(trust === undefined ? {} : { trustPolicy: trust }), ...(associations === undefined ? {} : { associations }) },
    }
    await putContainment(rt.store, done)
    return done
  })
  for (const a of record.changes.deletedAssociations ?? []) {
    if (record.undo?.associations?.[a.associationId] !== 'recreated') continue
    await logAssociation(rt, 'eks:CreatePodIdentityAssociation', a, record.id, input.actor, `undo of containment ${record.id} recreated the association of ${a.namespace}/${a.serviceAccount}: ${reason}`)
  }
  await rt.log({
    action: 'irsa:Undo',
    outcome: 'Allow',
    roleArn: record.roleArn,
    ...(input.actor === undefined ? {} : { principal: input.actor }),
    ...(record.subject === undefined ? {} : { subject: record.subject, namespace: record.namespace, serviceAccount: record.serviceAccount }),
    reason,
    detail: { containmentId: record.id, ...record.undo },
  })
  return record
}
