/**
 * The decide step of a credential exchange, as data: allowed (with the context keys presented, the
 * engine's explanation and the statements that allowed it) or denied (the same, plus the AWS error
 * the client gets). `decideByTrust` is the decision both exchanges make: a role's trust policy must
 * allow every action asked (e.g. `sts:AssumeRoleWithWebIdentity`, then `sts:TagSession` when the
 * session is tagged), evaluated by the policy engine for one principal with one context. Pure: the
 * compiled-policy cache is the only state it reads, through {@link DecideEnv}.
 */
import type { AwsError } from '../../aws/aws-error.js'
import type { CompiledPolicy } from '../../policy/compile.js'
import type { Decision, StatementRef } from '../../policy/decision.js'
import { evaluate } from '../../policy/evaluate.js'
import type { PolicyKind } from '../../policy/kind.js'
import type { ContextValue, PrincipalType } from '../../policy/request.js'

export type ExchangeContext = Readonly<Record<string, ContextValue>>

export interface ExchangeAllow {
  readonly allow: true
  /** The engine's explanation of the first action's Allow. */
  readonly explanation: string
  /** The statements that allowed each action asked, in order. */
  readonly statements: readonly StatementRef[]
  readonly context: ExchangeContext
}

export interface ExchangeDeny {
  readonly allow: false
  /** Why, for the decision record. */
  readonly explanation: string
  /** The statements that decided the denial (an explicit Deny's), possibly none. */
  readonly statements: readonly StatementRef[]
  /** Undefined when the exchange was refused before its context was built (no such role). */
  readonly context: ExchangeContext | undefined
  /** What the client gets. */
  readonly error: AwsError
}

export type ExchangeDecision = ExchangeAllow | ExchangeDeny

/** What a decision may read besides its inputs: the account, region and compiled policies (a Runtime is one). */
export interface DecideEnv {
  readonly account: string
  readonly region: string
  compiled(kind: PolicyKind, document: string): CompiledPolicy
}

export interface TrustQuestion {
  readonly principal: string
  readonly principalType: PrincipalType
  /** The role's ARN. */
  readonly resource: string
  readonly resourceAccount?: string
  readonly context: ExchangeContext
  /** Every action the trust must allow, in the order asked. */
  readonly actions: readonly string[]
}

/** A denial decided before (or without) the engine. */
export function refused(explanation: string, error: AwsError, context?: ExchangeContext): ExchangeDeny {
  return { allow: false, explanation, statements: [], context, error }
}

/**
 * Ask the role's trust policy for each action; the first that is not allowed denies with
 * `deny(reason)`'s error. A trust policy that does not compile denies (it cannot be read).
 */
export function decideByTrust(env: DecideEnv, trustPolicy: string, q: TrustQuestion, deny: (reason: string) => AwsError): ExchangeDecision {
  let trust: CompiledPolicy
  try {
    trust = env.compiled('trust', trustPolicy)
  } catch {
    const reason = 'the role trust policy cannot be read'
    return refused(reason, deny(reason), q.context)
  }
  const policies = { resource: [trust] }
  const request = { principal: q.principal, principalType: q.principalType, resource: q.resource, context: q.context, ...(q.resourceAccount === undefined ? {} : { resourceAccount: q.resourceAccount }) }
  let first: Decision | undefined
  let statements: readonly StatementRef[] = []
  for (const action of q.actions) {
    const d = evaluate({ ...request, action }, policies)
    if (d.decision !== 'Allow') {
      const reason = `the trust policy does not allow ${action} (${d.decision}: ${d.explanation})`
      return { allow: false, explanation: reason, statements: d.statements, context: q.context, error: deny(reason) }
    }
    first ??= d
    statements = statements.length === 0 ? d.statements : [...statements, ...d.statements]
  }
  // Nothing asked is nothing allowed.
  if (first === undefined) return refused('no action was asked of the trust policy', deny('no action was asked'), q.context)
  return { allow: true, explanation: first.explanation, statements, context: q.context }
}
