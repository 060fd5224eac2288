/**
 * A role's tags as the request context names them when the role is the resource of an IAM action
 * (role actions, iam:PassRole): `aws:ResourceTag/<key>` and its IAM alias `iam:ResourceTag/<key>`.
 */
import type { ContextValue } from '../policy/request.js'
import type { Role } from '../model/iam.js'

export function roleTagContext(role: Role | undefined): Record<string, ContextValue> {
  const out: Record<string, ContextValue> = {}
  for (const t of role?.tags ?? []) {
    out[`aws:ResourceTag/${t.Key}`] = t.Value
    out[`iam:ResourceTag/${t.Key}`] = t.Value
  }
  return out
}
