/**
 * The closed table of irsa error codes. Every error irsa raises on purpose carries one of these codes;
 * callers switch on `code`, never on the message. Programmer errors (a wrong argument type) stay
 * plain `TypeError`s.
 */
export const ERROR_CODES = {
  ERR_POLICY_JSON: 'The policy document is not valid JSON.',
  ERR_POLICY_SHAPE: 'The policy document does not follow the IAM policy grammar.',
  ERR_POLICY_OPERATOR: 'A condition uses an unknown operator.',
  ERR_REQUEST_SHAPE: 'An evaluation request is malformed.',
  ERR_CASE_SHAPE: 'An evaluation case line is malformed.',
  ERR_CLI_USAGE: 'A command was called with wrong arguments.',
  ERR_CLI_INPUT: 'A command could not read its input.',
} as const

export type IrsaErrorCode = keyof typeof ERROR_CODES

/** The one error class: a stable code, a message for humans, an optional location and cause. */
export class IrsaError extends Error {
  readonly code: IrsaErrorCode
  /** A JSON pointer (RFC 6901) into the input the error is about, when there is one. */
  readonly path: string | undefined

  constructor(code: IrsaErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'IrsaError'
    this.code = code
    this.path = options.path
  }
}

/** Narrow an unknown thrown value to an IrsaError with one of the given codes. */
export function isIrsaError(e: unknown, ...codes: IrsaErrorCode[]): e is IrsaError {
  return e instanceof IrsaError && (codes.length === 0 || codes.includes(e.code))
}
