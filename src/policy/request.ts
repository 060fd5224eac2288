/** What a caller asks the engine: who, does what, to which resource, with which context keys. */

export type PrincipalType = 'AWS' | 'Federated' | 'Service' | 'CanonicalUser'

/** One context value as a caller supplies it; numbers and booleans are compared as their strings. */
export type ContextScalar = string | number | boolean
export type ContextValue = ContextScalar | readonly ContextScalar[]

export interface EvalRequest {
  /**
   * The caller: an IAM ARN (user, role, role session, federated user, root), a 12-digit account id
   * (the account's root user), a federated provider (OIDC/SAML provider ARN or a well-known IdP name),
   * a service principal, or `*` for an anonymous caller.
   */
  readonly principal: string
  /** How `principal` is to be read; `AWS` by default. */
  readonly principalType?: PrincipalType
  /** `service:Action`, matched case-insensitively. */
  readonly action: string
  /** The resource ARN, or `*` for actions that take no resource. */
  readonly resource: string
  /**
   * The account that owns the resource when its ARN does not say (S3 ARNs carry no account).
   * Defaults to the principal's account: a single-account request.
   */
  readonly resourceAccount?: string
  /** Context keys (case-insensitive names) with one value or a list of values. */
  readonly context?: Readonly<Record<string, ContextValue>>
}
