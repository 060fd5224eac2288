/** One decision as the log keeps it: who, what, the outcome and why. Never a token or a secret. */
export interface DecisionRecord {
  readonly id?: number
  /** Epoch milliseconds. */
  readonly at: number
  /** e.g. `sts:AssumeRoleWithWebIdentity`, `iam:CreateRole`, `webhook:mutate`. */
  readonly action: string
  readonly outcome: 'Allow' | 'Deny' | 'Error'
  /** The AWS error code for a denial or error (AccessDenied, InvalidIdentityToken, …). */
  readonly code?: string
  readonly principal?: string
  readonly roleArn?: string
  readonly sessionName?: string
  /** Token subject (`system:serviceaccount:ns:sa`). */
  readonly subject?: string
  readonly namespace?: string
  readonly serviceAccount?: string
  readonly sourceIp?: string
  readonly requestId?: string
  /** Human explanation, including the deciding statement. */
  readonly reason?: string
  /** Structured extras (deciding statements, token jti, pod binding, access key id). */
  readonly detail?: Readonly<Record<string, unknown>>
}

export interface DecisionQuery {
  readonly since?: number
  /** Only rows before this time (epoch milliseconds, exclusive). */
  readonly before?: number
  /** Only rows with a larger id, oldest first (a cursor for followers such as the live log). */
  readonly afterId?: number
  /** Only rows with a smaller id (newest first: a cursor for paging back in time). */
  readonly beforeId?: number
  readonly roleArn?: string
  readonly subject?: string
  readonly outcome?: DecisionRecord['outcome']
  readonly limit?: number
}
