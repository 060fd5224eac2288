/**
 * AWS's policy evaluation logic over compiled policies (IAM User Guide, "Policy evaluation logic"
 * and "Cross-account policy evaluation logic"):
 *
 * 1. An explicit Deny in any applicable policy decides.
 * 2. RCPs (resource side) and SCPs (IAM callers only) need an Allow at every level.
 * 3. Same account: a resource policy naming the caller's user or session allows on its own;
 *    naming the caller's role it replaces the identity policy but stays limited by the permissions
 *    boundary and session policy; naming the account only delegates. A grant to `*` that names the
 *    role through an `aws:PrincipalArn` condition is not limited by the boundary or session policy
 *    (IAM User Guide, "Principal", IAM role principals).
 * 4. Otherwise identity policies must allow, and the permissions boundary and session policy (if
 *    any) must too. A federated-user session without a session policy has no permissions.
 * 5. Cross account: the caller's side (identity ∩ boundary ∩ session) and the resource policy must
 *    both allow.
 * Role trust policies (sts:AssumeRole* on a role) must allow explicitly even in one account.
 * Federated and service callers are judged by the resource (trust) policy alone.
 */
import { IrsaError } from '../errors.js'
import { arnAccount, parseArn } from './arn.js'
import type { Caller } from './caller.js'
import { isAwsCaller, parseCaller } from './caller.js'
import type { CompiledPolicy, CompiledStatement } from './compile.js'
import type { BaseOperator } from './condition/operator-name.js'
import type { RequestContext } from './context.js'
import { buildContext } from './context.js'
import type { Decision, DecisionOutcome, DecisionReason, StatementRef, StatementTrace } from './decision.js'
import type { PolicyKind } from './kind.js'
import type { PrincipalMatch } from './principal.js'
import { memoize } from './memo.js'
import type { EvalRequest } from './request.js'

/** The policies that apply to one request. An omitted kind is absent; an empty list is present. */
export interface PolicySet {
  readonly identity?: readonly CompiledPolicy[]
  /** Resource-based policies, including a role's trust policy. */
  readonly resource?: readonly CompiledPolicy[]
  readonly boundary?: readonly CompiledPolicy[]
  readonly session?: readonly CompiledPolicy[]
  /** SCPs by level of the organization (root → OU → account); each level needs an Allow. */
  readonly scp?: readonly (readonly CompiledPolicy[])[]
  /** RCPs by level, likewise. */
  readonly rcp?: readonly (readonly CompiledPolicy[])[]
}

interface Scan {
  readonly allows: StatementRef[]
  /** Strongest principal match among resource-policy allows. */
  best: PrincipalMatch | undefined
}

interface Prepared {
  readonly caller: Caller
  readonly action: string
  readonly resource: string
  readonly ctx: RequestContext
  readonly hasBoundary: boolean
  readonly denies: StatementRef[]
}

export interface EvaluateOptions {
  /**
   * Also return `trace`: each statement of each policy given, with whether it applies to the request
   * and, if not, the first element (and condition clause) that does not match. Off by default: the
   * decision itself does not need it.
   */
  readonly explain?: boolean
}

const TRUST_ACTIONS = new Set(['sts:assumerole', 'sts:assumerolewithwebidentity', 'sts:assumerolewithsaml'])
const RANK: Readonly<Record<PrincipalMatch, number>> = { account: 1, role: 2, session: 3, direct: 4 }

export function evaluate(request: EvalRequest, policies: PolicySet, options?: EvaluateOptions): Decision {
  const d = decideRequest(request, policies)
  return options?.explain === true ? { ...d, trace: traceStatements(request, policies) } : d
}

function decideRequest(request: EvalRequest, policies: PolicySet): Decision {
  if (request === null || typeof request !== 'object') throw new IrsaError('ERR_REQUEST_SHAPE', 'request must be an object')
  if (typeof request.action !== 'string' || !request.action.includes(':')) {
    throw new IrsaError('ERR_REQUEST_SHAPE', 'request.action must be "service:Action"')
  }
  if (typeof request.resource !== 'string' || request.resource === '') {
    throw new IrsaError('ERR_REQUEST_SHAPE', 'request.resource must be an ARN or "*"')
  }
  const caller = parseCaller(request.principal, request.principalType)
  const p: Prepared = {
    caller,
    action: request.action.toLowerCase(),
    resource: request.resource,
    ctx: buildContext(request.context),
    hasBoundary: policies.boundary !== undefined,
    denies: [],
  }
  const iamCaller = isAwsCaller(caller)
  const iamSide = iamCaller && caller.kind !== 'anonymous'

  const resource = policies.resource && scan(policies.resource, p)
  const rcp = policies.rcp?.map((lvl) => scan(lvl, p))
  const scp = policies.scp && iamSide ? policies.scp.map((lvl) => scan(lvl, p)) : undefined
  const identity = policies.identity && iamSide ? scan(policies.identity, p) : undefined
  const boundary = policies.boundary && iamSide && caller.kind !== 'root' ? scan(policies.boundary, p) : undefined
  const session = policies.session && iamSide ? scan(policies.session, p) : undefined

  if (p.denies.length > 0) return decide('ExplicitDeny', 'explicit-deny', p.denies, 'An explicit Deny matched the request.')
  if (rcp?.some((l) => l.allows.length === 0)) {
    return decide('ImplicitDeny', 'rcp-not-allowed', [], 'A resource control policy level does not allow the action.')
  }
  if (scp?.some((l) => l.allows.length === 0)) {
    return decide('ImplicitDeny', 'scp-not-allowed', [], 'A service control policy level does not allow the action.')
  }

  const resourceAccount = resourceInfo(request.resource).account ?? request.resourceAccount ?? caller.account
  const resourceAllows = resource !== undefined && resource.allows.length > 0
  if (!iamCaller || caller.kind === 'anonymous') {
    return resourceAllows
      ? decide('Allow', 'resource-policy-allows', resource.allows, 'The resource-based policy allows the caller.')
      : decide('ImplicitDeny', 'no-allow', [], 'No resource-based policy allows this caller.')
  }

  const crossAccount = caller.account !== undefined && resourceAccount !== undefined && caller.account !== resourceAccount
  const trustLike = resource !== undefined && TRUST_ACTIONS.has(p.action) && resourceInfo(request.resource).isRole

  // The caller's own side: identity ∩ boundary ∩ session.
  const rootOwnSide = caller.kind === 'root'
  const identityAllows = rootOwnSide || (identity !== undefined && identity.allows.length > 0)
  const boundaryBlocks = boundary !== undefined && boundary.allows.length === 0
  const sessionBlocks = session !== undefined ? session.allows.length === 0 : caller.kind === 'federated-user'
  const callerSideLimit = (): Decision | undefined => {
    if (boundaryBlocks) return decide('ImplicitDeny', 'boundary-not-allowed', [], 'The permissions boundary does not allow the action.')
    if (sessionBlocks) {
      return session !== undefined
        ? decide('ImplicitDeny', 'session-policy-not-allowed', [], 'The session policy does not allow the action.')
        : decide('ImplicitDeny', 'session-policy-required', [], 'A federated user session without a session policy has no permissions.')
    }
    return undefined
  }
  const identityGrants = [...(identity?.allows ?? [])]

  if (crossAccount) {
    if (!resourceAllows) {
      return decide('ImplicitDeny', 'resource-policy-required', [], 'Cross-account access needs the resource-based policy to allow the caller.')
    }
    if (!identityAllows) return decide('ImplicitDeny', 'no-allow', [], 'Cross-account access needs the caller\'s identity-based policy to allow too.')
    const limited = callerSideLimit()
    if (limited) return limited
    return decide('Allow', 'identity-allows', [...resource.allows, ...identityGrants], 'Both the resource-based policy and the caller\'s policies allow.')
  }

  if (resourceAllows && resource.best !== undefined && resource.best !== 'account') {
    if (resource.best === 'role') {
      const limited = callerSideLimit()
      if (limited) return limited
    }
    return decide('Allow', 'resource-policy-allows', resource.allows, 'The resource-based policy allows the caller.')
  }
  if (trustLike && !resourceAllows) {
    return decide('ImplicitDeny', 'resource-policy-required', [], 'The role\'s trust policy does not allow the caller.')
  }
  if (!identityAllows) return decide('ImplicitDeny', 'no-allow', [], 'No identity-based policy allows the action.')
  const limited = callerSideLimit()
  if (limited) return limited
  if (rootOwnSide) return decide('Allow', 'root-user', [], 'The account\'s root user is allowed unless denied explicitly or by an SCP.')
  return decide('Allow', 'identity-allows', [...(resource?.allows ?? []), ...identityGrants], 'An identity-based policy allows the action.')
}

/** What the evaluation logic needs to know of a resource ARN: its account, and whether it is a role. */
const resourceInfo = memoize((s: string): { account: string | undefined; isRole: boolean } => {
  const a = parseArn(s)
  return {
    account: arnAccount(s),
    isRole: a !== undefined && a.service.toLowerCase() === 'iam' && a.resource.startsWith('role/'),
  }
})

function decide(decision: DecisionOutcome, reason: DecisionReason, statements: StatementRef[], explanation: string): Decision {
  return { decision, reason, statements, explanation }
}

/** Walk a group of policies once: record matching Denies in `p.denies`, return the matching Allows. */
function scan(policies: readonly CompiledPolicy[], p: Prepared): Scan {
  const out: Scan = { allows: [], best: undefined }
  for (const pol of policies) {
    for (const st of pol.statements) {
      const m = statementMatches(st, pol.kind, p)
      if (m === undefined) continue
      const ref = refOf(pol, st)
      if (st.effect === 'Deny') p.denies.push(ref)
      else {
        out.allows.push(ref)
        const how = m === 'role' && namesRoleByPrincipalArn(st, p) ? 'session' : m
        if (how !== true && (out.best === undefined || RANK[how] > RANK[out.best])) out.best = how
      }
    }
  }
  return out
}

/** Operators that name the principals they match (a negated one names everyone else). */
const NAMING_OPERATORS: ReadonlySet<BaseOperator> = new Set(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike'])

/**
 * A role (session) caller allowed by a statement with a wildcard Principal and a positive
 * `aws:PrincipalArn` condition that its role ARN satisfied. The IAM User Guide (Principal, IAM role
 * principals): "Identity-based policy types, such as permissions boundaries or session policies, do
 * not limit permissions granted using the aws:PrincipalArn condition key with a wildcard (*) in the
 * Principal element, unless the identity-based policies contain an explicit deny." So such a grant
 * weighs like one naming the session ARN: an explicit Deny still decides (step 1), an implicit deny
 * of the boundary or session policy does not. The request must carry the key (the statement matched,
 * so a present value satisfied the positive operator); a negated operator names nobody.
 */
function namesRoleByPrincipalArn(st: CompiledStatement, p: Prepared): boolean {
  if (st.principal?.named.any !== true || p.caller.kind === 'federated-user') return false
  if (p.ctx.get('aws:principalarn') === undefined) return false
  return st.conditions.some((c) => c.lowerKey === 'aws:principalarn' && NAMING_OPERATORS.has(c.operator.base))
}

function refOf(pol: CompiledPolicy, st: CompiledStatement): StatementRef {
  const base = { kind: pol.kind, policy: pol.name, index: st.index, effect: st.effect }
  return st.sid === undefined ? base : { ...base, sid: st.sid }
}

/** Every statement of the policy set with whether it applies (the request is valid: evaluate checked it). */
function traceStatements(request: EvalRequest, policies: PolicySet): StatementTrace[] {
  const p: Prepared = {
    caller: parseCaller(request.principal, request.principalType),
    action: request.action.toLowerCase(),
    resource: request.resource,
    ctx: buildContext(request.context),
    hasBoundary: policies.boundary !== undefined,
    denies: [],
  }
  const groups = [policies.resource, policies.identity, policies.boundary, policies.session, ...(policies.scp ?? []), ...(policies.rcp ?? [])]
  const out: StatementTrace[] = []
  for (const group of groups) {
    for (const pol of group ?? []) {
      for (const st of pol.statements) {
        const statement = refOf(pol, st)
        if (statementMatches(st, pol.kind, p) !== undefined) {
          out.push({ statement, applies: true })
          continue
        }
        const miss = firstMiss(st, pol.kind, p)
        const clause = miss === 'condition' ? st.conditions.find((c) => !c.test(p.ctx)) : undefined
        out.push(clause === undefined ? { statement, applies: false, miss } : { statement, applies: false, miss, condition: { operator: clause.operator.raw, key: clause.key, values: clause.values } })
      }
    }
  }
  return out
}

/** For a statement that does not apply: which element fails first, in statementMatches' order. */
function firstMiss(st: CompiledStatement, kind: PolicyKind, p: Prepared): StatementTrace['miss'] {
  if (actionMisses(st, p) === true) return 'action'
  if (resourceMisses(st, p)) return 'resource'
  if (principalMatch(st, kind, p) === undefined) return 'principal'
  return 'condition'
}

/**
 * Whether a statement applies to the request: undefined if not; for statements with a Principal
 * element, how the caller was named; true otherwise.
 */
function statementMatches(st: CompiledStatement, kind: PolicyKind, p: Prepared): PrincipalMatch | true | undefined {
  if (actionMisses(st, p) || resourceMisses(st, p)) return undefined
  const how = principalMatch(st, kind, p)
  if (how === undefined) return undefined
  for (const c of st.conditions) if (!c.test(p.ctx)) return undefined
  return how
}

function actionMisses(st: CompiledStatement, p: Prepared): boolean | undefined {
  return st.actions !== undefined ? !st.actions.some((m) => m.test(p.action)) : st.notActions?.some((m) => m.test(p.action))
}

function resourceMisses(st: CompiledStatement, p: Prepared): boolean {
  if (st.resources !== undefined) return !st.resources.some((r) => r.match(p.resource, p.ctx) === true)
  if (st.notResources !== undefined) return st.notResources.some((r) => r.match(p.resource, p.ctx) === true)
  return false
}

/** How the statement's Principal / NotPrincipal names the caller (true: no principal element), undefined if not. */
function principalMatch(st: CompiledStatement, kind: PolicyKind, p: Prepared): PrincipalMatch | true | undefined {
  if (st.principal !== undefined) return st.principal.match(p.caller)
  if (st.notPrincipal !== undefined) {
    // A Deny with NotPrincipal in a resource policy denies every caller that has a boundary.
    const spared = st.notPrincipal.coversChain(p.caller) && !(st.effect === 'Deny' && p.hasBoundary)
    return spared ? undefined : 'direct'
  }
  // A resource-based statement without a principal applies to nobody.
  return kind === 'resource' || kind === 'trust' ? undefined : true
}

