/**
 * Validate IAM policy text the way AWS does when it stores the policy, plus lint warnings for
 * documents AWS accepts but that rarely mean what their author meant. Pure: text in, findings out.
 */
import { parseJsonDocument } from './json.js'
import type { JsonDocument } from './json.js'
import type { PolicyKind } from './kind.js'
import { createContext, syntaxError } from './validation/context.js'
import type { ValidatePolicyOptions } from './validation/context.js'
import { checkPolicyDocument } from './validation/policy-document.js'
import type { PolicyProblem } from './validation/problem.js'
import { checkTextLimits } from './validation/size.js'

export { POLICY_PROBLEM_CODES } from './validation/problem.js'
export type { PolicyProblem, PolicyProblemCode, PolicyProblemSeverity } from './validation/problem.js'
export type { ValidatePolicyOptions } from './validation/context.js'
export { sizeLimitFor } from './validation/size.js'
export type { SizeLimit } from './validation/size.js'

/**
 * Every problem in a policy document of the given kind, sorted by position. Errors carry the AWS
 * error code AWS would answer with (`MalformedPolicyDocument`, `LimitExceeded`, `ValidationError`)
 * and, where AWS has one, its message; warnings carry irsa lint codes.
 *
 * @example
 * validatePolicy('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject"}}', 'identity')
 * // [{ code: 'MalformedPolicyDocument', message: 'Policy statement must contain resources.', path: '/Statement', line: 1, column: 37, severity: 'error' }]
 */
export function validatePolicy(text: string, kind: PolicyKind, options: ValidatePolicyOptions = {}): PolicyProblem[] {
  return validateParsedPolicy(text, parseJsonDocument(text), kind, options)
}

/** `validatePolicy` for text the caller has already parsed with `parseJsonDocument` (to parse it only once). */
export function validateParsedPolicy(text: string, doc: JsonDocument, kind: PolicyKind, options: ValidatePolicyOptions = {}): PolicyProblem[] {
  const ctx = createContext(kind, options, doc.lines)
  ctx.problems.push(...checkTextLimits(text, kind, options, doc.lines))
  for (const p of doc.problems) {
    ctx.problems.push({ code: 'MalformedPolicyDocument', severity: 'error', message: syntaxError(p.message), path: p.path, line: p.line, column: p.column })
  }
  // With a syntax error the tree is a guess; duplicate keys alone leave it whole, so keep going.
  const parsed = doc.value !== undefined
  if (parsed && doc.root !== undefined) checkPolicyDocument(ctx, { node: doc.root, path: '' })
  return ctx.problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.line - b.p.line || a.p.column - b.p.column || a.i - b.i)
    .map(({ p }) => p)
}

/** True when the findings contain an error (warnings alone leave a policy valid). */
export function hasErrors(problems: readonly PolicyProblem[]): boolean {
  return problems.some((p) => p.severity === 'error')
}
