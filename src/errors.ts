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
  ERR_STATE_UNINITIALISED: 'The state was not initialised: it has no active signing or sealing key.',
  ERR_STATE_CONFLICT: 'A change conflicts with the current state (an object exists already, would have to move, is missing, or the state belongs to another account).',
  ERR_STATE_NOT_FOUND: 'An object the operation works on (a role, a managed policy) does not exist.',
  ERR_SERVER_CONFIG: 'The server configuration is invalid (the account is not 12 digits; the admin credentials are half set, missing or malformed).',
  ERR_REMOTE: 'The irsa server named by --endpoint cannot be reached, is not an irsa server, or refused a request.',
  ERR_STORE_URL: 'A --store URL names no supported store (postgres://, postgresql:// or sqlite:PATH).',
  ERR_STORE_UNAVAILABLE: 'The store (PostgreSQL) cannot be reached right now; the request may be retried.',
  ERR_CLI_USAGE: 'A command was called with wrong arguments.',
  ERR_CLI_INPUT: 'A command could not read its input.',
  ERR_TOKEN_INPUT: 'A service-account token request is invalid.',
  ERR_TOKEN_SIGNING_KEY: 'A signing key is malformed, retired or cannot be imported.',
  ERR_TOKEN_KEY_RING: 'A key-ring operation is invalid.',
  ERR_TOKEN_ISSUER_URL: 'An issuer URL is not an allowed OIDC issuer identifier.',
  ERR_TOKEN_FETCH: 'An issuer document could not be fetched.',
  ERR_TOKEN_IDP_UNAVAILABLE: 'The identity provider answered with a transient failure (HTTP 429 or 5xx).',
  ERR_TOKEN_THUMBPRINT: "The issuer's TLS certificate is not trusted and matches no configured thumbprint.",
  ERR_TOKEN_DISCOVERY: 'An issuer discovery document or JWKS is invalid.',
  ERR_TOKEN_NO_KEY: 'No verification key matches the token.',
  ERR_WEBHOOK_CONTENT_TYPE: 'An admission request did not have Content-Type application/json (HTTP 415).',
  ERR_WEBHOOK_TOO_LARGE: 'An admission request body is larger than the webhook accepts.',
  ERR_WEBHOOK_REVIEW: 'An admission request is not a well-formed AdmissionReview.',
  ERR_WEBHOOK_POD: 'The object in an admission request is not a well-formed Pod.',
  ERR_WEBHOOK_GUARDRAIL: "The guardrail denied a pod: its role is shared across namespaces or its trust admits wildcard subjects.",
  ERR_WEBHOOK_SOURCE: 'A service-account or container-credentials source could not be read.',
  ERR_WEBHOOK_IAM: 'The IAM data file (get-account-authorization-details) could not be read.',
  ERR_WEBHOOK_TLS: 'The webhook TLS certificate or key could not be read.',
  ERR_AUDIT_INPUT: 'An audit input could not be read or is not the expected export.',
  ERR_AUDIT_SUPPRESSION: 'A suppressions file is malformed (each entry needs a rule, a reason and an expiry).',
  ERR_AUDIT_BASELINE: 'A baseline file is malformed.',
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
