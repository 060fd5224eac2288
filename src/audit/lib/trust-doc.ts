/**
 * Static reading of a role trust policy as written (statements forced to arrays, condition keys
 * lower-cased, operators parsed), for the rules that lint its grammar (wildcards with non-Like
 * operators, swapped keys, other principals). Who the trust admits is the trust analyzer's answer
 * (src/trust/reach.ts), decided by the engine: nothing here decides admission.
 */
import { parseOperatorName } from '../../policy/condition/operator-name.js'
import type { OperatorName } from '../../policy/condition/operator-name.js'
import { matchWildcard } from '../../policy/wildcard.js'
import { POD_IDENTITY_SERVICE } from '../../model/aws-names.js'

export const PROVIDER_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):oidc-provider\/(.+)$/
export const EKS_ISSUER = /^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/id\/[0-9A-Z]+$/i
export { SA_PREFIX, hasWild, splitSub } from '../../trust/subject.js'

export interface CondEntry {
  readonly operator: string
  readonly op: OperatorName | undefined
  /** Lower-cased key. */
  readonly key: string
  /** For `<host>:sub` / `<host>:aud` keys: the host part (lower-cased) and the claim. */
  readonly host: string | undefined
  readonly claim: string | undefined
  readonly values: readonly string[]
  /** Positive string comparison (StringEquals/Like/IgnoreCase, any qualifier). */
  readonly positive: boolean
  readonly negated: boolean
  readonly like: boolean
}

export interface TrustStatement {
  readonly index: number
  readonly sid: string | undefined
  readonly effect: 'Allow' | 'Deny' | string
  readonly principalStar: boolean
  readonly notPrincipal: boolean
  readonly aws: readonly string[]
  readonly federated: readonly string[]
  readonly services: readonly string[]
  readonly actions: readonly string[]
  readonly notActions: readonly string[]
  readonly conditions: readonly CondEntry[]
  /** OIDC provider principals: ARN, account and issuer host (as written). */
  readonly providers: readonly { readonly arn: string; readonly account: string; readonly host: string }[]
  readonly isOidc: boolean
  readonly isPodId: boolean
}

function arr(v: unknown): string[] {
  if (typeof v === 'string') return [v]
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string')
  if (typeof v === 'boolean' || typeof v === 'number') return [String(v)]
  return []
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** Whether an Action/NotAction pair covers `action` (IAM glob, case-insensitive). */
export function coversAction(actions: readonly string[], notActions: readonly string[], action: string): boolean {
  if (actions.length > 0) return actions.some((a) => matchWildcard(a, action, true))
  if (notActions.length > 0) return !notActions.some((a) => matchWildcard(a, action, true))
  return false
}

export function readTrustStatements(doc: unknown): TrustStatement[] {
  if (!isObj(doc)) return []
  const raw = doc.Statement
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  return list.filter(isObj).map((s, index) => {
    const p = s.Principal ?? s.NotPrincipal
    const principalStar = p === '*' || (isObj(p) && arr(p.AWS).includes('*'))
    const pm = isObj(p) ? p : {}
    const federated = arr(pm.Federated)
    const services = arr(pm.Service)
    const conditions: CondEntry[] = []
    if (isObj(s.Condition)) {
      for (const [operator, block] of Object.entries(s.Condition)) {
        if (!isObj(block)) continue
        const op = parseOperatorName(operator)
        for (const [k, v] of Object.entries(block)) {
          const key = k.toLowerCase()
          const m = /^(.+):(sub|aud|amr|oaud)$/.exec(key)
          const base = op?.base ?? ''
          const negated = /Not/.test(base)
          const stringy = base.startsWith('String')
          conditions.push({
            operator,
            op,
            key,
            host: m === null ? undefined : m[1],
            claim: m === null ? undefined : m[2],
            values: arr(v),
            positive: stringy && !negated,
            negated,
            like: base === 'StringLike' || base === 'StringNotLike',
          })
        }
      }
    }
    const actions = arr(s.Action)
    const notActions = arr(s.NotAction)
    const providers = federated
      .map((f) => PROVIDER_ARN.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ arn: m[0], account: m[2] as string, host: m[3] as string }))
    const allow = s.Effect === 'Allow'
    return {
      index,
      sid: typeof s.Sid === 'string' ? s.Sid : undefined,
      effect: typeof s.Effect === 'string' ? s.Effect : '',
      principalStar,
      notPrincipal: s.NotPrincipal !== undefined,
      aws: arr(pm.AWS),
      federated,
      services,
      actions,
      notActions,
      conditions,
      providers,
      isOidc: allow && providers.length > 0 && coversAction(actions, notActions, 'sts:AssumeRoleWithWebIdentity'),
      isPodId: allow && services.includes(POD_IDENTITY_SERVICE) && coversAction(actions, notActions, 'sts:AssumeRole'),
    }
  })
}

/** Conditions of a statement on `<host>:<claim>` (host compared case-insensitively). */
export function claimConditions(st: TrustStatement, host: string, claim: string): CondEntry[] {
  const h = host.toLowerCase()
  return st.conditions.filter((c) => c.host === h && c.claim === claim)
}


/** Multi-tenant CI issuers: a missing `sub` there means anyone on the internet. */
export const MULTI_TENANT_ISSUERS = [
  'token.actions.githubusercontent.com',
  'gitlab.com',
  'app.terraform.io',
  'oidc.circleci.com',
  'api.bitbucket.org',
  'vstoken.dev.azure.com',
  'accounts.google.com',
]

export function issuerClass(host: string): 'eks' | 'multi-tenant' | 'self-hosted' | 'vendor' {
  if (EKS_ISSUER.test(host)) return 'eks'
  const h = host.toLowerCase().split('/')[0] ?? ''
  if (MULTI_TENANT_ISSUERS.some((m) => h === m || h.endsWith(`.${m}`)) || h.startsWith('oidc.circleci.com')) return 'multi-tenant'
  if (/\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/.test(h) || h.endsWith('.cloudfront.net') || h.endsWith('.s3.amazonaws.com')) return 'self-hosted'
  return 'vendor'
}
