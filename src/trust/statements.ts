/**
 * What a compiled trust policy names, read from the engine's compiled form (never from the JSON):
 * the OIDC issuers its web-identity statements trust, the statements naming a service principal,
 * and the clauses on a condition key. The engine decides admission; this only says where to probe.
 */
import type { CompiledPolicy, CompiledStatement } from '../policy/compile.js'
import type { CompiledClause } from '../policy/condition/condition.js'
import type { StatementRef } from '../policy/decision.js'

export const WEB_IDENTITY = 'sts:AssumeRoleWithWebIdentity'
export const OIDC_PROVIDER_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):oidc-provider\/(.+)$/

export interface TrustIssuer {
  /** The issuer key as condition keys and provider ARNs spell it: `host/path`. */
  readonly host: string
  readonly providerArn: string
  /** The audiences (client ids) the IAM OIDC provider accepts, when known. */
  readonly audiences?: readonly string[]
}

export function statementRef(pol: CompiledPolicy, st: CompiledStatement): StatementRef {
  const base = { kind: pol.kind, policy: pol.name, index: st.index, effect: st.effect }
  return st.sid === undefined ? base : { ...base, sid: st.sid }
}

/** Whether a statement's Action / NotAction covers an action (the engine's compiled matchers). */
export function coversAction(st: CompiledStatement, action: string): boolean {
  const a = action.toLowerCase()
  if (st.actions !== undefined) return st.actions.some((m) => m.test(a))
  return st.notActions !== undefined && !st.notActions.some((m) => m.test(a))
}

/** Positive string comparison (StringEquals / StringLike / StringEqualsIgnoreCase, any qualifier). */
export function isPositive(c: CompiledClause): boolean {
  return c.operator.base.startsWith('String') && !c.operator.base.includes('Not')
}

/** The clauses of a statement on one condition key (compared case-insensitively). */
export function clausesOn(st: CompiledStatement, key: string): CompiledClause[] {
  const k = key.toLowerCase()
  return st.conditions.filter((c) => c.lowerKey === k)
}

/**
 * The OIDC issuers a trust's web-identity statements name: each `Federated` OIDC provider ARN, and,
 * for statements whose principal is everyone (`"*"`), each issuer their `<issuer>:sub` / `:aud`
 * condition keys name (as a provider of the role's account).
 */
export function trustIssuers(trust: CompiledPolicy, roleArn: string): TrustIssuer[] {
  const out = new Map<string, TrustIssuer>()
  const arn = /^arn:([^:]+):iam::(\d{12}):/.exec(roleArn)
  for (const st of trust.statements) {
    if (st.effect !== 'Allow' || st.principal === undefined || !coversAction(st, WEB_IDENTITY)) continue
    for (const f of st.principal.named.federated) {
      const m = OIDC_PROVIDER_ARN.exec(f)
      if (m !== null && !out.has(f)) out.set(f, { host: m[3] as string, providerArn: f })
    }
    if (st.principal.named.any && arn !== null) {
      for (const c of st.conditions) {
        const m = /^(.+):(sub|aud)$/.exec(c.key)
        const providerArn = m === null ? undefined : `arn:${arn[1] as string}:iam::${arn[2] as string}:oidc-provider/${m[1] as string}`
        if (m !== null && providerArn !== undefined && !out.has(providerArn)) out.set(providerArn, { host: m[1] as string, providerArn })
      }
    }
  }
  return [...out.values()]
}

/** Allow statements naming a service principal for an action. */
export function serviceStatements(trust: CompiledPolicy, service: string, action: string): CompiledStatement[] {
  const s = service.toLowerCase()
  return trust.statements.filter((st) => st.effect === 'Allow' && st.principal !== undefined && (st.principal.named.any || st.principal.named.service.includes(s)) && coversAction(st, action))
}
