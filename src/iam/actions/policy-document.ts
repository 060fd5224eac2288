/** Validate a policy document the way IAM does on write: the first error becomes AWS's error. */
import { AwsError } from '../../aws/aws-error.js'
import type { PolicyKind } from '../../policy/kind.js'
import { validatePolicy } from '../../policy/validate.js'

export interface CheckPolicyOptions {
  /** A managed policy (Version 2012-10-17 required, 6,144-character quota). */
  readonly managed?: boolean
  /** Skip the per-document size quota (the caller checks an aggregate quota with its own message). */
  readonly skipSize?: boolean
}

export function checkPolicyDocument(text: string, kind: PolicyKind, options: CheckPolicyOptions = {}): void {
  const problems = validatePolicy(text, kind, { managed: options.managed ?? false, ...(options.skipSize ? { sizeLimit: Number.MAX_SAFE_INTEGER } : {}) })
  const first = problems.find((p) => p.severity === 'error')
  if (first === undefined) return
  if (first.code === 'LimitExceeded') throw new AwsError('LimitExceeded', first.message)
  if (first.code === 'ValidationError') throw new AwsError('ValidationError', first.message)
  throw new AwsError('MalformedPolicyDocument', first.message)
}
