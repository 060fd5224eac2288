/**
 * `iam:PassRole`: the permission AWS checks, as a dependent action of the service's own API call,
 * whenever a caller hands an IAM role to a service (here: EKS Pod Identity associations). The
 * Service Authorization Reference lists these condition keys for it, and each is put into the
 * request context: `iam:PassedToService` (the service principal the role goes to),
 * `iam:AssociatedResourceArn` (the resource the role is bound to), and the role's tags as
 * `aws:ResourceTag/<key>` and `iam:ResourceTag/<key>`. The decision is the engine's, through the
 * same path as every IAM API call (the administrator acts as the account root and is allowed).
 */
import type { Identity } from '../core/identity.js'
import type { Runtime } from '../core/runtime.js'
import { authorizeIam } from './authorize.js'
import type { Role } from '../model/iam.js'
import { roleTagContext } from './role-tag-context.js'

/** Who asks, with what the decision log records about the request. */
export interface RequestCaller {
  readonly who: Identity
  readonly sourceIp: string
  readonly requestId: string
}

export interface PassRoleRequest {
  /** The role ARN as the request names it (the resource of the check). */
  readonly roleArn: string
  /** The role, when it exists (its tags join the context). */
  readonly role: Role | undefined
  readonly passedToService: string
  readonly associatedResourceArn: string
}

/** Throws AccessDenied (AWS's message, naming iam:PassRole and the role ARN) unless the caller may pass the role. */
export async function authorizePassRole(rt: Runtime, caller: RequestCaller, p: PassRoleRequest): Promise<void> {
  await authorizeIam(rt, caller.who, 'iam:PassRole', p.roleArn, caller.sourceIp, caller.requestId, {
    ...roleTagContext(p.role),
    'iam:PassedToService': p.passedToService,
    'iam:AssociatedResourceArn': p.associatedResourceArn,
  })
}
