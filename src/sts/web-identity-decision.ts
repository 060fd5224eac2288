/**
 * The decision of AssumeRoleWithWebIdentity, pure: a verified web identity, the role and the request
 * → the context keys STS presents to the role's trust policy → the engine's answer for
 * `sts:AssumeRoleWithWebIdentity`, then `sts:TagSession` when the token carries session tags and
 * `sts:SetSourceIdentity` when it carries a source identity.
 *
 * Context keys: `<issuer host/path>:sub`, `:aud` (the matched client ID), `:amr` and `:azp` when the
 * token has them (a string or a list of strings), `sts:RoleSessionName`, `aws:FederatedProvider`,
 * `sts:SourceIdentity`, the session tags as `aws:RequestTag/<key>` with `aws:TagKeys` and
 * `sts:TransitiveTagKeys`, and the request's `aws:CurrentTime`, `aws:EpochTime`, `aws:SourceIp`,
 * `aws:SecureTransport`, `aws:RequestedRegion`.
 */
import { AwsError } from '../aws/aws-error.js'
import { decideByTrust, refused } from '../core/exchange/exchange-decision.js'
import type { DecideEnv, ExchangeContext, ExchangeDecision } from '../core/exchange/exchange-decision.js'
import type { Role } from '../model/iam.js'
import type { ContextValue } from '../policy/request.js'
import { issuerHostPath } from '../tokens/issuer-url.js'
import type { VerifierProvider, WebIdentityTokenSuccess } from '../tokens/verify-web-identity-token.js'
import { readSessionTags, SESSION_TAGS_CLAIM } from './session-tags-claim.js'
import type { SessionTags } from './session-tags-claim.js'
import type { RoleRef } from './role-arn.js'

export const ASSUME_ROLE_WITH_WEB_IDENTITY = 'sts:AssumeRoleWithWebIdentity'
/** AWS's text for every trust denial: the client is not told why. */
export const WEB_IDENTITY_DENIED = `Not authorized to perform ${ASSUME_ROLE_WITH_WEB_IDENTITY}`
const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity'

/** AssumeRoleWithWebIdentity's parameters, checked, and where the request came from. */
export interface WebIdentityRequest {
  readonly roleArn: string
  readonly role: RoleRef
  readonly sessionName: string
  readonly token: string
  readonly policy: string | undefined
  readonly policyArns: readonly string[]
  readonly durationSeconds: number
  readonly sourceIp: string
  readonly secureTransport: boolean
}

/** Who a verified token identifies, with what it asks for the session. */
export interface WebIdentity {
  readonly provider: VerifierProvider
  readonly subject: string
  /** The token's `aud` that is one of the provider's client IDs. */
  readonly audience: string
  readonly amr: ContextValue | undefined
  readonly azp: ContextValue | undefined
  readonly jti: string | undefined
  readonly tags: SessionTags | undefined
  readonly sourceIdentity: string | undefined
}

/** The identity of a verified token. Throws InvalidIdentityToken when its session-tags claim is malformed. */
export function webIdentity(v: WebIdentityTokenSuccess): WebIdentity {
  const c = v.claims as Record<string, unknown>
  const source = c[SOURCE_IDENTITY_CLAIM]
  return {
    provider: v.provider,
    subject: v.subject,
    audience: v.audience,
    amr: stringOrStrings(c.amr),
    azp: stringOrStrings(c.azp),
    jti: typeof c.jti === 'string' ? c.jti : undefined,
    tags: readSessionTags(c[SESSION_TAGS_CLAIM]),
    sourceIdentity: typeof source === 'string' ? source : undefined,
  }
}

function stringOrStrings(v: unknown): ContextValue | undefined {
  return typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')) ? (v as ContextValue) : undefined
}

/** `2024-05-01T12:00:00Z`: aws:CurrentTime, to the second. */
function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The context keys STS presents to the trust policy for this identity and request. */
export function webIdentityContext(req: WebIdentityRequest, id: WebIdentity, env: Pick<DecideEnv, 'region'>, now: number): ExchangeContext {
  const prefix = issuerHostPath(id.provider.url)
  const context: Record<string, ContextValue> = {
    [`${prefix}:sub`]: id.subject,
    [`${prefix}:aud`]: id.audience,
    'sts:RoleSessionName': req.sessionName,
    'aws:FederatedProvider': id.provider.arn,
    'aws:CurrentTime': isoSeconds(now),
    'aws:EpochTime': String(now),
    'aws:SourceIp': req.sourceIp,
    'aws:SecureTransport': req.secureTransport,
    'aws:RequestedRegion': env.region,
  }
  if (id.amr !== undefined) context[`${prefix}:amr`] = id.amr
  if (id.azp !== undefined) context[`${prefix}:azp`] = id.azp
  if (id.sourceIdentity !== undefined) context['sts:SourceIdentity'] = id.sourceIdentity
  if (id.tags !== undefined) {
    const keys = Object.keys(id.tags.tags)
    for (const k of keys) context[`aws:RequestTag/${k}`] = id.tags.tags[k] as string
    context['aws:TagKeys'] = keys
    if (id.tags.transitive.length > 0) context['sts:TransitiveTagKeys'] = id.tags.transitive
  }
  return context
}

/** The actions the trust must allow for this identity: the exchange, and tagging / source identity when asked. */
const EXCHANGE_ONLY: readonly string[] = [ASSUME_ROLE_WITH_WEB_IDENTITY]
function actionsFor(id: WebIdentity): readonly string[] {
  if (id.tags === undefined && id.sourceIdentity === undefined) return EXCHANGE_ONLY
  const actions = [ASSUME_ROLE_WITH_WEB_IDENTITY]
  if (id.tags !== undefined) actions.push('sts:TagSession')
  if (id.sourceIdentity !== undefined) actions.push('sts:SetSourceIdentity')
  return actions
}

const denied = (): AwsError => new AwsError('AccessDenied', WEB_IDENTITY_DENIED)

/** Decide one exchange. `role` is the stored role the request names, undefined when there is none. */
export function decideWebIdentity(req: WebIdentityRequest, id: WebIdentity, role: Role | undefined, env: DecideEnv, now: number): ExchangeDecision {
  if (role === undefined || role.arn !== req.roleArn) return refused('the role does not exist', denied())
  if (req.durationSeconds > role.maxSessionDuration) {
    return refused('DurationSeconds exceeds MaxSessionDuration', new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'))
  }
  const context = webIdentityContext(req, id, env, now)
  return decideByTrust(env, role.trustPolicy, { principal: id.provider.arn, principalType: 'Federated', resource: role.arn, context, actions: actionsFor(id) }, denied)
}
