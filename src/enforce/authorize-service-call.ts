/**
 * The enforcement gateway's decision for one AWS service call: map the request to the IAM
 * authorizations it needs (src/gateway), then evaluate every one of them with the policy engine,
 * as AWS does for the caller and the resource:
 *
 * - the caller's policies: an irsa role session's role policies ∩ permissions boundary ∩ session
 *   policies (iam/caller-policies.ts); the administrator acts as the account's root user;
 * - the resource's own policy (bucket, queue, topic, key or secret policy, read by BackendFacts),
 *   with AWS's same-account logic (identity OR resource policy may allow), cross-account logic (both
 *   must) and explicit deny winning anywhere (policy/evaluate.ts);
 * - KMS keys: the key policy must allow, itself or by delegating to the account (a statement naming
 *   `arn:aws:iam::<account>:root`); an identity policy alone never grants access to a key. A key
 *   whose policy the backend does not report is read as AWS's default key policy (delegation).
 * - global keys: `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalTag/*`, `aws:userid`,
 *   `aws:TokenIssueTime`, `aws:CurrentTime`, `aws:EpochTime`, `aws:SourceIp`, `aws:SecureTransport`,
 *   `aws:RequestedRegion` (the signature's region), `aws:ResourceAccount`, `aws:ResourceTag/*`
 *   (from the backend), `kms:CallerAccount`.
 *
 * Every request must pass every authorization; the first that does not decides the denial, with
 * AWS's message. The outcome is data: the checks, their deciding statements and the message.
 */
import { arnAccount } from '../policy/arn.js'
import type { CompiledPolicy } from '../policy/compile.js'
import type { Decision, StatementRef } from '../policy/decision.js'
import { evaluate } from '../policy/evaluate.js'
import type { PolicySet } from '../policy/evaluate.js'
import type { ContextValue } from '../policy/request.js'
import type { Authorization, MappedRequest } from '../gateway/authorization.js'
import { authorizationsFor } from '../gateway/authorizations.js'
import type { IamCatalog } from '../gateway/catalog.js'
import type { GatewayError } from '../gateway/gateway-error.js'
import type { GatewayRequest } from '../gateway/request.js'
import type { Identity } from '../core/identity.js'
import type { Runtime } from '../core/runtime.js'
import { sessionCallerPolicies } from '../iam/caller-policies.js'
import { awsTimestamp } from '../sts/timestamp.js'
import type { BackendFacts } from './backend-facts.js'
import { evaluateKmsKeyAccess } from './kms-key-policy.js'

export interface CallMeta {
  readonly sourceIp: string
  readonly secureTransport: boolean
  readonly requestId: string
}

/** One authorization and how the engine decided it. */
export interface CheckResult {
  readonly authorization: Authorization
  readonly decision: Decision['decision']
  readonly reason: Decision['reason'] | 'resource-policy-unreadable'
  readonly explanation: string
  /** The statements that decided it: the Deny that matched, or the Allows that granted it. */
  readonly statements: readonly StatementRef[]
}

export type ServiceCallDecision =
  | { readonly allowed: true; readonly mapped: MappedRequest; readonly checks: readonly CheckResult[] }
  | {
      readonly allowed: false
      readonly mapped: MappedRequest
      readonly checks: readonly CheckResult[]
      /** The check that denied. */
      readonly denied: CheckResult
      /** AWS's AccessDenied message. */
      readonly message: string
    }

/**
 * Map a request, asking the backend for what the mapping lacked and mapping once more: a table's key
 * schema (KeySchemaUnknown), a KMS alias or a secret name that the caches did not know.
 */
export async function mapServiceCall(
  request: GatewayRequest,
  catalog: IamCatalog,
  facts: BackendFacts,
  s3HostSuffixes: readonly string[],
): Promise<{ ok: true; mapped: MappedRequest } | { ok: false; error: GatewayError }> {
  const lookups = {
    catalog,
    keySchema: (t: string, i?: string) => facts.keySchema(t, i),
    kmsAlias: (a: string) => facts.kmsAlias(a),
    secretArn: (n: string) => facts.secretArn(n),
    s3HostSuffixes,
  }
  let r = authorizationsFor(request, lookups)
  let need: { table?: string; kmsAlias?: string; secretName?: string } | undefined
  if (!r.ok && r.error.code === 'KeySchemaUnknown' && r.error.table !== undefined) need = { table: r.error.table }
  if (r.ok) need = unresolved(r.authorizations, facts)
  if (need !== undefined) {
    await facts.prefetch(need)
    r = authorizationsFor(request, lookups)
  }
  return r.ok ? { ok: true, mapped: r } : { ok: false, error: r.error }
}

/** A KMS alias or a secret name the mapping could not resolve through the caches. */
function unresolved(auths: readonly Authorization[], facts: BackendFacts): { kmsAlias?: string; secretName?: string } | undefined {
  for (const a of auths) {
    if (a.action.startsWith('kms:') && /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(a.resource) && facts.kmsAlias(a.resource) === undefined) {
      return { kmsAlias: a.resource }
    }
    const m = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)-\?\?\?\?\?\?$/.exec(a.resource)
    if (a.action.startsWith('secretsmanager:') && m !== null && facts.secretArn(m[1] as string) === undefined) return { secretName: m[1] as string }
  }
  return undefined
}

/** The context AWS builds for the caller, whoever it is. */
async function callerSide(rt: Runtime, who: Identity, meta: CallMeta): Promise<{ policies: PolicySet; context: Record<string, ContextValue> }> {
  if (who.kind === 'session') {
    const c = await sessionCallerPolicies(rt, who.claims, meta.sourceIp)
    return { policies: c.policies, context: c.context }
  }
  const now = rt.nowSeconds()
  return {
    policies: {},
    context: {
      'aws:PrincipalArn': who.arn,
      'aws:PrincipalAccount': who.account,
      'aws:PrincipalType': 'Account',
      'aws:userid': who.userId,
      'aws:CurrentTime': awsTimestamp(now),
      'aws:EpochTime': String(now),
      'aws:SourceIp': meta.sourceIp,
      'aws:ViaAWSService': false,
    },
  }
}

const POLICY_TYPE: Readonly<Record<string, string>> = {
  identity: 'an identity-based policy',
  resource: 'a resource-based policy',
  boundary: 'a permissions boundary',
  session: 'a session policy',
  scp: 'a service control policy',
  rcp: 'a resource control policy',
}

/** AWS's AccessDenied message for a check that did not allow. */
export function accessDeniedMessage(principal: string, check: CheckResult): string {
  const { action, resource } = check.authorization
  const head = `User: ${principal} is not authorized to perform: ${action} on resource: ${resource}`
  if (check.decision === 'ExplicitDeny') {
    const kind = check.statements[0]?.kind ?? 'identity'
    return `${head} with an explicit deny in ${POLICY_TYPE[kind] ?? 'an identity-based policy'}`
  }
  switch (check.reason) {
    case 'boundary-not-allowed':
      return `${head} because no permissions boundary allows the ${action} action`
    case 'session-policy-not-allowed':
    case 'session-policy-required':
      return `${head} because no session policy allows the ${action} action`
    case 'resource-policy-required':
    case 'resource-policy-unreadable':
      return `${head} because no resource-based policy allows the ${action} action`
    case 'scp-not-allowed':
      return `${head} because no service control policy allows the ${action} action`
    case 'rcp-not-allowed':
      return `${head} because no resource control policy allows the ${action} action`
    default:
      return `${head} because no identity-based policy allows the ${action} action`
  }
}

/** Evaluate every authorization of a mapped request for `who`. */
export async function authorizeServiceCall(rt: Runtime, who: Identity, mapped: MappedRequest, region: string, facts: BackendFacts, meta: CallMeta): Promise<ServiceCallDecision> {
  const caller = await callerSide(rt, who, meta)
  const checks: CheckResult[] = []
  for (const a of mapped.authorizations) {
    const check = await authorizeOne(rt, who, a, region, facts, meta, caller)
    checks.push(check)
    if (check.decision !== 'Allow') return { allowed: false, mapped, checks, denied: check, message: accessDeniedMessage(who.arn, check) }
  }
  return { allowed: true, mapped, checks }
}

async function authorizeOne(
  rt: Runtime,
  who: Identity,
  a: Authorization,
  region: string,
  facts: BackendFacts,
  meta: CallMeta,
  caller: { policies: PolicySet; context: Record<string, ContextValue> },
): Promise<CheckResult> {
  const service = a.action.slice(0, a.action.indexOf(':'))
  const resourceAccount = a.resourceAccount ?? arnAccount(a.resource)
  const context: Record<string, ContextValue> = {
    ...caller.context,
    'aws:RequestedRegion': region,
    'aws:SecureTransport': meta.secureTransport,
    ...(resourceAccount === undefined || resourceAccount === '' ? {} : { 'aws:ResourceAccount': resourceAccount }),
    ...(service === 'kms' ? { 'kms:CallerAccount': who.account } : {}),
  }
  let resource: CompiledPolicy[] | undefined
  let exists: boolean | undefined
  if (a.resource !== '*') {
    const f = await facts.resource(service, a.resource)
    exists = f.exists
    for (const [k, v] of Object.entries(f.tags ?? {})) context[`aws:ResourceTag/${k}`] = v
    if (f.policy !== undefined) {
      try {
        resource = [rt.compiled('resource', f.policy)]
      } catch {
        // The backend accepted a policy IAM would not have: nothing it says can be relied on.
        return { authorization: a, decision: 'ImplicitDeny', reason: 'resource-policy-unreadable', explanation: 'The resource-based policy the backend reports cannot be read.', statements: [] }
      }
    }
  }
  Object.assign(context, a.context)
  const request = { principal: who.arn, action: a.action, resource: a.resource, ...(a.resourceAccount === undefined ? {} : { resourceAccount: a.resourceAccount }), context }
  // KMS: a grant from the caller's side (or the root user's) counts only when the key policy itself
  // has an Allow that applies to the caller: naming it, or delegating to its account.
  // A key whose policy the facts do not give (unreadable, or no facts at all) is not usable: failing
  // open to the caller's policies would let an identity grant bypass the key policy. A key the
  // backend says does not exist is left to the backend's own NotFoundException.
  const kmsKey = service === 'kms' && exists !== false && /^arn:[^:]+:kms:[^:]*:[^:]*:key\//.test(a.resource)
  const d =
    kmsKey || (service === 'kms' && resource !== undefined)
      ? evaluateKmsKeyAccess(request, { ...caller.policies, keyPolicy: resource?.[0] })
      : evaluate(request, { ...caller.policies, ...(resource === undefined ? {} : { resource }) })
  return { authorization: a, decision: d.decision, reason: d.reason, explanation: d.explanation, statements: d.statements }
}
