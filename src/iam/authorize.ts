/**
 * Authorize an IAM API call with the policy engine: the administrator acts as the account's root
 * user; a role session is evaluated with its role's policies, boundary and session policies.
 * A denial answers AWS's AccessDenied message, naming the caller, action and resource.
 */
import { AwsError } from '../aws/aws-error.js'
import { evaluate } from '../policy/evaluate.js'
import type { ContextValue } from '../policy/request.js'
import type { Identity } from '../core/identity.js'
import type { Runtime } from '../core/runtime.js'
import { sessionCallerPolicies } from './caller-policies.js'

export async function authorizeIam(
  rt: Runtime,
  who: Identity,
  action: string,
  resource: string,
  sourceIp: string,
  requestId: string,
  /** Request- and resource-specific keys: `iam:PermissionsBoundary`, `iam:PolicyARN`, `aws:RequestTag/…`, `aws:ResourceTag/…`. */
  requestContext: Readonly<Record<string, ContextValue>> = {},
): Promise<void> {
  if (who.kind === 'admin') return
  const { policies, context } = await sessionCallerPolicies(rt, who.claims, sourceIp)
  const d = evaluate({ principal: who.arn, action, resource, context: { ...context, ...requestContext } }, policies)
  if (d.decision === 'Allow') return
  const why =
    d.decision === 'ExplicitDeny'
      ? 'with an explicit deny in an identity-based policy'
      : d.reason === 'boundary-not-allowed'
        ? 'because no permissions boundary allows the ' + action + ' action'
        : d.reason === 'session-policy-not-allowed'
          ? 'because no session policy allows the ' + action + ' action'
          : 'because no identity-based policy allows the ' + action + ' action'
  await rt.log({
    action,
    outcome: 'Deny',
    code: 'AccessDenied',
    principal: who.arn,
    roleArn: who.claims.roleArn,
    sessionName: who.claims.sessionName,
    ...(who.claims.subject === undefined ? {} : { subject: who.claims.subject }),
    sourceIp,
    requestId,
    reason: d.explanation,
    // The session's key, as CloudTrail's userIdentity.accessKeyId (never its secret or token).
    detail: { resource, statements: d.statements, callerAccessKeyId: who.accessKeyId, roleId: who.claims.roleId },
  })
  throw new AwsError('AccessDenied', `User: ${who.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`)
}
