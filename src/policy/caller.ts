/**
 * Who is calling, as the evaluation logic needs to know it: the caller's type, account, and the
 * chain of identities AWS may check for it (account → role → session).
 */
import { IrsaError } from '../errors.js'
import { parseArn } from './arn.js'
import { memoize } from './memo.js'
import type { PrincipalType } from './request.js'

export type CallerKind =
  | 'root'
  | 'user'
  | 'role'
  | 'role-session'
  | 'federated-user'
  | 'aws-other'
  | 'federated'
  | 'service'
  | 'canonical-user'
  | 'anonymous'

export interface Caller {
  readonly kind: CallerKind
  readonly raw: string
  /** The account of an IAM caller (root, user, role, session). */
  readonly account: string | undefined
  readonly partition: string
  /** For a role session: the role's name (role ARNs in policies may carry a path, sessions do not). */
  readonly roleName: string | undefined
}

const ACCOUNT_ID = /^\d{12}$/

export function isAwsCaller(c: Caller): boolean {
  return c.kind === 'root' || c.kind === 'user' || c.kind === 'role' || c.kind === 'role-session' || c.kind === 'federated-user' || c.kind === 'aws-other'
}

/**
 * Read the request's principal. Without an explicit principalType, an OIDC/SAML provider ARN is
 * read as Federated and a bare `*.amazonaws.com` name as a Service principal.
 */
export function parseCaller(principal: string, principalType: PrincipalType | undefined): Caller {
  if (typeof principal !== 'string' || principal === '') {
    throw new IrsaError('ERR_REQUEST_SHAPE', 'request.principal must be a non-empty string')
  }
  const read = principalType === undefined ? untyped : typed[principalType]
  return read === undefined ? readCaller(principal, principalType) : read(principal)
}

const untyped = memoize((p: string) => readCaller(p, undefined))
const typed: Partial<Record<PrincipalType, (p: string) => Caller>> = {
  AWS: memoize((p: string) => readCaller(p, 'AWS')),
  Federated: memoize((p: string) => readCaller(p, 'Federated')),
  Service: memoize((p: string) => readCaller(p, 'Service')),
  CanonicalUser: memoize((p: string) => readCaller(p, 'CanonicalUser')),
}

function readCaller(principal: string, principalType: PrincipalType | undefined): Caller {
  const arn = parseArn(principal)
  const type = principalType ?? inferType(principal, arn?.resource)
  const base = { raw: principal, account: undefined, partition: arn?.partition ?? 'aws', roleName: undefined }
  switch (type) {
    case 'Federated':
      return { ...base, kind: 'federated' }
    case 'Service':
      return { ...base, kind: 'service' }
    case 'CanonicalUser':
      return { ...base, kind: 'canonical-user' }
    case 'AWS':
      break
    default:
      throw new IrsaError('ERR_REQUEST_SHAPE', `request.principalType must be AWS, Federated, Service or CanonicalUser, not ${JSON.stringify(type)}`)
  }
  if (principal === '*' || principal.toLowerCase() === 'anonymous') return { ...base, kind: 'anonymous' }
  if (ACCOUNT_ID.test(principal)) return { ...base, kind: 'root', account: principal }
  if (arn === undefined) {
    throw new IrsaError('ERR_REQUEST_SHAPE', `request.principal "${principal}" is not an ARN, an account id or "*"`)
  }
  const account = ACCOUNT_ID.test(arn.account) ? arn.account : undefined
  const r = arn.resource
  const service = arn.service.toLowerCase()
  if (service === 'iam') {
    if (r === 'root') return { ...base, kind: 'root', account }
    if (r.startsWith('user/')) return { ...base, kind: 'user', account }
    if (r.startsWith('role/')) return { ...base, kind: 'role', account, roleName: r.slice(r.lastIndexOf('/') + 1) }
  }
  if (service === 'sts') {
    if (r.startsWith('assumed-role/')) {
      const parts = r.split('/')
      if (parts.length >= 3) return { ...base, kind: 'role-session', account, roleName: parts[1] }
    }
    if (r.startsWith('federated-user/')) return { ...base, kind: 'federated-user', account }
  }
  return { ...base, kind: 'aws-other', account }
}

function inferType(principal: string, arnResource: string | undefined): PrincipalType {
  if (arnResource !== undefined) {
    if (arnResource.startsWith('oidc-provider/') || arnResource.startsWith('saml-provider/')) return 'Federated'
    return 'AWS'
  }
  if (/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/i.test(principal)) return 'Service'
  return 'AWS'
}
