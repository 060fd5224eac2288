/**
 * The policies and context keys that apply to a request signed with session credentials: the role's
 * inline and attached managed policies, its permissions boundary, the session policies, and the
 * request context AWS builds for a role session (principal, tags, token issue time, web identity).
 */
import type { PolicySet } from '../policy/evaluate.js'
import type { ContextValue } from '../policy/request.js'
import type { CompiledPolicy } from '../policy/compile.js'
import type { Runtime } from '../core/runtime.js'
import type { SessionClaims } from '../core/session-token.js'
import { awsTimestamp } from '../sts/timestamp.js'
import { issuerHostPath } from '../tokens/issuer-url.js'

export interface CallerPolicies {
  readonly policies: PolicySet
  readonly context: Record<string, ContextValue>
}

async function managedDocument(rt: Runtime, arn: string): Promise<string | undefined> {
  const p = await rt.store.getPolicy(arn)
  if (p === undefined) return undefined
  return (await rt.store.getPolicyVersion(arn, p.defaultVersionId))?.document
}

export async function sessionCallerPolicies(rt: Runtime, c: SessionClaims, sourceIp: string): Promise<CallerPolicies> {
  const role = await rt.store.getRole(c.account, c.roleName)
  const identity: CompiledPolicy[] = []
  let boundary: CompiledPolicy[] | undefined
  if (role !== undefined && role.roleId === c.roleId) {
    for (const p of await rt.store.listRolePolicies(role.arn)) identity.push(rt.compiled('identity', p.document))
    for (const arn of await rt.store.listAttachedRolePolicies(role.arn)) {
      const doc = await managedDocument(rt, arn)
      if (doc !== undefined) identity.push(rt.compiled('identity', doc))
    }
    if (role.permissionsBoundaryArn !== undefined) {
      const doc = await managedDocument(rt, role.permissionsBoundaryArn)
      boundary = doc === undefined ? [] : [rt.compiled('boundary', doc)]
    }
  }
  let session: CompiledPolicy[] | undefined
  if (c.sessionPolicies !== undefined || c.sessionPolicyArns !== undefined) {
    session = (c.sessionPolicies ?? []).map((d) => rt.compiled('session', d))
    for (const arn of c.sessionPolicyArns ?? []) {
      const doc = await managedDocument(rt, arn)
      if (doc !== undefined) session.push(rt.compiled('session', doc))
    }
  }
  const now = rt.nowSeconds()
  const context: Record<string, ContextValue> = {
    'aws:PrincipalArn': c.roleArn,
    'aws:PrincipalAccount': c.account,
    'aws:PrincipalType': 'AssumedRole',
    'aws:userid': `${c.roleId}:${c.sessionName}`,
    'aws:CurrentTime': awsTimestamp(now),
    'aws:EpochTime': String(now),
    'aws:TokenIssueTime': awsTimestamp(c.issuedAt),
    'aws:SourceIp': sourceIp,
    'aws:RequestedRegion': rt.region,
    'aws:ViaAWSService': false,
  }
  for (const t of role?.tags ?? []) context[`aws:PrincipalTag/${t.Key}`] = t.Value
  for (const [k, v] of Object.entries(c.tags ?? {})) context[`aws:PrincipalTag/${k}`] = v
  if (c.providerArn !== undefined) {
    context['aws:FederatedProvider'] = c.providerArn
    const prefix = issuerHostPath(c.providerArn.slice(c.providerArn.indexOf('oidc-provider/') + 'oidc-provider/'.length))
    if (c.subject !== undefined) context[`${prefix}:sub`] = c.subject
    if (c.audience !== undefined) context[`${prefix}:aud`] = c.audience
  }
  if (c.sourceIdentity !== undefined) context['aws:SourceIdentity'] = c.sourceIdentity
  return {
    policies: { identity, ...(boundary === undefined ? {} : { boundary }), ...(session === undefined ? {} : { session }) },
    context,
  }
}
