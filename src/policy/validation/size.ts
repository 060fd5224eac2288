/** Size quotas and the character set AWS accepts in a policy document. */
import { countCharacters, countNonWhitespace, findDisallowedCharacters } from '../json.js'
import type { LineIndex } from '../json.js'
import type { PolicyKind } from '../kind.js'
import type { ValidatePolicyOptions } from './context.js'
import { isManaged } from './context.js'
import type { PolicyProblem } from './problem.js'

export interface SizeLimit {
  /** The most characters allowed. */
  readonly limit: number
  /** IAM does not count whitespace; STS session policies and Organizations policies count every character. */
  readonly countsWhitespace: boolean
  /** The message, given the measured size. */
  readonly message: (size: number) => string
}

/** The size limit that applies to a policy of this kind, or undefined when AWS sets none globally. */
export function sizeLimitFor(kind: PolicyKind, options: ValidatePolicyOptions = {}): SizeLimit | undefined {
  const override = options.sizeLimit
  const iam = (limit: number, text: string): SizeLimit => ({
    limit,
    countsWhitespace: false,
    message: (size) => `${text} (this policy has ${size} characters, whitespace excluded).`,
  })
  switch (kind) {
    case 'trust': {
      const limit = override ?? options.trustPolicyQuota ?? 2048
      return iam(limit, `Cannot exceed quota for ACLSizePerRole: ${limit}`)
    }
    case 'identity':
    case 'boundary': {
      if (isManaged(kind, options)) {
        const limit = override ?? 6144
        return iam(limit, `Cannot exceed the quota for PolicySize: ${limit}`)
      }
      const limit = override ?? 10240
      return iam(limit, `Maximum policy size of ${limit} bytes exceeded`)
    }
    case 'session': {
      const limit = override ?? 2048
      return {
        limit,
        countsWhitespace: true,
        message: (size) =>
          `Session policy plaintext cannot exceed ${limit} characters; this one has ${size} (whitespace counts). AWS answers ValidationError; a smaller policy can still fail with PackedPolicyTooLarge.`,
      }
    }
    case 'scp':
    case 'rcp': {
      const limit = override ?? 5120
      const name = kind === 'scp' ? 'service control policy' : 'resource control policy'
      return {
        limit,
        countsWhitespace: true,
        message: (size) =>
          `A ${name} cannot exceed ${limit} characters; this one has ${size} (whitespace counts). Organizations answers ConstraintViolationException POLICY_CONTENT_LIMIT_EXCEEDED.`,
      }
    }
    case 'resource':
      return override === undefined
        ? undefined
        : { limit: override, countsWhitespace: false, message: (size) => `Policy size ${size} exceeds the limit of ${override} characters.` }
  }
}

/** Character-set and size findings for the raw text (they apply whether or not it parses). */
export function checkTextLimits(text: string, kind: PolicyKind, options: ValidatePolicyOptions, lines: LineIndex): PolicyProblem[] {
  const problems: PolicyProblem[] = []
  const bad = findDisallowedCharacters(text)
  const first = bad[0]
  if (first !== undefined) {
    const more = bad.length > 1 ? ` (${bad.length} such characters in all)` : ''
    problems.push({
      code: 'ValidationError',
      severity: 'error',
      message: `Policy documents can contain only TAB, LF, CR and characters U+0020 through U+00FF; found ${first.codePoint} "${first.char}"${more}.`,
      path: '',
      ...lines.position(first.offset),
    })
  }
  const limit = sizeLimitFor(kind, options)
  if (limit !== undefined) {
    const size = limit.countsWhitespace ? countCharacters(text) : countNonWhitespace(text)
    if (size > limit.limit) {
      problems.push({ code: 'LimitExceeded', severity: 'error', message: limit.message(size), path: '', line: 1, column: 1 })
    }
  }
  return problems
}
