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

/** Which element of a statement kept it from applying to the request, checked in this order. */
export type StatementMiss = 'action' | 'resource' | 'principal' | 'condition'

/** One statement of an evaluated policy and whether it applies to the request (opt-in: `explain`). */
export interface StatementTrace {
  readonly statement: StatementRef
  /** Whether every element of the statement matches the request (it may still not decide it). */
  readonly applies: boolean
  /** The first element that does not match, when the statement does not apply. */
  readonly miss?: StatementMiss
  /** For a condition miss: the first clause that is false, as written. */
  readonly condition?: { readonly operator: string; readonly key: string; readonly values: readonly string[] }
}

export interface Decision {
  readonly decision: DecisionOutcome
  readonly reason: DecisionReason
  /** For ExplicitDeny: the matching Deny statements. For Allow: the Allow statements that granted it. */
  readonly statements: readonly StatementRef[]
  /** One sentence for a human. */
  readonly explanation: string
  /** Every statement of every policy given, in order, with whether it applies: only with `explain`. */
  readonly trace?: readonly StatementTrace[]
}
