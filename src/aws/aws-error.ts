/**
 * AWS errors as the Query protocol returns them: a code, an HTTP status, Sender/Receiver, a message.
 * The table is closed: every code irsa returns is declared here once, with its status.
 */
export const AWS_ERRORS = {
  // Common (protocol, authentication)
  InvalidAction: 400,
  MissingAction: 400,
  MissingParameter: 400,
  InvalidParameterValue: 400,
  InvalidParameterCombination: 400,
  ValidationError: 400,
  MalformedQueryString: 400,
  UnsupportedMediaType: 415,
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  ExpiredToken: 403,
  AccessDenied: 403,
  Throttling: 400,
  ServiceUnavailable: 503,
  InternalFailure: 500,
  // STS
  InvalidIdentityToken: 400,
  ExpiredTokenException: 400,
  IDPRejectedClaim: 403,
  IDPCommunicationError: 400,
  MalformedPolicyDocument: 400,
  PackedPolicyTooLarge: 400,
  RegionDisabledException: 403,
  // IAM
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  LimitExceeded: 409,
  InvalidInput: 400,
  ConcurrentModification: 409,
  UnmodifiableEntity: 400,
  ServiceFailure: 500,
  // EKS and EKS Auth (rest-json: x-amzn-ErrorType + {"message"}); AccessDeniedException is 400 in EKS Auth's model
  ResourceNotFoundException: 404,
  InvalidParameterException: 400,
  InvalidRequestException: 400,
  ResourceInUseException: 409,
  InvalidTokenException: 400,
  AccessDeniedException: 403,
  ServerException: 500,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  MissingAuthenticationTokenException: 403,
  // CloudTrail LookupEvents (JSON protocol: {"__type", "message"})
  InvalidLookupAttributesException: 400,
  InvalidTimeRangeException: 400,
  InvalidMaxResultsException: 400,
  InvalidNextTokenException: 400,
  InvalidEventCategoryException: 400,
} as const

export type AwsErrorCode = keyof typeof AWS_ERRORS

export class AwsError extends Error {
  readonly code: AwsErrorCode
  readonly status: number
  readonly type: 'Sender' | 'Receiver'
  /** Seconds a client should wait before retrying (503s). */
  readonly retryAfter: number | undefined

  constructor(code: AwsErrorCode, message: string, options: { status?: number; retryAfter?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AwsError'
    this.code = code
    this.status = options.status ?? AWS_ERRORS[code]
    this.type = this.status >= 500 ? 'Receiver' : 'Sender'
    this.retryAfter = options.retryAfter
  }
}

/** `1 validation error detected: Value '…' at '…' failed to satisfy constraint: …` (AWS's wording). */
export function validationError(problems: readonly string[]): AwsError {
  const n = problems.length
  return new AwsError('ValidationError', `${n} validation error${n === 1 ? '' : 's'} detected: ${problems.join('; ')}`)
}
