/**
 * The decision record of one request, filled in as the request is handled and finished once, with
 * its outcome: `allow` (the deciding statements and the explanation), `deny` (the AWS error code the
 * client got and why), or `fail` (any thrown error, turned into the record its code deserves).
 *
 * This is the one place an exchange's decision record is built (see exchange.ts); it holds who and
 * what was asked, never a token or a secret. Stages add what they learn (`principal`, `subject`,
 * `roleArn`, `detail` entries such as the token's `jti`) as they learn it, so a record finished at
 * any stage names everything known by then.
 */
import { AwsError } from '../../aws/aws-error.js'
import type { AwsErrorCode } from '../../aws/aws-error.js'
import { isIrsaError } from '../../errors.js'
import type { StatementRef } from '../../policy/decision.js'
import type { DecisionRecord } from '../../store/decision-log.js'
import { ExchangeRefusal } from './exchange-refusal.js'

/** The codes a record names for failures that are not AWS errors, as the API answers them. */
export interface FaultCodes {
  /** The store could not be reached (the client gets a retryable 503). */
  readonly unavailable: AwsErrorCode
  /** Anything else unexpected (the client gets a 500). */
  readonly internal: AwsErrorCode
}

type Fields = Omit<DecisionRecord, 'at' | 'id' | 'action' | 'outcome' | 'code' | 'reason' | 'detail' | 'sourceIp' | 'requestId'>

export class DecisionDraft {
  principal: string | undefined
  roleArn: string | undefined
  sessionName: string | undefined
  subject: string | undefined
  namespace: string | undefined
  serviceAccount: string | undefined
  /** Structured extras; `statements` is added when the record is finished. */
  readonly detail: Record<string, unknown> = {}

  readonly action: string
  readonly requestId: string
  readonly sourceIp: string

  constructor(action: string, requestId: string, sourceIp: string) {
    this.action = action
    this.requestId = requestId
    this.sourceIp = sourceIp
  }

  /** Granted: why (the engine's explanation) and the statements that allowed it. */
  allow(reason: string, statements: readonly StatementRef[]): Omit<DecisionRecord, 'at'> {
    return this.finish('Allow', undefined, reason, statements)
  }

  /** Refused with the AWS error code the client gets. */
  deny(code: string, reason: string, statements?: readonly StatementRef[]): Omit<DecisionRecord, 'at'> {
    return this.finish('Deny', code, reason, statements)
  }

  /**
   * The record of a thrown error: an AwsError is a refusal (a request the client got wrong, or a
   * token it may not use), recorded with its code and, for an {@link ExchangeRefusal}, the operator's
   * reason and statements; anything else is an `Error` with the fault's code. The reason never
   * carries a foreign error's message (it could quote input): only irsa's own error texts.
   */
  fail(e: unknown, faults: FaultCodes): Omit<DecisionRecord, 'at'> {
    if (e instanceof ExchangeRefusal) return this.deny(e.code, e.reason, e.statements)
    if (e instanceof AwsError) return this.deny(e.code, e.message)
    if (isIrsaError(e, 'ERR_STORE_UNAVAILABLE')) return this.finish('Error', faults.unavailable, `the store is unavailable: ${e.message}`, undefined)
    const reason = isIrsaError(e) ? `internal error (${e.code}): ${e.message}` : `internal error (${e instanceof Error ? e.name : typeof e})`
    return this.finish('Error', faults.internal, reason, undefined)
  }

  private finish(outcome: DecisionRecord['outcome'], code: string | undefined, reason: string, statements: readonly StatementRef[] | undefined): Omit<DecisionRecord, 'at'> {
    const who: { -readonly [K in keyof Fields]: Fields[K] } = {}
    if (this.principal !== undefined) who.principal = this.principal
    if (this.roleArn !== undefined) who.roleArn = this.roleArn
    if (this.sessionName !== undefined) who.sessionName = this.sessionName
    if (this.subject !== undefined) who.subject = this.subject
    if (this.namespace !== undefined) who.namespace = this.namespace
    if (this.serviceAccount !== undefined) who.serviceAccount = this.serviceAccount
    if (statements !== undefined) this.detail.statements = statements
    return {
      action: this.action,
      outcome,
      ...(code === undefined ? {} : { code }),
      ...who,
      sourceIp: this.sourceIp,
      requestId: this.requestId,
      reason,
      ...(hasKeys(this.detail) ? { detail: this.detail } : {}),
    }
  }
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true
  return false
}
