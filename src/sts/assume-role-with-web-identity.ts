/**
 * AssumeRoleWithWebIdentity: verify the service-account token against the role account's OIDC
 * provider, evaluate the role's trust policy with the token's claims as context keys, and issue
 * credentials sealed into the session token. Every outcome is logged as a decision.
 */
import { AwsError } from '../aws/aws-error.js'
import type { QueryParams } from '../aws/query-params.js'
import type { XmlObject } from '../aws/xml.js'
import type { Decision } from '../policy/decision.js'
import { evaluate } from '../policy/evaluate.js'
import type { ContextValue } from '../policy/request.js'
import type { Runtime } from '../core/runtime.js'
import type { RequestMeta } from '../core/signed-action.js'
import { issuerHostPath, providerIssuer } from '../tokens/issuer-url.js'
import { serviceAccountFromSubject } from '../tokens/service-account-token.js'
import { verifyWebIdentityToken } from '../tokens/verify-web-identity-token.js'
import { awsTimestamp } from './timestamp.js'
import { assumedRoleArn, parseRoleArn } from './role-arn.js'
import { issueRoleSession } from './issue-role-session.js'
import { sessionPolicies } from './session-policy.js'

const ACTION = 'sts:AssumeRoleWithWebIdentity'
const DENIED = `Not authorized to perform ${ACTION}`
const SESSION_NAME = /^[\w+=,.@-]*$/
const TAGS_CLAIM = 'https://aws.amazon.com/tags'
const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity'

export async function assumeRoleWithWebIdentity(rt: Runtime, q: QueryParams, meta: RequestMeta): Promise<XmlObject> {
  const roleArn = q.required('RoleArn', { min: 20, max: 2048 })
  const sessionName = q.required('RoleSessionName', { min: 2, max: 64, pattern: SESSION_NAME, patternText: '[\\w+=,.@-]*' })
  const token = q.required('WebIdentityToken', { min: 4, max: 20000 })
  q.string('ProviderId', { min: 4, max: 2048 })
  const inlinePolicy = q.string('Policy', { min: 1, max: 2048 })
  const policyArns = q.list('PolicyArns', 'arn') ?? []
  const duration = q.integer('DurationSeconds', { min: 900, max: 43200 }) ?? 3600
  if (policyArns.length > 10) throw new AwsError('ValidationError', `1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10`)
  for (const arn of policyArns) if (arn.length < 20 || arn.length > 2048) throw new AwsError('ValidationError', `1 validation error detected: Value '${arn}' at 'policyArns.member.arn' failed to satisfy constraint: Member must have length between 20 and 2048`)
  q.check()
  const ref = parseRoleArn(roleArn)
  if (ref === undefined) throw new AwsError('ValidationError', 'Request ARN is invalid')

  const base = { action: ACTION, roleArn, sessionName, sourceIp: meta.sourceIp, requestId: meta.requestId }
  const now = rt.nowSeconds()
  const providers = ref.account === rt.account ? await rt.store.listOidcProviders(ref.account) : []
  const verified = await verifyWebIdentityToken(token, {
    now,
    resolveProvider: (iss) => {
      // AWS matches iss against the provider URL exactly: no trailing-slash, scheme or case variants.
      const p = providers.find((x) => providerIssuer(x.url) === iss)
      return p === undefined ? undefined : { arn: p.arn, url: p.url, clientIds: p.clientIds, thumbprints: p.thumbprints }
    },
    getKey: (provider, header, t) => rt.keySource(provider.url)(provider, header, t),
  })
  if (!verified.ok) {
    // The operator also learns why keys could not be had (a refused jwks_uri, a fetch error); the client only gets AWS's text.
    const why = verified.detail === undefined ? '' : ` (${verified.detail})`
    await rt.log({ ...base, outcome: 'Deny', code: verified.code, reason: `token rejected (${verified.reason}): ${verified.message}${why}` })
    throw new AwsError(verified.code, verified.message)
  }
  const claims = verified.claims
  const subject = verified.subject
  const sa = serviceAccountFromSubject(subject)
  const kube = claims['kubernetes.io'] as { pod?: { name?: string; uid?: string } } | undefined
  const who = {
    ...base,
    principal: verified.provider.arn,
    subject,
    ...(sa === undefined ? {} : { namespace: sa.namespace, serviceAccount: sa.name }),
  }
  const detail: Record<string, unknown> = { audience: verified.audience, jti: claims.jti, kid: verified.header.kid }
  if (kube?.pod?.name !== undefined) detail.pod = { name: kube.pod.name, uid: kube.pod.uid }

  const deny = async (code: 'AccessDenied', reason: string, decision?: Decision): Promise<never> => {
    await rt.log({ ...who, outcome: 'Deny', code, reason, detail: { ...detail, ...(decision ? { statements: decision.statements } : {}) } })
    throw new AwsError(code, DENIED)
  }

  const role = ref.account === rt.account ? await rt.store.getRole(ref.account, ref.name) : undefined
  if (role === undefined || role.arn !== roleArn) return deny('AccessDenied', 'the role does not exist')
  if (duration > role.maxSessionDuration) {
    await rt.log({ ...who, outcome: 'Deny', code: 'ValidationError', reason: 'DurationSeconds exceeds MaxSessionDuration', detail })
    throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.')
  }

  const prefix = issuerHostPath(verified.provider.url)
  const tagClaim = readSessionTags(claims[TAGS_CLAIM])
  const sourceIdentity = typeof claims[SOURCE_IDENTITY_CLAIM] === 'string' ? (claims[SOURCE_IDENTITY_CLAIM] as string) : undefined
  const context: Record<string, ContextValue> = {
    [`${prefix}:sub`]: subject,
    [`${prefix}:aud`]: verified.audience,
    'sts:RoleSessionName': sessionName,
    'aws:FederatedProvider': verified.provider.arn,
    'aws:CurrentTime': new Date(now * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(now),
    'aws:SourceIp': meta.sourceIp,
    'aws:SecureTransport': meta.secureTransport,
    'aws:RequestedRegion': rt.region,
  }
  for (const claim of ['amr', 'azp'] as const) {
    const v = claims[claim]
    if (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) context[`${prefix}:${claim}`] = v as ContextValue
  }
  if (sourceIdentity !== undefined) context['sts:SourceIdentity'] = sourceIdentity
  if (tagClaim !== undefined) {
    for (const [k, v] of Object.entries(tagClaim.tags)) context[`aws:RequestTag/${k}`] = v
    context['aws:TagKeys'] = Object.keys(tagClaim.tags)
    if (tagClaim.transitive.length > 0) context['sts:TransitiveTagKeys'] = tagClaim.transitive
  }

  let trust
  try {
    trust = rt.compiled('trust', role.trustPolicy)
  } catch {
    return deny('AccessDenied', 'the role trust policy cannot be read')
  }
  const ask = (action: string): Decision =>
    evaluate({ principal: verified.provider.arn, principalType: 'Federated', action, resource: role.arn, context }, { resource: [trust] })
  const decision = ask(ACTION)
  if (decision.decision !== 'Allow') return deny('AccessDenied', `trust policy: ${decision.decision} (${decision.explanation})`, decision)
  for (const [needed, present] of [['sts:TagSession', tagClaim !== undefined], ['sts:SetSourceIdentity', sourceIdentity !== undefined]] as const) {
    if (!present) continue
    const d = ask(needed)
    if (d.decision !== 'Allow') return deny('AccessDenied', `trust policy does not allow ${needed}: ${d.decision}`, d)
  }

  const session = await sessionPolicies(rt, inlinePolicy, policyArns, tagClaim?.tags)
  const issued = await issueRoleSession(rt, role, {
    sessionName,
    now,
    durationSeconds: duration,
    origin: {
      ...(inlinePolicy === undefined ? {} : { sessionPolicies: [inlinePolicy] }),
      ...(policyArns.length === 0 ? {} : { sessionPolicyArns: policyArns }),
      providerArn: verified.provider.arn,
      subject,
      audience: verified.audience,
      ...(sourceIdentity === undefined ? {} : { sourceIdentity }),
      ...(tagClaim === undefined ? {} : { tags: tagClaim.tags, transitiveTagKeys: tagClaim.transitive }),
      ...(typeof claims.jti === 'string' ? { jti: claims.jti } : {}),
    },
  })
  const { accessKeyId: akid, secretAccessKey: secret, sessionToken, expiresAt } = issued
  const arn = assumedRoleArn(ref.partition, role.account, role.name, sessionName)
  await rt.log({
    ...who,
    outcome: 'Allow',
    reason: decision.explanation,
    detail: { ...detail, accessKeyId: akid, expiresAt, statements: decision.statements, durationSeconds: duration },
  })
  return {
    SubjectFromWebIdentityToken: subject,
    Audience: verified.audience,
    AssumedRoleUser: { Arn: arn, AssumedRoleId: `${role.roleId}:${sessionName}` },
    Credentials: { SessionToken: sessionToken, SecretAccessKey: secret, Expiration: awsTimestamp(expiresAt), AccessKeyId: akid },
    SourceIdentity: sourceIdentity,
    PackedPolicySize: session.packedPolicySize,
    Provider: verified.provider.arn,
  }
}

/** The session-tags claim: `{"principal_tags": {"k": ["v"]}, "transitive_tag_keys": ["k"]}`. */
function readSessionTags(v: unknown): { tags: Record<string, string>; transitive: string[] } | undefined {
  if (v === undefined) return undefined
  const bad = (why: string): never => {
    throw new AwsError('InvalidIdentityToken', `The session tags in the web identity token are invalid: ${why}`)
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad('the claim must be an object')
  const o = v as Record<string, unknown>
  const tags: Record<string, string> = {}
  const principal = o.principal_tags ?? {}
  if (principal === null || typeof principal !== 'object' || Array.isArray(principal)) return bad('principal_tags must be an object')
  for (const [k, val] of Object.entries(principal)) {
    const s = Array.isArray(val) && val.length === 1 && typeof val[0] === 'string' ? val[0] : typeof val === 'string' ? val : bad(`tag ${k} must have one string value`)
    if (k.length < 1 || k.length > 128 || s.length > 256) bad(`tag ${k} is too long`)
    tags[k] = s
  }
  if (Object.keys(tags).length > 50) bad('at most 50 tags')
  const transitive = o.transitive_tag_keys ?? []
  if (!Array.isArray(transitive) || !transitive.every((t) => typeof t === 'string' && t in tags)) bad('transitive_tag_keys must name principal tags')
  return { tags, transitive: transitive as string[] }
}
