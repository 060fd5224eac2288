/**
 * AssumeRoleWithWebIdentity as an exchange (core/exchange/exchange.ts runs it and records every
 * outcome, the ValidationErrors of a malformed request included, as CloudTrail records a failed
 * call with its error code):
 *
 *   parse   the Query parameters, with STS's constraints and messages
 *   verify  the token against the role account's OIDC provider for its `iss` (keys from the
 *           provider), then its session-tags and source-identity claims
 *   find    the role the request names, in this account
 *   decide  web-identity-decision.ts: the token's claims as context keys, the role's trust policy
 *   issue   the session policies (Policy, PolicyArns, packed size), then credentials sealed into
 *           the session token
 */
import { AwsError } from '../aws/aws-error.js'
import type { QueryParams } from '../aws/query-params.js'
import type { XmlObject } from '../aws/xml.js'
import { runExchange } from '../core/exchange/exchange.js'
import type { Exchange } from '../core/exchange/exchange.js'
import { ExchangeRefusal } from '../core/exchange/exchange-refusal.js'
import type { Runtime } from '../core/runtime.js'
import type { RequestMeta } from '../core/signed-action.js'
import type { Role } from '../model/iam.js'
import { providerIssuer } from '../tokens/issuer-url.js'
import { serviceAccountFromSubject } from '../tokens/service-account-token.js'
import { verifyWebIdentityToken } from '../tokens/verify-web-identity-token.js'
import { issueRoleSession } from './issue-role-session.js'
import { assumedRoleArn, parseRoleArn } from './role-arn.js'
import { sessionPolicies } from './session-policy.js'
import { awsTimestamp } from './timestamp.js'
import { ASSUME_ROLE_WITH_WEB_IDENTITY, decideWebIdentity, webIdentity } from './web-identity-decision.js'
import type { WebIdentity, WebIdentityRequest } from './web-identity-decision.js'

const SESSION_NAME = /^[\w+=,.@-]*$/

interface Input {
  readonly q: QueryParams
  readonly meta: RequestMeta
}

export const WEB_IDENTITY_EXCHANGE: Exchange<Input, WebIdentityRequest, WebIdentity, Role | undefined, XmlObject> = {
  action: ASSUME_ROLE_WITH_WEB_IDENTITY,
  faults: { unavailable: 'ServiceUnavailable', internal: 'InternalFailure' },

  parse({ q, meta }, record) {
    const roleArn = q.required('RoleArn', { min: 20, max: 2048 })
    const role = roleArn.length > 2048 ? undefined : parseRoleArn(roleArn)
    if (role !== undefined) record.roleArn = roleArn // so a refused request still names the role it asked for
    const sessionName = q.required('RoleSessionName', { min: 2, max: 64, pattern: SESSION_NAME, patternText: '[\\w+=,.@-]*' })
    const token = q.required('WebIdentityToken', { min: 4, max: 20000 })
    q.string('ProviderId', { min: 4, max: 2048 })
    const policy = q.string('Policy', { min: 1, max: 2048 })
    const policyArns = q.list('PolicyArns', 'arn') ?? []
    const durationSeconds = q.integer('DurationSeconds', { min: 900, max: 43200 }) ?? 3600
    if (policyArns.length > 10) throw new AwsError('ValidationError', `1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10`)
    for (const arn of policyArns) if (arn.length < 20 || arn.length > 2048) throw new AwsError('ValidationError', `1 validation error detected: Value '${arn}' at 'policyArns.member.arn' failed to satisfy constraint: Member must have length between 20 and 2048`)
    q.check()
    if (role === undefined) throw new AwsError('ValidationError', 'Request ARN is invalid')
    record.sessionName = sessionName
    return { roleArn, role, sessionName, token, policy, policyArns, durationSeconds, sourceIp: meta.sourceIp, secureTransport: meta.secureTransport }
  },

  async verify({ rt, now, record }, req) {
    const providers = req.role.account === rt.account ? await rt.store.listOidcProviders(req.role.account) : []
    const verified = await verifyWebIdentityToken(req.token, {
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
      throw new ExchangeRefusal(verified.code, verified.message, { reason: `token rejected (${verified.reason}): ${verified.message}${why}` })
    }
    record.principal = verified.provider.arn
    record.subject = verified.subject
    const sa = serviceAccountFromSubject(verified.subject)
    if (sa !== undefined) {
      record.namespace = sa.namespace
      record.serviceAccount = sa.name
    }
    const d = record.detail
    d.audience = verified.audience
    d.jti = verified.claims.jti
    d.kid = verified.header.kid
    const pod = (verified.claims['kubernetes.io'] as { pod?: { name?: string; uid?: string } } | undefined)?.pod
    if (pod?.name !== undefined) d.pod = { name: pod.name, uid: pod.uid }
    return webIdentity(verified)
  },

  async find({ rt }, req) {
    return req.role.account === rt.account ? rt.store.getRole(req.role.account, req.role.name) : undefined
  },

  decide: decideWebIdentity,

  async issue({ rt, now, record }, req, id, target) {
    const role = target as Role // decide refused an absent role
    const session = await sessionPolicies(rt, req.policy, req.policyArns, id.tags?.tags)
    const { accessKeyId, secretAccessKey, sessionToken, expiresAt } = await issueRoleSession(rt, role, {
      sessionName: req.sessionName,
      now,
      durationSeconds: req.durationSeconds,
      origin: {
        ...(req.policy === undefined ? {} : { sessionPolicies: [req.policy] }),
        ...(req.policyArns.length === 0 ? {} : { sessionPolicyArns: req.policyArns }),
        providerArn: id.provider.arn,
        subject: id.subject,
        audience: id.audience,
        ...(id.sourceIdentity === undefined ? {} : { sourceIdentity: id.sourceIdentity }),
        ...(id.tags === undefined ? {} : { tags: id.tags.tags, transitiveTagKeys: id.tags.transitive }),
        ...(id.jti === undefined ? {} : { jti: id.jti }),
      },
    })
    record.detail.accessKeyId = accessKeyId
    record.detail.expiresAt = expiresAt
    record.detail.durationSeconds = req.durationSeconds
    record.detail.roleId = role.roleId
    return {
      SubjectFromWebIdentityToken: id.subject,
      Audience: id.audience,
      AssumedRoleUser: { Arn: assumedRoleArn(req.role.partition, role.account, role.name, req.sessionName), AssumedRoleId: `${role.roleId}:${req.sessionName}` },
      Credentials: { SessionToken: sessionToken, SecretAccessKey: secretAccessKey, Expiration: awsTimestamp(expiresAt), AccessKeyId: accessKeyId },
      SourceIdentity: id.sourceIdentity,
      PackedPolicySize: session.packedPolicySize,
      Provider: id.provider.arn,
    }
  },
}

export function assumeRoleWithWebIdentity(rt: Runtime, q: QueryParams, meta: RequestMeta): Promise<XmlObject> {
  return runExchange(rt, WEB_IDENTITY_EXCHANGE, { q, meta }, meta)
}
