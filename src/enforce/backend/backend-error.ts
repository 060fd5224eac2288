/**
 * The closed set of reasons the gateway cannot learn a fact from its backend. Neither is the
 * caller's fault: the proxy answers with the service's own "try again" error (HTTP 503, e.g.
 * S3 `ServiceUnavailable`, JSON `ServiceUnavailableException`) and forwards nothing, because a
 * request it cannot authorize must not reach the backend.
 *
 * "Not found" and "no policy" answers are not errors: they are facts (`exists: false`, no policy).
 */
export const BACKEND_ERROR_CODES = {
  /** The backend could not be reached (connection refused or reset, timeout) or answered 5xx. */
  BackendUnavailable: 503,
  /**
   * The backend answered a read with an error that is not a "not found" fact (e.g. AccessDenied
   * because the backend credentials lack a read permission, or an operation it does not implement).
   */
  BackendReadFailed: 503,
} as const

export type BackendErrorCode = keyof typeof BACKEND_ERROR_CODES

export class BackendError extends Error {
  readonly code: BackendErrorCode
  /** The signing name of the service whose read failed (`s3`, `kms`, …). */
  readonly service: string
  /** The backend operation that failed (`GetBucketPolicy`, …). */
  readonly operation: string

  constructor(code: BackendErrorCode, service: string, operation: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'BackendError'
    this.code = code
    this.service = service
    this.operation = operation
  }

  get status(): number {
    return BACKEND_ERROR_CODES[this.code]
  }
}

export function isBackendError(e: unknown): e is BackendError {
  return e instanceof BackendError
}
