/** Principal / NotPrincipal: `"*"`, or an object keyed by AWS, Federated, Service, CanonicalUser. */
import { syntaxError } from './context.js'
import type { Located, ValidationContext } from './context.js'
import { hasWildcard } from '../wildcard.js'
import { describe, members, stringOrStrings } from './nodes.js'
import type { StringItem } from './nodes.js'
import { isValidPartition, splitArn } from './resource.js'

export const PRINCIPAL_TYPES = ['AWS', 'Federated', 'Service', 'CanonicalUser'] as const

/** Identity providers that may be named in `Federated` without an ARN (IAM User Guide, Principal). */
const WEB_IDENTITY_PROVIDERS = ['cognito-identity.amazonaws.com', 'www.amazon.com', 'graph.facebook.com', 'accounts.google.com']

function isDigits(s: string, length: number): boolean {
  if (s.length !== length) return false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return false
  }
  return true
}

function isHexLower64(s: string): boolean {
  if (s.length !== 64) return false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false
  }
  return true
}

/** A service principal is a DNS-style name: lowercase letters, digits, dots and hyphens. */
function isServiceName(s: string): boolean {
  if (s === '' || !s.includes('.')) return false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d
    if (!ok) return false
  }
  return true
}

function iamArnParts(value: string, services: readonly string[]): string[] | undefined {
  const parts = splitArn(value)
  if (parts.length !== 6 || parts[0] !== 'arn') return undefined
  const [, partition = '', service = '', region = '', account = ''] = parts
  if (!isValidPartition(partition) || hasWildcard(partition) || !services.includes(service) || region !== '') return undefined
  if (!isDigits(account, 12)) return undefined
  return parts
}

/** `*`, an account ID, or an IAM / STS principal ARN (no partial wildcards: AWS rejects them). */
export function isValidAwsPrincipal(value: string): boolean {
  if (value === '*' || isDigits(value, 12)) return true
  if (hasWildcard(value)) return false
  const parts = iamArnParts(value, ['iam', 'sts'])
  if (parts === undefined) return false
  const [, , service, , , resource = ''] = parts
  if (service === 'iam') {
    return resource === 'root' || ['user/', 'role/', 'federated-user/'].some((p) => resource.startsWith(p) && resource.length > p.length)
  }
  return ['assumed-role/', 'federated-user/'].some((p) => resource.startsWith(p) && resource.length > p.length)
}

export function isValidFederatedPrincipal(value: string): boolean {
  if (WEB_IDENTITY_PROVIDERS.includes(value)) return true
  const parts = iamArnParts(value, ['iam'])
  const resource = parts?.[5] ?? ''
  return ['oidc-provider/', 'saml-provider/'].some((p) => resource.startsWith(p) && resource.length > p.length)
}

function checkPrincipalValue(ctx: ValidationContext, type: string, item: StringItem): void {
  const { value } = item
  let ok: boolean
  switch (type) {
    case 'AWS':
      ok = isValidAwsPrincipal(value)
      break
    case 'Federated':
      ok = isValidFederatedPrincipal(value)
      break
    case 'Service':
      ok = isServiceName(value)
      break
    default:
      ok = isHexLower64(value)
  }
  if (!ok) ctx.error(`Invalid principal in policy: "${type}":"${value}"`, item.at)
}

/** Validate the shape and values of a Principal or NotPrincipal element. */
export function checkPrincipalElement(ctx: ValidationContext, element: 'Principal' | 'NotPrincipal', at: Located): void {
  if (at.node.type === 'string') {
    if (at.node.value !== '*') {
      ctx.error(`Invalid principal in policy: "${String(at.node.value)}". A ${element} given as a string must be "*".`, at)
    }
    return
  }
  if (at.node.type !== 'object') {
    ctx.error(syntaxError(`${element} must be "*" or an object, not ${describe(at.node)}.`), at)
    return
  }
  const entries = members(at)
  if (entries.length === 0) {
    ctx.error(syntaxError(`${element} must name at least one principal.`), at)
    return
  }
  for (const entry of entries) {
    if (!(PRINCIPAL_TYPES as readonly string[]).includes(entry.key)) {
      ctx.error(
        syntaxError(`Unknown principal type "${entry.key}" in ${element}; expected one of ${PRINCIPAL_TYPES.join(', ')}.`),
        entry.keyAt,
      )
      continue
    }
    const values = stringOrStrings(entry.at, (where, what) =>
      ctx.error(syntaxError(`${element} ${entry.key} must be a string or an array of strings, not ${what}.`), where),
    )
    if (values === undefined) continue
    if (values.length === 0) {
      ctx.error(syntaxError(`${element} ${entry.key} must not be an empty array.`), entry.at)
      continue
    }
    for (const item of values) checkPrincipalValue(ctx, entry.key, item)
  }
}

/** True when the element is exactly `"*"` (the only Principal an RCP accepts). */
export function isStarPrincipal(at: Located): boolean {
  return at.node.type === 'string' && at.node.value === '*'
}
