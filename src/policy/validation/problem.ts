/**
 * What validation reports: a closed set of codes. The first four are the error codes AWS itself
 * answers with (IAM `MalformedPolicyDocument` / `LimitExceeded`, the API-level `ValidationError`);
 * the rest name lint findings irsa adds on top, which are warnings AWS would accept.
 */
export const POLICY_PROBLEM_CODES = [
  'MalformedPolicyDocument',
  'LimitExceeded',
  'ValidationError',
  'MissingVersion',
  'PolicyVariableIgnored',
  'NotPrincipalWithAllow',
  'NotResourceWithAllow',
  'SetOperatorOnSingleValuedKey',
  'WildcardInExactMatch',
  'AllowInResourceControlPolicy',
] as const

export type PolicyProblemCode = (typeof POLICY_PROBLEM_CODES)[number]

export type PolicyProblemSeverity = 'error' | 'warning'

/** One finding, located in the policy text. */
export interface PolicyProblem {
  readonly code: PolicyProblemCode
  readonly message: string
  /** JSON pointer (RFC 6901) to the element the finding is about; `''` for the whole document. */
  readonly path: string
  /** 1-based. */
  readonly line: number
  /** 1-based, in UTF-16 code units. */
  readonly column: number
  readonly severity: PolicyProblemSeverity
}
