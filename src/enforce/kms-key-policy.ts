/**
 * KMS's rule on top of the policy engine (AWS KMS Developer Guide, "Key policies in AWS KMS" and
 * "Default key policy"): no principal, not even the account's root user, may use a KMS key unless
 * the key policy allows it. The key policy either names the caller (its user, role or session)
 * or delegates to IAM by naming the account (`"Principal": {"AWS": "arn:aws:iam::ACCOUNT:root"}`,
 * the default policy's "Enable IAM User Permissions"); only then can identity policies grant the
 * action, and only the actions the delegating statement allows. Grants are not modelled.
 *
 * The engine already decides explicit denies, cross-account calls (the key policy must allow)
 * and same-account calls where the key policy names the caller; what it does not know is that an
 * identity policy alone is not enough for a key. So: evaluate as usual; an Allow stands only if a
 * key-policy Allow statement applies to the request (naming the caller or its account).
 */
import type { CompiledPolicy } from '../policy/compile.js'
import type { Decision } from '../policy/decision.js'
import type { PolicySet } from '../policy/evaluate.js'
import { evaluate } from '../policy/evaluate.js'
import type { EvalRequest } from '../policy/request.js'

export interface KeyPolicySet extends Omit<PolicySet, 'resource'> {
  /** The key policy (a key always has exactly one; absent means it could not be read: nothing is allowed). */
  readonly keyPolicy: CompiledPolicy | undefined
}

export function evaluateKmsKeyAccess(request: EvalRequest, policies: KeyPolicySet): Decision {
  const { keyPolicy, ...rest } = policies
  const resource = keyPolicy === undefined ? [] : [keyPolicy]
  const d = evaluate(request, { ...rest, resource })
  if (d.decision !== 'Allow') return d
  const trace = evaluate(request, { resource }, { explain: true }).trace ?? []
  if (trace.some((t) => t.applies && t.statement.effect === 'Allow')) return d
  return {
    decision: 'ImplicitDeny',
    reason: 'resource-policy-required',
    statements: [],
    explanation:
      keyPolicy === undefined
        ? 'The KMS key policy could not be read; without it no principal may use the key.'
        : 'The KMS key policy neither allows the caller nor delegates this action to its account (arn:aws:iam::ACCOUNT:root), so identity-based policies cannot grant it.',
  }
}
