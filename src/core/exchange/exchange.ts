/**
 * A credential exchange (a token in, role session credentials out) as one pipeline:
 *
 *   parse   the request → a typed request; AWS's ValidationErrors (sync)
 *   verify  the token → a verified identity (async: the provider and its keys)
 *   find    the role (and whatever names it, e.g. a Pod Identity association) (async: the store)
 *   decide  PURE: identity + role + request → context keys → the trust policy's answer for each
 *           action asked → an {@link ExchangeDecision} (explanation, statements, the AWS error on denial)
 *   issue   sealed session credentials and the response (async: sealing keys, managed policies)
 *
 * Each exchange (STS AssumeRoleWithWebIdentity, EKS Auth AssumeRoleForPodIdentity) is an
 * {@link Exchange}: those five functions. {@link runExchange} runs them and records the outcome in
 * exactly one place, after the stages, whatever happened in them: the allow, the denial decided,
 * a refusal thrown by any stage (with its code), or an unexpected failure (`Error`). So no outcome
 * reaches the client without its decision record. An allow is answered only once its record is
 * written (a record that cannot be written fails the exchange); a failure whose record cannot be
 * written is still answered with the failure.
 */
import type { Runtime } from '../runtime.js'
import { DecisionDraft } from './decision-draft.js'
import type { FaultCodes } from './decision-draft.js'
import type { DecideEnv, ExchangeAllow, ExchangeDecision } from './exchange-decision.js'

/** Where the request came from, for the record. */
export interface ExchangeMeta {
  readonly requestId: string
  readonly sourceIp: string
  readonly userAgent?: string
}

/** What the async stages of one request share. */
export interface ExchangeCall {
  readonly rt: Runtime
  /** Epoch seconds, read once per request (token times, context keys, the session's lifetime). */
  readonly now: number
  /** The decision record being filled in: stages add who and what as they learn it. */
  readonly record: DecisionDraft
}

export interface Exchange<In, Req, Id, Target, Out> {
  /** The decision record's action, e.g. `sts:AssumeRoleWithWebIdentity`. */
  readonly action: string
  /** The codes the API answers failures that are not AWS errors with. */
  readonly faults: FaultCodes
  /** The request → a typed request; throws AWS's ValidationError (or the API's equivalent). */
  parse(input: In, record: DecisionDraft): Req
  /** The token → who it identifies; throws the refusal when it is not valid. */
  verify(call: ExchangeCall, req: Req): Promise<Id>
  /** The role to assume (undefined when there is none: `decide` refuses it). */
  find(call: ExchangeCall, req: Req, id: Id): Promise<Target>
  /** Pure: no clock (it is handed `now`), store or randomness. */
  decide(req: Req, id: Id, target: Target, env: DecideEnv, now: number): ExchangeDecision
  /** Issue the session and shape the response (may still refuse: session policies, packed size). */
  issue(call: ExchangeCall, req: Req, id: Id, target: Target, decision: ExchangeAllow): Promise<Out>
}

export async function runExchange<In, Req, Id, Target, Out>(rt: Runtime, x: Exchange<In, Req, Id, Target, Out>, input: In, meta: ExchangeMeta): Promise<Out> {
  const record = new DecisionDraft(x.action, meta.requestId, meta.sourceIp)
  if (meta.userAgent !== undefined) record.detail.userAgent = meta.userAgent
  let decision: ExchangeDecision | undefined
  let out: Out | undefined
  let failed = false
  let failure: unknown
  try {
    const req = x.parse(input, record)
    const call: ExchangeCall = { rt, now: rt.nowSeconds(), record }
    const id = await x.verify(call, req)
    const target = await x.find(call, req, id)
    decision = x.decide(req, id, target, rt, call.now)
    if (!decision.allow) throw decision.error
    out = await x.issue(call, req, id, target, decision)
  } catch (e) {
    failed = true
    failure = e
  }
  // The one place every outcome is recorded.
  const entry = !failed
    ? record.allow((decision as ExchangeAllow).explanation, (decision as ExchangeAllow).statements)
    : decision !== undefined && !decision.allow && failure === decision.error
      ? record.deny(decision.error.code, decision.explanation, decision.statements)
      : record.fail(failure, x.faults)
  try {
    await rt.log(entry)
  } catch (e) {
    // An unexpected failure keeps its own answer; an allow or a denial is not given unrecorded.
    if (entry.outcome !== 'Error') throw e
  }
  if (failed) throw failure
  return out as Out
}
