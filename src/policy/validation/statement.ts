/** One statement: its elements, which ones each policy kind requires or forbids, and their values. */
import type { PolicyKind } from '../kind.js'
import { checkActionFormat, checkTrustPolicyAction } from './action.js'
import { checkCondition } from './condition.js'
import { isIamKind, syntaxError } from './context.js'
import type { Located, ValidationContext } from './context.js'
import { describe, members, stringOrStrings } from './nodes.js'
import type { Member, StringItem } from './nodes.js'
import { checkPrincipalElement, isStarPrincipal } from './principal.js'
import { checkResourceFormat } from './resource.js'

export const STATEMENT_ELEMENTS = [
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
] as const

type StatementElement = (typeof STATEMENT_ELEMENTS)[number]

const NO_PRINCIPAL_KINDS: readonly PolicyKind[] = ['identity', 'boundary', 'session', 'scp']

function isAlphanumeric(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    if (!ok) return false
  }
  return true
}

function checkEffect(ctx: ValidationContext, statement: Located, effect: Member | undefined): 'Allow' | 'Deny' | undefined {
  if (effect === undefined) {
    ctx.error(syntaxError('Missing required element Effect.'), statement)
    return undefined
  }
  const { node } = effect.at
  if (node.type !== 'string') {
    ctx.error(syntaxError(`Effect must be "Allow" or "Deny", not ${describe(node)}.`), effect.at)
    return undefined
  }
  const value = String(node.value)
  if (value === 'Allow' || value === 'Deny') {
    if (ctx.kind === 'rcp' && value === 'Allow') {
      ctx.warn(
        'AllowInResourceControlPolicy',
        'Resource control policies support the Allow effect only in the AWS-managed RCPFullAWSAccess policy; write Deny statements.',
        effect.at,
      )
    }
    return value
  }
  const lower = value.toLowerCase()
  if (lower === 'allow' || lower === 'deny') {
    ctx.error(`The policy failed legacy parsing. Effect "${value}" must be written "Allow" or "Deny" (case-sensitive).`, effect.at)
  } else {
    ctx.error(syntaxError(`Effect must be "Allow" or "Deny", not "${value}".`), effect.at)
  }
  return undefined
}

function checkSid(ctx: ValidationContext, sid: Member): StringItem | undefined {
  if (sid.at.node.type !== 'string') {
    ctx.error(syntaxError(`Sid must be a string, not ${describe(sid.at.node)}.`), sid.at)
    return undefined
  }
  const value = String(sid.at.node.value)
  if (isIamKind(ctx.kind) && !isAlphanumeric(value)) {
    ctx.error(
      `Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*. Found "${value}".`,
      sid.at,
    )
  }
  return { value, at: sid.at }
}

function checkPrincipals(
  ctx: ValidationContext,
  statement: Located,
  principal: Member | undefined,
  notPrincipal: Member | undefined,
): void {
  const { kind } = ctx
  if (NO_PRINCIPAL_KINDS.includes(kind)) {
    for (const m of [principal, notPrincipal]) {
      if (m !== undefined) ctx.error('Policy document should not specify a principal.', m.keyAt)
    }
    return
  }
  if (principal !== undefined && notPrincipal !== undefined) {
    ctx.error(syntaxError('A statement cannot contain both Principal and NotPrincipal.'), notPrincipal.keyAt)
    return
  }
  if (kind === 'trust' || kind === 'rcp') {
    if (notPrincipal !== undefined) {
      ctx.error(
        kind === 'trust'
          ? 'Has prohibited field NotPrincipal.'
          : 'NotPrincipal is not supported in a resource control policy.',
        notPrincipal.keyAt,
      )
      return
    }
    if (principal === undefined) {
      ctx.error('Missing required field Principal.', statement)
      return
    }
    if (kind === 'rcp') {
      if (!isStarPrincipal(principal.at)) ctx.error('Principal must be "*" in a resource control policy.', principal.at)
      return
    }
    checkPrincipalElement(ctx, 'Principal', principal.at)
    return
  }
  // resource
  if (principal === undefined && notPrincipal === undefined) {
    ctx.error('Missing required field Principal. A resource-based policy statement needs Principal or NotPrincipal.', statement)
    return
  }
  if (principal !== undefined) checkPrincipalElement(ctx, 'Principal', principal.at)
  if (notPrincipal !== undefined) checkPrincipalElement(ctx, 'NotPrincipal', notPrincipal.at)
}

function readList(ctx: ValidationContext, element: StatementElement, m: Member): StringItem[] | undefined {
  return stringOrStrings(m.at, (where, what) =>
    ctx.error(syntaxError(`${element} must be a string or an array of strings, not ${what}.`), where),
  )
}

function checkActions(ctx: ValidationContext, statement: Located, action: Member | undefined, notAction: Member | undefined): void {
  if (action !== undefined && notAction !== undefined) {
    ctx.error(syntaxError('A statement cannot contain both Action and NotAction.'), notAction.keyAt)
    return
  }
  const m = action ?? notAction
  if (m === undefined) {
    ctx.error('Policy statement must contain actions.', statement)
    return
  }
  if (ctx.kind === 'rcp' && notAction !== undefined) {
    ctx.error('NotAction is not supported in a resource control policy.', notAction.keyAt)
    return
  }
  const list = readList(ctx, m.key as StatementElement, m)
  if (list === undefined) return
  if (list.length === 0) {
    ctx.error('Policy statement must contain actions.', m.at)
    return
  }
  for (const item of list) {
    if (!checkActionFormat(ctx, item)) continue
    if (ctx.kind === 'trust' && action !== undefined) checkTrustPolicyAction(ctx, item)
  }
}

function checkResources(
  ctx: ValidationContext,
  statement: Located,
  resource: Member | undefined,
  notResource: Member | undefined,
): void {
  if (ctx.kind === 'trust') {
    for (const m of [resource, notResource]) {
      if (m !== undefined) ctx.error(`Has prohibited field ${m.key}.`, m.keyAt)
    }
    return
  }
  if (resource !== undefined && notResource !== undefined) {
    ctx.error(syntaxError('A statement cannot contain both Resource and NotResource.'), notResource.keyAt)
    return
  }
  const m = resource ?? notResource
  if (m === undefined) {
    ctx.error('Policy statement must contain resources.', statement)
    return
  }
  const list = readList(ctx, m.key as StatementElement, m)
  if (list === undefined) return
  if (list.length === 0) {
    ctx.error('Policy statement must contain resources.', m.at)
    return
  }
  for (const item of list) checkResourceFormat(ctx, item)
}

/** Validate one statement; returns its Sid (when it is a string) for the uniqueness check. */
export function checkStatement(ctx: ValidationContext, statement: Located): StringItem | undefined {
  if (statement.node.type !== 'object') {
    ctx.error(syntaxError(`Each statement must be an object, not ${describe(statement.node)}.`), statement)
    return undefined
  }
  const found = new Map<StatementElement, Member>()
  for (const m of members(statement)) {
    if (!(STATEMENT_ELEMENTS as readonly string[]).includes(m.key)) {
      ctx.error(syntaxError(`Unknown element "${m.key}" in statement; expected ${STATEMENT_ELEMENTS.join(', ')}.`), m.keyAt)
      continue
    }
    const key = m.key as StatementElement
    if (!found.has(key)) found.set(key, m)
  }
  const sidMember = found.get('Sid')
  const sid = sidMember === undefined ? undefined : checkSid(ctx, sidMember)
  const effect = checkEffect(ctx, statement, found.get('Effect'))
  const principal = found.get('Principal')
  const notPrincipal = found.get('NotPrincipal')
  checkPrincipals(ctx, statement, principal, notPrincipal)
  checkActions(ctx, statement, found.get('Action'), found.get('NotAction'))
  const notResource = found.get('NotResource')
  checkResources(ctx, statement, found.get('Resource'), notResource)
  const condition = found.get('Condition')
  if (condition !== undefined) checkCondition(ctx, condition.at)

  if (effect === 'Allow' && notPrincipal !== undefined && ctx.kind === 'resource') {
    ctx.warn(
      'NotPrincipalWithAllow',
      'NotPrincipal with "Effect": "Allow" grants access to every principal not listed, including anonymous users. Use Principal instead.',
      notPrincipal.keyAt,
    )
  }
  if (effect === 'Allow' && notResource !== undefined && ctx.kind !== 'trust') {
    ctx.warn(
      'NotResourceWithAllow',
      'NotResource with "Effect": "Allow" grants the actions on every resource not listed, including ones created later. Use Resource instead.',
      notResource.keyAt,
    )
  }
  return sid
}
