/** Validate a policy document the way IAM does on write: the first error becomes AWS's error. */
import { AwsError } from '../../aws/aws-error.js'
import type { PolicyKind } from '../../policy/kind.js'
import { validatePolicy } from '../../policy/validate.js'

export function checkPolicyDocument(text: string, kind: PolicyKind, options: { managed?: boolean } = {}): void {
  const problems = validatePolicy(text, kind, { managed: options.managed ?? false })
  const first = problems.find((p) => p.severity === 'error')
  if (first === undefined) return
  if (first.code === 'LimitExceeded') throw new AwsError('LimitExceeded', first.message)
  throw new AwsError('MalformedPolicyDocument', first.message)
}
