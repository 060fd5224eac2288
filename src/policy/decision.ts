/** Decisions are data: the outcome, and the statements that decided it. */
import type { PolicyKind } from './kind.js'

export type DecisionOutcome = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny'

/** A statement that took part in a decision, located well enough to show to a human. */
export interface StatementRef {
  readonly kind: PolicyKind
  /** The policy's name if the caller gave one, else `<kind>[<index>]`. */
  readonly policy: string
  /** Index of the statement within its policy's Statement list. */
  readonly index: number
  readonly sid?: string
  readonly effect: 'Allow' | 'Deny'
}

/** Why the outcome is what it is, in a closed vocabulary. */
export type DecisionReason =
  | 'explicit-deny'
  | 'rcp-not-allowed'
  | 'scp-not-allowed'
  | 'resource-policy-allows'
  | 'identity-allows'
  | 'root-user'
  | 'no-allow'
  | 'resource-policy-required'
  | 'boundary-not-allowed'
  | 'session-policy-not-allowed'
  | 'session-policy-required'

export interface Decision {
  readonly decision: DecisionOutcome
  readonly reason: DecisionReason
  /** For ExplicitDeny: the matching Deny statements. For Allow: the Allow statements that granted it. */
  readonly statements: readonly StatementRef[]
  /** One sentence for a human. */
  readonly explanation: string
}
