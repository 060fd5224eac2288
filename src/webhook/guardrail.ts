/**
 * The guardrail (`--enforce`): deny a pod whose role is bound to service accounts in more than one
 * namespace, or whose trust policy admits wildcard subjects. The trust check asks irsa's policy
 * engine, with probe subjects nobody would name on purpose (`system:serviceaccount:<random>:<random>`,
 * and each StringLike pattern on `:sub` with its wildcards filled at random): if the engine allows
 * a probe, the trust admits subjects nobody listed. Pure; randomness and the compile cache are
 * passed in.
 */
import { compilePolicy } from '../policy/compile.js'
import type { CompiledPolicy } from '../policy/compile.js'
import { evaluate } from '../policy/evaluate.js'
import type { ContextValue } from '../policy/request.js'

/** Why the guardrail objects, in a closed vocabulary. */
export const GUARDRAIL_REASONS = {
  'role-shared-across-namespaces': 'the role is bound to service accounts in other namespaces',
  'trust-admits-any-namespace': 'its trust policy admits service accounts of any namespace',
  'trust-admits-any-service-account': 'its trust policy admits every service account of the namespace',
  'trust-admits-wildcard-subject': 'its trust policy admits subjects matching a wildcard pattern',
  // Fail closed: permissions only after explicit workload-identity verification.
  'role-unknown': 'the role is not in the IAM data, so its trust policy cannot be verified',
  'trust-policy-invalid': 'its trust policy cannot be read, so it cannot be verified',
} as const
export type GuardrailReason = keyof typeof GUARDRAIL_REASONS

/** Things worth telling the user that do not deny the pod. */
export const GUARDRAIL_NOTES = {
  'trust-rejects-this-service-account': "the role's trust policy does not admit this service account with this audience",
} as const
export type GuardrailNote = keyof typeof GUARDRAIL_NOTES

export interface GuardrailViolation {
  readonly reason: GuardrailReason
  /** Namespaces sharing the role, or the subject that the engine allowed, or the pattern. */
  readonly detail: string
}

export interface GuardrailResult {
  readonly roleArn: string
  readonly violations: readonly GuardrailViolation[]
  readonly notes: readonly GuardrailNote[]
}

export interface GuardrailInput {
  readonly roleArn: string
  readonly namespace: string
  readonly serviceAccount: string
  /** The audience the pod's token will carry. */
  readonly audience: string
  /** Every service account bound to this role, from the service-account source. */
  readonly boundServiceAccounts: readonly { readonly namespace: string; readonly name: string }[]
  /** The role's trust policy text, when the IAM data has the role. */
  readonly trustPolicy: string | undefined
  /** A random lower-case token for probe names (DNS-label safe). */
  readonly randomToken: () => string
  /** Compile cache; default compiles every time. */
  readonly compile?: (text: string) => CompiledPolicy
}

const WEB_IDENTITY = 'sts:AssumeRoleWithWebIdentity'
const OIDC_PROVIDER = /^arn:[^:]+:iam::\d{12}:oidc-provider\/(.+)$/

interface TrustShape {
  /** Federated principals naming OIDC providers, with the issuer key (`host/path`) of each. */
  readonly providers: { readonly arn: string; readonly key: string }[]
  /** StringLike patterns on `<key>:sub`. */
  readonly subPatterns: { readonly key: string; readonly pattern: string }[]
}

function asList(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

/** The OIDC providers and `:sub` wildcard patterns a trust policy mentions (to build probes). */
function trustShape(doc: unknown): TrustShape {
  const providers = new Map<string, string>()
  const subPatterns: TrustShape['subPatterns'] = []
  const statements = asList((doc as { Statement?: unknown } | null)?.Statement)
  const subKeys = new Set<string>()
  for (const s of statements) {
    if (s === null || typeof s !== 'object') continue
    const st = s as { Principal?: unknown; Condition?: unknown }
    const principal = st.Principal as { Federated?: unknown } | undefined
    for (const f of asList(principal?.Federated)) {
      if (typeof f !== 'string') continue
      const m = OIDC_PROVIDER.exec(f)
      if (m?.[1] !== undefined) providers.set(f, m[1])
    }
    const cond = st.Condition
    if (cond === null || typeof cond !== 'object') continue
    for (const [op, clause] of Object.entries(cond as Record<string, unknown>)) {
      if (clause === null || typeof clause !== 'object') continue
      for (const [k, v] of Object.entries(clause as Record<string, unknown>)) {
        if (!k.toLowerCase().endsWith(':sub')) continue
        const key = k.slice(0, -4)
        subKeys.add(key)
        if (!/StringLike/i.test(op)) continue
        for (const p of asList(v)) if (typeof p === 'string' && /[*?]/.test(p)) subPatterns.push({ key, pattern: p })
      }
    }
  }
  const list = [...providers].map(([arn, key]) => ({ arn, key }))
  // `Federated: "*"` or a provider we cannot read: probe through each issuer key the conditions use.
  if (list.length === 0) for (const key of subKeys) list.push({ arn: `arn:aws:iam::000000000000:oidc-provider/${key}`, key })
  return { providers: list, subPatterns }
}

function fillPattern(pattern: string, token: () => string): string {
  let out = ''
  for (const ch of pattern) out += ch === '*' ? token() : ch === '?' ? 'q' : ch
  return out
}

/** Decide. Never throws. */
export function checkGuardrail(input: GuardrailInput): GuardrailResult {
  const violations: GuardrailViolation[] = []
  const notes: GuardrailNote[] = []
  const others = [...new Set(input.boundServiceAccounts.filter((s) => s.namespace !== input.namespace).map((s) => s.namespace))].sort()
  if (others.length > 0) violations.push({ reason: 'role-shared-across-namespaces', detail: others.join(', ') })

  if (input.trustPolicy === undefined) {
    violations.push({ reason: 'role-unknown', detail: input.roleArn })
    return { roleArn: input.roleArn, violations, notes }
  }
  let compiled: CompiledPolicy
  let doc: unknown
  try {
    doc = JSON.parse(input.trustPolicy)
    compiled = input.compile ? input.compile(input.trustPolicy) : compilePolicy(input.trustPolicy, { kind: 'trust', name: 'trust' })
  } catch {
    violations.push({ reason: 'trust-policy-invalid', detail: input.roleArn })
    return { roleArn: input.roleArn, violations, notes }
  }
  const shape = trustShape(doc)
  const own = `system:serviceaccount:${input.namespace}:${input.serviceAccount}`
  const allows = (sub: string): boolean =>
    shape.providers.some((p) => {
      const context: Record<string, ContextValue> = { [`${p.key}:sub`]: sub }
      if (input.audience !== '') context[`${p.key}:aud`] = input.audience
      try {
        return evaluate({ principal: p.arn, principalType: 'Federated', action: WEB_IDENTITY, resource: input.roleArn, context }, { resource: [compiled] }).decision === 'Allow'
      } catch {
        return false
      }
    })
  const t = input.randomToken
  const anyNs = `system:serviceaccount:irsa-probe-${t()}:irsa-probe-${t()}`
  const sameNameElsewhere = `system:serviceaccount:irsa-probe-${t()}:${input.serviceAccount}`
  const anySa = `system:serviceaccount:${input.namespace}:irsa-probe-${t()}`
  if (allows(anyNs)) violations.push({ reason: 'trust-admits-any-namespace', detail: anyNs })
  else if (allows(sameNameElsewhere)) violations.push({ reason: 'trust-admits-any-namespace', detail: sameNameElsewhere })
  else if (allows(anySa)) violations.push({ reason: 'trust-admits-any-service-account', detail: anySa })
  else {
    for (const { pattern } of shape.subPatterns) {
      const probe = fillPattern(pattern, () => `irsa-probe-${t()}`)
      if (probe !== own && allows(probe)) {
        violations.push({ reason: 'trust-admits-wildcard-subject', detail: pattern })
        break
      }
    }
  }
  if (!allows(own)) notes.push('trust-rejects-this-service-account')
  return { roleArn: input.roleArn, violations, notes }
}

/** The denial message: names the role and every reason. */
export function guardrailMessage(r: GuardrailResult): string {
  const parts = r.violations.map((v) => {
    switch (v.reason) {
      case 'role-shared-across-namespaces':
        return `${GUARDRAIL_REASONS[v.reason]} (${v.detail})`
      case 'trust-admits-wildcard-subject':
        return `${GUARDRAIL_REASONS[v.reason]} (${v.detail})`
      default:
        return `${GUARDRAIL_REASONS[v.reason]} (the engine allowed ${v.detail})`
    }
  })
  return `irsa guardrail: role ${r.roleArn} is not allowed: ${parts.join('; ')} [${r.violations.map((v) => v.reason).join(', ')}]`
}
