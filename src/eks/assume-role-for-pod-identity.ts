/**
 * EKS Auth AssumeRoleForPodIdentity as an exchange (core/exchange/exchange.ts runs it and records
 * every outcome, action `eks-auth:AssumeRoleForPodIdentity`):
 *
 *   parse   the cluster name and the token's shape (EKS Auth's InvalidParameterException /
 *           InvalidTokenException)
 *   verify  the cluster is this server's; the pod's projected token, strictly: this server's issuer,
 *           audience `pods.eks.amazonaws.com`, bounded lifetime, bound to a pod
 *   find    the pod identity association of its (cluster, namespace, service account) and its role
 *   decide  pod-identity-decision.ts: the trust as the service principal `pods.eks.amazonaws.com`
 *           for `sts:AssumeRole` and `sts:TagSession`, the six session tags as request tags
 *   issue   sealed session credentials carrying those tags (transitive), for six hours
 *
 * Shared by the EKS Auth route and the agent's `/v1/credentials`. Errors are AwsErrors with EKS
 * Auth's codes.
 */
import { AwsError } from '../aws/aws-error.js'
import { runExchange } from '../core/exchange/exchange.js'
import type { Exchange } from '../core/exchange/exchange.js'
import { ExchangeRefusal } from '../core/exchange/exchange-refusal.js'
import type { Runtime } from '../core/runtime.js'
import { POD_IDENTITY_SERVICE } from '../model/aws-names.js'
import { issueRoleSession } from '../sts/issue-role-session.js'
import { assumedRoleArn, parseRoleArn } from '../sts/role-arn.js'
import { verifyWebIdentityToken } from '../tokens/verify-web-identity-token.js'
import { CLUSTER_NAME, ownCluster } from './cluster.js'
import { ASSUME_ROLE_FOR_POD_IDENTITY, decidePodIdentity, podClaims, podIdentityTags, POD_IDENTITY_TAG_KEYS } from './pod-identity-decision.js'
import type { PodIdentity, PodIdentityTarget } from './pod-identity-decision.js'

export { ASSUME_ROLE_FOR_POD_IDENTITY, POD_IDENTITY_TAG_KEYS } from './pod-identity-decision.js'
/** How long the credentials live. EKS Auth does not take a duration; irsa issues 6 hours. */
export const POD_IDENTITY_SESSION_SECONDS = 6 * 3600

const TOKEN = /^[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+$/
const MAX_TOKEN = 20_000

export interface PodIdentityRequest {
  readonly clusterName: string
  readonly token: string
  /** Who asked (the signer of the EKS Auth call, or the agent); for the decision log. */
  readonly caller: string
  readonly requestId: string
  readonly sourceIp: string
  readonly userAgent?: string
}

/** The EKS Auth response (botocore `eks-auth` AssumeRoleForPodIdentityResponse), plus the account. */
export interface PodIdentityCredentials {
  readonly subject: { readonly namespace: string; readonly serviceAccount: string }
  readonly audience: string
  readonly podIdentityAssociation: { readonly associationArn: string; readonly associationId: string }
  readonly assumedRoleUser: { readonly arn: string; readonly assumeRoleId: string }
  /** `expiration` in epoch seconds, as rest-json sends timestamps. */
  readonly credentials: { readonly sessionToken: string; readonly secretAccessKey: string; readonly accessKeyId: string; readonly expiration: number }
  readonly accountId: string
}

interface Parsed {
  readonly clusterName: string
  readonly token: string
}

interface Target extends PodIdentityTarget {
  readonly association: { readonly associationArn: string; readonly associationId: string }
}

export const POD_IDENTITY_EXCHANGE: Exchange<PodIdentityRequest, Parsed, PodIdentity, Target, PodIdentityCredentials> = {
  action: ASSUME_ROLE_FOR_POD_IDENTITY,
  faults: { unavailable: 'ServiceUnavailableException', internal: 'InternalServerException' },

  parse(req, record) {
    record.principal = POD_IDENTITY_SERVICE
    record.detail.caller = req.caller
    if (!CLUSTER_NAME.test(req.clusterName)) {
      throw new AwsError('InvalidParameterException', `Invalid cluster name: must match [0-9A-Za-z][A-Za-z0-9\\-_]* and be 1 to 100 characters`)
    }
    const token = req.token.trim()
    if (token === '') throw new AwsError('InvalidParameterException', 'token is required')
    if (token.length > MAX_TOKEN || !TOKEN.test(token)) {
      throw new ExchangeRefusal('InvalidTokenException', 'The token is not a JWT in compact serialization', { reason: 'token rejected (malformed): not a JWT' })
    }
    return { clusterName: req.clusterName, token }
  },

  async verify({ rt, now, record }, req) {
    const cluster = await ownCluster(rt)
    if (req.clusterName !== cluster.name) throw new AwsError('ResourceNotFoundException', `No cluster found for name: ${req.clusterName}.`)
    record.detail.clusterArn = cluster.arn
    const provider = { arn: rt.ownProviderArn, url: rt.issuer, clientIds: [POD_IDENTITY_SERVICE] }
    const verified = await verifyWebIdentityToken(req.token, {
      now,
      maxLifetimeSeconds: rt.maxTokenLifetimeSeconds,
      resolveProvider: (iss) => (iss === rt.issuer ? provider : undefined),
      getKey: (p, header, t) => rt.keySource(p.url)(p, header, t),
    })
    if (!verified.ok) {
      const code = verified.code === 'ExpiredTokenException' ? 'ExpiredTokenException' : 'InvalidTokenException'
      const message = verified.reason === 'no-provider' ? `The token issuer is not the OIDC issuer of cluster ${cluster.name} (${rt.issuer})` : verified.message
      throw new ExchangeRefusal(code, message, { reason: `token rejected (${verified.reason}): ${message}` })
    }
    const subject = verified.subject
    record.subject = subject
    const pod = podClaims(verified.claims, subject)
    if (pod === undefined) {
      const message = 'The token is not a Kubernetes service account token bound to a pod'
      throw new ExchangeRefusal('InvalidTokenException', message, { reason: `token rejected (claims): ${message}` })
    }
    record.detail.pod = { name: pod.podName, uid: pod.podUid }
    const jti = typeof verified.claims.jti === 'string' ? verified.claims.jti : undefined
    if (jti !== undefined) record.detail.jti = jti
    record.namespace = pod.namespace
    record.serviceAccount = pod.serviceAccount
    return { cluster, subject, pod, jti, tags: podIdentityTags(cluster, pod) }
  },

  async find({ rt, record }, _req, id) {
    const { cluster, pod } = id
    const association = (await rt.store.listPodIdentityAssociations(cluster.name)).find((a) => a.namespace === pod.namespace && a.serviceAccount === pod.serviceAccount)
    if (association === undefined) {
      const message = `No Pod Identity Association found for service account ${pod.namespace}/${pod.serviceAccount} in cluster ${cluster.name}`
      throw new ExchangeRefusal('ResourceNotFoundException', message, { reason: message })
    }
    record.detail.associationId = association.associationId
    const roleArn = association.roleArn
    record.roleArn = roleArn
    const ref = parseRoleArn(roleArn)
    const role = ref !== undefined && ref.account === rt.account ? await rt.store.getRole(ref.account, ref.name) : undefined
    const sessionName = `eks-${cluster.name}-${pod.podName}-${rt.random.uuid()}`.slice(0, 64)
    return { association: { associationArn: association.associationArn, associationId: association.associationId }, roleArn, ref, role, sessionName }
  },

  decide: (_req, id, target, env, now) => decidePodIdentity(id, target, env, now),

  async issue({ rt, now, record }, _req, id, target) {
    const role = target.role as NonNullable<Target['role']> // decide refused an absent role
    const { sessionName } = target
    const { accessKeyId, secretAccessKey, sessionToken, expiresAt } = await issueRoleSession(rt, role, {
      sessionName,
      now,
      durationSeconds: POD_IDENTITY_SESSION_SECONDS,
      origin: {
        subject: id.subject,
        audience: POD_IDENTITY_SERVICE,
        tags: id.tags,
        transitiveTagKeys: POD_IDENTITY_TAG_KEYS,
        ...(id.jti === undefined ? {} : { jti: id.jti }),
      },
    })
    record.sessionName = sessionName
    record.detail.accessKeyId = accessKeyId
    record.detail.expiresAt = expiresAt
    record.detail.roleId = role.roleId
    const partition = (target.ref as NonNullable<Target['ref']>).partition
    return {
      subject: { namespace: id.pod.namespace, serviceAccount: id.pod.serviceAccount },
      audience: POD_IDENTITY_SERVICE,
      podIdentityAssociation: target.association,
      assumedRoleUser: { arn: assumedRoleArn(partition, role.account, role.name, sessionName), assumeRoleId: `${role.roleId}:${sessionName}` },
      credentials: { sessionToken, secretAccessKey, accessKeyId, expiration: expiresAt },
      accountId: role.account,
    }
  },
}

export function assumeRoleForPodIdentity(rt: Runtime, req: PodIdentityRequest): Promise<PodIdentityCredentials> {
  return runExchange(rt, POD_IDENTITY_EXCHANGE, req, req)
}
