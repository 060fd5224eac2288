/**
 * A refusal thrown by an exchange stage: the AWS error the client gets (code, status, AWS's message)
 * and, for the decision record only, the operator's reason (which may say more than the client is
 * told, e.g. why keys could not be fetched) and the statements that decided it.
 */
import { AwsError } from '../../aws/aws-error.js'
import type { AwsErrorCode } from '../../aws/aws-error.js'
import type { StatementRef } from '../../policy/decision.js'

export class ExchangeRefusal extends AwsError {
  /** Why, for the decision record. Never a token or a secret. */
  readonly reason: string
  readonly statements: readonly StatementRef[] | undefined

  constructor(code: AwsErrorCode, message: string, o: { readonly reason: string; readonly statements?: readonly StatementRef[]; readonly status?: number }) {
    super(code, message, o.status === undefined ? {} : { status: o.status })
    this.reason = o.reason
    this.statements = o.statements
  }
}
