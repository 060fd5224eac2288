/**
 * The policy statements a containment adds, and their removal. Pure: documents in, documents out.
 *
 * - Revoking sessions is what IAM's "Revoke active sessions" does (IAM User Guide, "Revoking IAM role
 *   temporary security credentials", id_roles_use_revoke-sessions.html): an inline role policy named
 *   `AWSRevokeOlderSessions` that denies every action on every resource when `aws:TokenIssueTime` is
 *   earlier than the revocation time. Permissions of temporary credentials are evaluated on every
 *   request (id_credentials_temp_control-access_disable-perms.html), so older sessions fail at once.
 *   Scoped to one service account, the statement also requires `<issuer>:sub` to be that account's
 *   subject (the web-identity keys stay in a session's request context).
 * - Blocking new credentials for one service account is a Deny statement for
 *   sts:AssumeRoleWithWebIdentity in the trust policy on `<issuer>:sub`; an explicit Deny wins over the
 *   Allow that admits the other workloads.
 *
 * Every statement a containment adds carries the Sid `IrsaContain<id>` (plus a suffix when there are
 * several), so an undo removes exactly those statements even when the document changed since.
 */
import { IrsaError } from '../errors.js'

export const REVOKE_POLICY_NAME = 'AWSRevokeOlderSessions'
const WEB_IDENTITY = 'sts:AssumeRoleWithWebIdentity'

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

/**
 * The revoke statements: deny everything to sessions issued before `issuedBefore` (an AWS timestamp,
 * `YYYY-MM-DDTHH:MM:SSZ`); with a subject, one statement per provider, each also requiring that
 * provider's `sub` to equal it.
 */
export function revokeStatements(id: string, issuedBefore: string, subject?: string, providers: readonly ProviderRef[] = []): Statement[] {
  const base = { Effect: 'Deny', Action: ['*'], Resource: ['*'] }
  if (subject === undefined) {
    return [{ Sid: containmentSid(id), ...base, Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } } }]
  }
  if (providers.length === 0) throw new TypeError('a subject-scoped revocation needs at least one provider')
  const names = sids(id, providers.length)
  return providers.map((p, i) => ({
    Sid: names[i],
    ...base,
    Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore }, StringEquals: { [`${p.host}:sub`]: subject } },
  }))
}

/** Trust-policy statements denying new web-identity sessions to one subject, one per provider. */
export function trustDenyStatements(id: string, subject: string, providers: readonly ProviderRef[]): Statement[] {
  if (providers.length === 0) throw new TypeError('a trust deny needs at least one provider')
  const names = sids(id, providers.length)
  return providers.map((p, i) => ({
    Sid: names[i],
    Effect: 'Deny',
    Principal: { Federated: p.arn },
    Action: WEB_IDENTITY,
    Condition: { StringEquals: { [`${p.host}:sub`]: subject } },
  }))
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
