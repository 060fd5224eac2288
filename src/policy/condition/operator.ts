/**
 * The contract every condition operator family fulfils. A family parses request values into its
 * own type and compiles policy values into tests of the operator's *positive* relation; negation,
 * `IfExists`, set qualifiers and missing keys are applied once, in condition.ts, for all families.
 */
import type { RequestContext } from '../context.js'

/** true / false, or undefined when the policy value has no value in this request (a variable). */
export type ValueTest<T> = (requestValue: T, ctx: RequestContext) => boolean | undefined

export interface OperatorSpec<T> {
  /** Negated operators (StringNotEquals, NotIpAddress, …) are true when no policy value matches. */
  readonly negated: boolean
  /** Whether policy variables are substituted in this operator's values (Version 2012-10-17). */
  readonly variables: boolean
  /** Parse a request value; undefined when it is not of this operator's type (the condition fails). */
  parseRequest(value: string): T | undefined
  /** Compile one policy value; undefined when it can never match (malformed for this type). */
  compileValue(value: string, variables: boolean): ValueTest<T> | undefined
}

/** Erase the value type for the registry; each spec stays internally consistent. */
export type AnyOperatorSpec = OperatorSpec<unknown>
