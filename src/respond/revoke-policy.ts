/**
 * The policy statements a containment adds, and their removal. Pure: documents in, documents out.
 *
 * - Revoking sessions is what IAM's "Revoke active sessions" does (IAM User Guide, "Revoking IAM role
 *   temporary security credentials", id_roles_use_revoke-sessions.html): an inline role policy named
 *   `AWSRevokeOlderSessions` that denies every action on every resource when `aws:TokenIssueTime` is
 *   earlier than the revocation time. Permissions of temporary credentials are evaluated on every
 *   request (id_credentials_temp_control-access_disable-perms.html), so older sessions fail at once.
 *   Scoped to one service account, there is one statement per way a session names the account:
 *   IRSA (web-identity) sessions by `<issuer>:sub` (the web-identity keys stay in a session's request
 *   context), EKS Pod Identity sessions by their `kubernetes-namespace` and
 *   `kubernetes-service-account` session tags (`aws:PrincipalTag/…`). A session that lacks a
 *   statement's key is not matched by its `StringEquals` (a missing key never satisfies a plain
 *   string operator), so a web-identity session is never caught by the tag statement, nor a Pod
 *   Identity session of another account by either.
 * - Blocking new credentials for one service account is a Deny in the trust policy: for
 *   sts:AssumeRoleWithWebIdentity on `<issuer>:sub`, and for the service principal
 *   `pods.eks.amazonaws.com` (sts:AssumeRole and sts:TagSession) on the same two tags as request tags
 *   (`aws:RequestTag/…`), which EKS Auth sets from the pod's token. An explicit Deny wins over the
 *   Allow that admits the other workloads.
 *
 * Every statement a containment adds carries the Sid `IrsaContain<id>` (plus a suffix when there are
 * several), so an undo removes exactly those statements even when the document changed since.
 */
import { IrsaError } from '../errors.js'
import { serviceAccountSubject } from '../tokens/service-account-token.js'
import { POD_IDENTITY_SERVICE } from '../model/aws-names.js'

export const REVOKE_POLICY_NAME = 'AWSRevokeOlderSessions'
const WEB_IDENTITY = 'sts:AssumeRoleWithWebIdentity'
/** The Pod Identity session tags (set by EKS Auth from the pod's token) that name the service account. */
const NAMESPACE_TAG = 'kubernetes-namespace'
const SERVICE_ACCOUNT_TAG = 'kubernetes-service-account'

/** The service account a scoped containment names. */
export interface ScopedAccount {
  readonly namespace: string
  readonly name: string
}

/** An OIDC provider a role's trust names: its ARN and the `host/path` prefix of its condition keys. */
export interface ProviderRef {
  readonly arn: string
  readonly host: string
}

type Statement = Record<string, unknown>
interface PolicyDocument {
  Version: string
  Statement: Statement[]
  [k: string]: unknown
}

/** The Sid prefix of a containment's statements (Sids are alphanumeric). */
export function containmentSid(id: string): string {
  return `IrsaContain${id.replace(/[^A-Za-z0-9]/g, '')}`
}

function sids(id: string, n: number): string[] {
  const base = containmentSid(id)
  return n === 1 ? [base] : Array.from({ length: n }, (_, i) => `${base}N${i + 1}`)
}

/** The two tag conditions naming `sa` under `prefix` (`aws:PrincipalTag` or `aws:RequestTag`). */
function tagCondition(prefix: string, sa: ScopedAccount): Record<string, string> {
  return { [`${prefix}/${NAMESPACE_TAG}`]: sa.namespace, [`${prefix}/${SERVICE_ACCOUNT_TAG}`]: sa.name }
}

/**
 * The revoke statements: deny everything to sessions issued before `issuedBefore` (an AWS timestamp,
 * `YYYY-MM-DDTHH:MM:SSZ`); with a service account, one statement per provider, each also requiring
 * that provider's `sub` to be the account's subject, and one requiring its Pod Identity session tags.
 */
export function revokeStatements(id: string, issuedBefore: string, sa?: ScopedAccount, providers: readonly ProviderRef[] = []): Statement[] {
  const base = { Effect: 'Deny', Action: ['*'], Resource: ['*'] }
  const older = { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } }
  if (sa === undefined) return [{ Sid: containmentSid(id), ...base, Condition: older }]
  if (providers.length === 0) throw new TypeError('a service-account revocation needs at least one provider')
  const subject = serviceAccountSubject(sa.namespace, sa.name)
  const names = sids(id, providers.length + 1)
  return [
    ...providers.map((p, i) => ({ Sid: names[i], ...base, Condition: { ...older, StringEquals: { [`${p.host}:sub`]: subject } } })),
    { Sid: names[providers.length], ...base, Condition: { ...older, StringEquals: tagCondition('aws:PrincipalTag', sa) } },
  ]
}

/** Role session names as STS accepts them (`RoleSessionName`: 2 to 64 of `[\w+=,.@-]`). */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/

export function isRoleSessionName(name: string): boolean {
  return SESSION_NAME.test(name)
}

/**
 * `aws:userid` of a role session: `<role id>:<role session name>` (IAM User Guide, "AWS global
 * condition context keys"), the same on AWS and in irsa's request context.
 */
export function sessionUserId(roleId: string, sessionName: string): string {
  return `${roleId}:${sessionName}`
}

/**
 * Deny everything to the named sessions of one role, and only them: one statement on
 * `aws:userid` (several values of a `StringEquals` key match any of them). Other sessions of the
 * role, whatever their issue time, keep their permissions.
 */
export function sessionDenyStatements(id: string, roleId: string, sessionNames: readonly string[]): Statement[] {
  if (sessionNames.length === 0) throw new TypeError('a session deny needs at least one session name')
  const ids = [...new Set(sessionNames)].map((n) => sessionUserId(roleId, n))
  return [{ Sid: containmentSid(id), Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { StringEquals: { 'aws:userid': ids.length === 1 ? ids[0] : ids } } }]
}

/**
 * Trust-policy statements denying one service account new sessions: one per provider for web
 * identity, and one for Pod Identity (EKS Auth's sts:AssumeRole and sts:TagSession). With no
 * provider (a role only Pod Identity assumes), the Pod Identity statement alone.
 */
export function trustDenyStatements(id: string, sa: ScopedAccount, providers: readonly ProviderRef[]): Statement[] {
  const subject = serviceAccountSubject(sa.namespace, sa.name)
  const names = sids(id, providers.length + 1)
  return [
    ...providers.map((p, i) => ({
      Sid: names[i],
      Effect: 'Deny',
      Principal: { Federated: p.arn },
      Action: WEB_IDENTITY,
      Condition: { StringEquals: { [`${p.host}:sub`]: subject } },
    })),
    {
      Sid: names[providers.length],
      Effect: 'Deny',
      Principal: { Service: POD_IDENTITY_SERVICE },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { StringEquals: tagCondition('aws:RequestTag', sa) },
    },
  ]
}

function parse(text: string, what: string): PolicyDocument {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (e) {
    throw new IrsaError('ERR_POLICY_JSON', `${what} is not valid JSON`, { cause: e })
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new IrsaError('ERR_POLICY_SHAPE', `${what} is not a JSON object`)
  const o = v as Record<string, unknown>
  const raw = o.Statement
  const list = Array.isArray(raw) ? (raw as Statement[]) : raw === undefined ? [] : [raw as Statement]
  return { ...o, Version: typeof o.Version === 'string' ? o.Version : '2012-10-17', Statement: list }
}

/** `document` (or a new policy when undefined) with `statements` appended. */
export function addStatements(document: string | undefined, statements: readonly Statement[], what = 'the policy'): string {
  const doc = document === undefined ? { Version: '2012-10-17', Statement: [] } : parse(document, what)
  return JSON.stringify({ ...doc, Statement: [...doc.Statement, ...statements] })
}

/** `document` without the statements of containment `id`; undefined when no statement is left. */
export function removeStatements(document: string, id: string, what = 'the policy'): string | undefined {
  const doc = parse(document, what)
  const kept = doc.Statement.filter((s) => !isOurs(s, id))
  return kept.length === 0 ? undefined : JSON.stringify({ ...doc, Statement: kept })
}

/** Whether `document` holds a statement of containment `id`. */
export function hasStatements(document: string | undefined, id: string): boolean {
  if (document === undefined) return false
  try {
    return parse(document, 'the policy').Statement.some((s) => isOurs(s, id))
  } catch {
    return false
  }
}

/** The containment id a statement Sid names, if it is one of ours. */
export function containmentOfSid(sid: string | undefined, ids: readonly string[]): string | undefined {
  return sid === undefined ? undefined : ids.find((id) => sidMatches(sid, id))
}

function sidMatches(sid: string, id: string): boolean {
  const prefix = containmentSid(id)
  return sid === prefix || (sid.startsWith(`${prefix}N`) && /^\d+$/.test(sid.slice(prefix.length + 1)))
}

function isOurs(s: Statement, id: string): boolean {
  return typeof s.Sid === 'string' && sidMatches(s.Sid, id)
}
