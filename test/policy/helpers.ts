/** Small builders shared by the engine's unit tests. */
import { compilePolicy } from '../../src/policy/compile.js'
import { evaluate } from '../../src/policy/evaluate.js'
import type { PolicySet } from '../../src/policy/evaluate.js'
import type { DecisionOutcome } from '../../src/policy/decision.js'
import type { ContextValue, EvalRequest } from '../../src/policy/request.js'

export const ACCOUNT = '111122223333'
export const USER = `arn:aws:iam::${ACCOUNT}:user/alice`

/** Decision for one identity statement with the given Condition, for a user calling s3:GetObject. */
export function conditionDecision(
  condition: Record<string, Record<string, unknown>>,
  context: Record<string, ContextValue> | undefined,
  effect: 'Allow' | 'Deny' = 'Allow',
  version = '2012-10-17',
): DecisionOutcome {
  const statements: object[] = [{ Effect: effect, Action: 's3:GetObject', Resource: '*', Condition: condition }]
  if (effect === 'Deny') statements.push({ Effect: 'Allow', Action: '*', Resource: '*' })
  const policy = compilePolicy({ Version: version, Statement: statements }, { kind: 'identity' })
  return evaluate({ principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/key', context }, { identity: [policy] }).decision
}

/** True when the condition block matches the context (an Allow statement grants). */
export function conditionMatches(condition: Record<string, Record<string, unknown>>, context?: Record<string, ContextValue>): boolean {
  return conditionDecision(condition, context) === 'Allow'
}

type Docs = Partial<Record<'identity' | 'resource' | 'boundary' | 'session', object[]>> & { scp?: object[][]; rcp?: object[][] }

/** Evaluate raw documents. */
export function decide(request: EvalRequest, docs: Docs): DecisionOutcome {
  const set: Record<string, unknown> = {}
  for (const [kind, list] of Object.entries(docs)) {
    if (kind === 'scp' || kind === 'rcp') {
      set[kind] = (list as object[][]).map((lvl) => lvl.map((d) => compilePolicy(d, { kind })))
    } else {
      set[kind] = (list as object[]).map((d) => compilePolicy(d, { kind: kind as 'identity' }))
    }
  }
  return evaluate(request, set as PolicySet).decision
}

export function allow(action: string | string[], resource: string | string[] = '*', extra: object = {}): object {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource, ...extra }] }
}

export function deny(action: string | string[], resource: string | string[] = '*', extra: object = {}): object {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: action, Resource: resource, ...extra }] }
}

export function resourcePolicy(principal: unknown, action: string | string[], resource: string | string[] = '*', effect = 'Allow'): object {
  return { Version: '2012-10-17', Statement: [{ Effect: effect, Principal: principal, Action: action, Resource: resource }] }
}
