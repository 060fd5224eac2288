/**
 * The guardrail (`--enforce`): deny a pod whose role is bound to service accounts in more than one
 * namespace, or whose trust policy admits subjects nobody listed. The trust check is the trust
 * analyzer's (the auditor's too), with probe names drawn at random so a policy cannot be written
 * around them, and the pod's own audience tried besides sts.amazonaws.com and those the trust
 * requires. Pure; randomness and the compile cache are passed in.
 */
import { compilePolicy } from '../policy/compile.js'
import type { CompiledPolicy } from '../policy/compile.js'
import { admitsWebIdentity, analyzeTrust, subjectPool } from '../trust/reach.js'
import type { Scope, TrustReach } from '../trust/reach.js'
import { saSubject } from '../trust/subject.js'

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

/** The trust violation for a scope, widest first. */
const SCOPE_REASON: Partial<Record<Scope, GuardrailReason>> = {
  CLUSTER: 'trust-admits-any-namespace',
  ANYNS: 'trust-admits-any-namespace',
  NS: 'trust-admits-any-service-account',
  PATTERN: 'trust-admits-wildcard-subject',
}
const SCOPE_ORDER: readonly Scope[] = ['CLUSTER', 'ANYNS', 'NS', 'PATTERN']

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
  let reach: TrustReach
  try {
    const trust = input.compile ? input.compile(input.trustPolicy) : compilePolicy(input.trustPolicy, { kind: 'trust', name: 'trust' })
    const t = input.randomToken
    const probe = { namespace: `irsa-probe-${t()}`, serviceAccount: `irsa-probe-${t()}`, audience: `irsa-probe-${t()}` }
    const own = { namespace: input.namespace, name: input.serviceAccount, audience: input.audience }
    reach = analyzeTrust({ trust, roleArn: input.roleArn, probe, audiences: [input.audience], subjects: subjectPool([own]), namespaces: [input.namespace] })
    const ownSub = saSubject(input.namespace, input.serviceAccount)
    if (!reach.issuers.some((i) => admitsWebIdentity(trust, input.roleArn, i.issuer, ownSub, input.audience) !== undefined)) notes.push('trust-rejects-this-service-account')
  } catch {
    violations.push({ reason: 'trust-policy-invalid', detail: input.roleArn })
    return { roleArn: input.roleArn, violations, notes }
  }
  const widest = SCOPE_ORDER.map((scope) => reach.issuers.find((i) => i.scope === scope)).find((i) => i !== undefined)
  const reason = widest === undefined ? undefined : SCOPE_REASON[widest.scope]
  if (widest !== undefined && reason !== undefined) {
    violations.push({ reason, detail: widest.scope === 'PATTERN' ? (widest.patterns[0] as string) : (widest.evidence as string) })
  }
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
