/** Validate a policy document the way IAM does on write: the first error becomes AWS's error. */
import { AwsError } from '../../aws/aws-error.js'
import { parseJsonDocument } from '../../policy/json.js'
import type { JsonDocument } from '../../policy/json.js'
import type { PolicyKind } from '../../policy/kind.js'
import { validateParsedPolicy } from '../../policy/validate.js'

export interface CheckPolicyOptions {
  /** A managed policy (Version 2012-10-17 required, 6,144-character quota). */
  readonly managed?: boolean
  /** Skip the per-document size quota (the caller checks an aggregate quota with its own message). */
  readonly skipSize?: boolean
}

/** Throws the AWS error for the first problem; returns the parsed document (tree, value and line index). */
export function checkPolicyDocument(text: string, kind: PolicyKind, options: CheckPolicyOptions = {}): JsonDocument {
  const doc = parseJsonDocument(text)
  const problems = validateParsedPolicy(text, doc, kind, { managed: options.managed ?? false, ...(options.skipSize ? { sizeLimit: Number.MAX_SAFE_INTEGER } : {}) })
  const first = problems.find((p) => p.severity === 'error')
  if (first === undefined) return doc
  if (first.code === 'LimitExceeded') throw new AwsError('LimitExceeded', first.message)
  if (first.code === 'ValidationError') throw new AwsError('ValidationError', first.message)
  throw new AwsError('MalformedPolicyDocument', first.message)
}
