/**
 * The Principal / NotPrincipal element of resource-based policies (including role trust policies).
 *
 * A match says *how* the caller was named, because the evaluation logic depends on it:
 * - `direct`: the caller's own ARN (a user), `*`, or a Federated/Service/CanonicalUser principal;
 * - `session`: the caller's role-session or federated-user ARN;
 * - `role`: the role ARN of a role caller or of the role a session belongs to;
 * - `account`: the caller's account (`123456789012` or `arn:aws:iam::123456789012:root`), which
 *   only delegates: the caller's own policies must also allow.
 * Only `*` is a wildcard; `arn:aws:iam::1:user/*` names nobody.
 */
import { IrsaError } from '../errors.js'
import { parseArn } from './arn.js'
import type { Caller } from './caller.js'

export type PrincipalMatch = 'direct' | 'session' | 'role' | 'account'

interface AwsEntry {
  readonly kind: 'any' | 'account' | 'user' | 'role' | 'session' | 'federated-user' | 'other'
  readonly partition: string
  readonly account: string
  /** The resource part for exact comparisons; for roles, the role name. */
  readonly name: string
  readonly raw: string
}

/** The principals an element names, as written (services lower-cased): data for analysis, not for matching. */
export interface NamedPrincipals {
  /** `"*"` or `{"AWS": "*"}`: everyone. */
  readonly any: boolean
  readonly aws: readonly string[]
  readonly federated: readonly string[]
  readonly service: readonly string[]
}

export interface CompiledPrincipal {
  readonly named: NamedPrincipals
  /** How this element names the caller, or undefined when it does not. */
  match(caller: Caller): PrincipalMatch | undefined
  /** NotPrincipal: whether every identity AWS may check for the caller is listed. */
  coversChain(caller: Caller): boolean
}

const ACCOUNT_ID = /^\d{12}$/
const PRINCIPAL_KEYS = new Set(['AWS', 'Federated', 'Service', 'CanonicalUser'])

/**
 * How `*` names a caller. The documentation exempts from the session policy (and boundary) only a
 * grant naming the session ARN itself; `*` names no session, so for role and federated-user
 * sessions it counts like naming the role, and stays limited by them (the evaluation logic lifts
 * that limit when an `aws:PrincipalArn` condition of the statement names the role).
 */
function wildcardMatch(caller: Caller): PrincipalMatch {
  return caller.kind === 'role' || caller.kind === 'role-session' || caller.kind === 'federated-user' ? 'role' : 'direct'
}

export function compilePrincipal(element: unknown, path: string): CompiledPrincipal {
  if (element === '*') return { named: { any: true, aws: [], federated: [], service: [] }, match: wildcardMatch, coversChain: () => true }
  if (element === null || typeof element !== 'object' || Array.isArray(element)) {
    throw new IrsaError('ERR_POLICY_SHAPE', 'Principal must be "*" or an object with AWS, Federated, Service or CanonicalUser', { path })
  }
  const aws: AwsEntry[] = []
  const federated = new Set<string>()
  const service = new Set<string>()
  const canonical = new Set<string>()
  for (const [key, raw] of Object.entries(element)) {
    if (!PRINCIPAL_KEYS.has(key)) throw new IrsaError('ERR_POLICY_SHAPE', `Invalid principal type "${key}"`, { path: `${path}/${key}` })
    const values = Array.isArray(raw) ? raw : [raw]
    if (values.length === 0) throw new IrsaError('ERR_POLICY_SHAPE', `Principal ${key} must not be empty`, { path: `${path}/${key}` })
    for (const v of values) {
      if (typeof v !== 'string') throw new IrsaError('ERR_POLICY_SHAPE', `Principal ${key} values must be strings`, { path: `${path}/${key}` })
      if (key === 'AWS') aws.push(awsEntry(v))
      else if (key === 'Federated') federated.add(v)
      else if (key === 'Service') service.add(v.toLowerCase())
      else canonical.add(v)
    }
  }
  const anyAws = aws.some((e) => e.kind === 'any')
  return {
    named: { any: anyAws, aws: aws.map((e) => e.raw), federated: [...federated], service: [...service] },
    match(caller) {
      // `{"AWS": "*"}` is the same as `"*"`: everyone, of every principal type.
      if (anyAws) return wildcardMatch(caller)
      switch (caller.kind) {
        case 'federated':
          return federated.has(caller.raw) ? 'direct' : undefined
        case 'service':
          return service.has(caller.raw.toLowerCase()) ? 'direct' : undefined
        case 'canonical-user':
          return canonical.has(caller.raw) ? 'direct' : undefined
        case 'anonymous':
          return undefined
        default:
          return matchAws(aws, caller)
      }
    },
    coversChain(caller) {
      if (anyAws) return true
      switch (caller.kind) {
        case 'federated':
          return federated.has(caller.raw)
        case 'service':
          return service.has(caller.raw.toLowerCase())
        case 'canonical-user':
          return canonical.has(caller.raw)
        case 'anonymous':
          return anyAws
        default:
          return anyAws || awsChainCovered(aws, caller)
      }
    },
  }
}

function awsEntry(v: string): AwsEntry {
  if (v === '*') return { kind: 'any', partition: '', account: '', name: '', raw: v }
  if (ACCOUNT_ID.test(v)) return { kind: 'account', partition: '', account: v, name: '', raw: v }
  const arn = parseArn(v)
  if (arn === undefined) return { kind: 'other', partition: '', account: '', name: v, raw: v }
  const partition = arn.partition.toLowerCase()
  const service = arn.service.toLowerCase()
  const r = arn.resource
  if (service === 'iam' && r === 'root') return { kind: 'account', partition, account: arn.account, name: '', raw: v }
  if (service === 'iam' && r.startsWith('user/')) return { kind: 'user', partition, account: arn.account, name: r, raw: v }
  if (service === 'iam' && r.startsWith('role/')) {
    return { kind: 'role', partition, account: arn.account, name: r.slice(r.lastIndexOf('/') + 1), raw: v }
  }
  if (service === 'sts' && r.startsWith('assumed-role/')) return { kind: 'session', partition, account: arn.account, name: r, raw: v }
  if (service === 'sts' && r.startsWith('federated-user/')) {
    return { kind: 'federated-user', partition, account: arn.account, name: r, raw: v }
  }
  return { kind: 'other', partition, account: arn.account, name: v, raw: v }
}

function callerResource(caller: Caller): string {
  return parseArn(caller.raw)?.resource ?? ''
}

/** Same account and partition; a bare account id (partition '') fits any partition. */
function samePlace(e: AwsEntry, caller: Caller): boolean {
  return e.account === caller.account && (e.partition === '' || e.partition === caller.partition.toLowerCase())
}

/** The strongest way the AWS entries name an IAM caller. */
function matchAws(entries: readonly AwsEntry[], caller: Caller): PrincipalMatch | undefined {
  let best: PrincipalMatch | undefined
  const rank = { account: 1, role: 2, session: 3, direct: 4 } as const
  const offer = (m: PrincipalMatch): void => {
    if (best === undefined || rank[m] > rank[best]) best = m
  }
  for (const e of entries) {
    if (!samePlace(e, caller)) continue
    else if (e.kind === 'account') offer(caller.kind === 'root' ? 'direct' : 'account')
    else if (e.kind === 'user' && caller.kind === 'user' && e.name === callerResource(caller)) offer('direct')
    else if (e.kind === 'role' && (caller.kind === 'role' || caller.kind === 'role-session') && e.name === caller.roleName) offer('role')
    else if (e.kind === 'session' && caller.kind === 'role-session' && e.name === callerResource(caller)) offer('session')
    else if (e.kind === 'federated-user' && caller.kind === 'federated-user' && e.name === callerResource(caller)) offer('session')
    else if (e.kind === 'other' && e.raw === caller.raw) offer('direct')
  }
  return best
}

/**
 * AWS may check a caller's account, then its role or user, then its session: a Deny with
 * NotPrincipal spares the caller only when each of these is listed (IAM User Guide, NotPrincipal).
 */
function awsChainCovered(entries: readonly AwsEntry[], caller: Caller): boolean {
  const listed = (pred: (e: AwsEntry) => boolean): boolean => entries.some((e) => samePlace(e, caller) && pred(e))
  const res = callerResource(caller)
  const accountListed = listed((e) => e.kind === 'account')
  switch (caller.kind) {
    case 'root':
      return accountListed
    case 'user':
      return accountListed && listed((e) => e.kind === 'user' && e.name === res)
    case 'role':
      return accountListed && listed((e) => e.kind === 'role' && e.name === caller.roleName)
    case 'role-session':
      return (
        accountListed &&
        listed((e) => e.kind === 'role' && e.name === caller.roleName) &&
        listed((e) => e.kind === 'session' && e.name === res)
      )
    case 'federated-user':
      return accountListed && listed((e) => e.kind === 'federated-user' && e.name === res)
    default:
      return listed((e) => e.raw === caller.raw)
  }
}
