/** The state one validation run carries: the policy kind, its options, and the findings so far. */
import type { JsonNode, LineIndex } from '../json.js'
import type { PolicyKind } from '../kind.js'
import type { PolicyProblem, PolicyProblemCode, PolicyProblemSeverity } from './problem.js'

export interface ValidatePolicyOptions {
  /**
   * The document is a managed policy (CreatePolicy / CreatePolicyVersion): 6,144-character quota and
   * Version 2012-10-17 required. Applies to `identity` (default false) and `boundary` (default true,
   * since AWS only accepts managed policies as permissions boundaries).
   */
  readonly managed?: boolean
  /** The account's role trust policy quota (default 2,048; raisable through Service Quotas). */
  readonly trustPolicyQuota?: number
  /** Override the size limit for the kind, e.g. a service's resource policy limit (S3: 20,480). */
  readonly sizeLimit?: number
}

/** A node and the JSON pointer that leads to it. */
export interface Located {
  readonly node: JsonNode
  readonly path: string
}

/** The policy language version a document's `Version` names (not a managed policy's v1, v2, …). */
export type PolicyLanguageVersion = '2012-10-17' | '2008-10-17'

export interface ValidationContext {
  readonly kind: PolicyKind
  readonly managed: boolean
  /** The document's Version when it is one of the two valid values, else undefined. */
  version: PolicyLanguageVersion | undefined
  error(message: string, at: Located | undefined): void
  warn(code: PolicyProblemCode, message: string, at: Located | undefined): void
  report(code: PolicyProblemCode, severity: PolicyProblemSeverity, message: string, at: Located | undefined): void
  readonly problems: PolicyProblem[]
}

/** Statement-level checks differ only for these kinds, which AWS stores in IAM. */
export function isIamKind(kind: PolicyKind): boolean {
  return kind === 'identity' || kind === 'trust' || kind === 'boundary' || kind === 'session'
}

export function isManaged(kind: PolicyKind, options: ValidatePolicyOptions): boolean {
  if (kind === 'boundary') return options.managed ?? true
  if (kind === 'identity') return options.managed ?? false
  return false
}

export function createContext(kind: PolicyKind, options: ValidatePolicyOptions, lines: LineIndex): ValidationContext {
  const problems: PolicyProblem[] = []
  const report = (
    code: PolicyProblemCode,
    severity: PolicyProblemSeverity,
    message: string,
    at: Located | undefined,
  ): void => {
    const pos = lines.position(at?.node.offset ?? 0)
    problems.push({ code, message, path: at?.path ?? '', line: pos.line, column: pos.column, severity })
  }
  return {
    kind,
    managed: isManaged(kind, options),
    version: undefined,
    problems,
    report,
    error: (message, at) => report('MalformedPolicyDocument', 'error', message, at),
    warn: (code, message, at) => report(code, 'warning', message, at),
  }
}

/** AWS's generic answer for a document that does not follow the grammar; irsa adds the detail. */
export function syntaxError(detail: string): string {
  return `Syntax errors in policy. ${detail}`
}
