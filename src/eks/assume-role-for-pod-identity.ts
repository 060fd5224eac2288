/**
 * EKS Auth AssumeRoleForPodIdentity (sts.md §6.3–6.4): verify the pod's projected token strictly
 * (this server's issuer, audience `pods.eks.amazonaws.com`), find the pod identity association for
 * its (cluster, namespace, service account), evaluate the role's trust as the service principal
 * `pods.eks.amazonaws.com` for `sts:AssumeRole` and `sts:TagSession` with the six session tags as
 * request tags, and issue sealed session credentials carrying those tags (transitive).
 *
 * Shared by the EKS Auth route and the agent's `/v1/credentials`. Every outcome after the token is
 * read is logged as a decision (action `eks-auth:AssumeRoleForPodIdentity`). Errors are AwsErrors
 * with EKS Auth's codes.
 */
import { AwsError } from '../aws/aws-error.js'
import { isIrsaError } from '../errors.js'
import type { Decision } from '../policy/decision.js'
import { evaluate } from '../policy/evaluate.js'
import type { ContextValue } from '../policy/request.js'
import type { Runtime } from '../core/runtime.js'
import { issueRoleSession } from '../sts/issue-role-session.js'
import { assumedRoleArn, parseRoleArn } from '../sts/role-arn.js'
import { awsTimestamp } from '../sts/timestamp.js'
import { serviceAccountSubject } from '../tokens/service-account-token.js'
import { verifyWebIdentityToken } from '../tokens/verify-web-identity-token.js'
import { CLUSTER_NAME, ownCluster } from './cluster.js'

export const POD_IDENTITY_AUDIENCE = 'pods.eks.amazonaws.com'
export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com'
export const ASSUME_ROLE_FOR_POD_IDENTITY = 'eks-auth:AssumeRoleForPodIdentity'
/** How long the credentials live. EKS Auth does not take a duration; irsa issues 6 hours. */
export const POD_IDENTITY_SESSION_SECONDS = 6 * 3600
/** The session tags EKS Auth adds, in the documented order. All transitive. */
export const POD_IDENTITY_TAG_KEYS = [
  'eks-cluster-arn',
  'eks-cluster-name',
  'kubernetes-namespace',
  'kubernetes-service-account',
  'kubernetes-pod-name',
  'kubernetes-pod-uid',
] as const

const TOKEN = /^[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+$/
const MAX_TOKEN = 20_000

export interface PodIdentityRequest {
  readonly clusterName: string
  readonly token: string
  /** Who asked (the signer of the EKS Auth call, or the agent); for the decision log. */
  readonly caller: string
  readonly requestId: string
  readonly sourceIp: string
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

interface PodClaims {
  readonly namespace: string
  readonly serviceAccount: string
  readonly podName: string
  readonly podUid: string
}

/** The `kubernetes.io` claim of a pod-bound service-account token, or undefined. */
function podClaims(claims: Record<string, unknown>, subject: string): PodClaims | undefined {
  const k = claims['kubernetes.io']
  if (k === null || typeof k !== 'object') return undefined
  const { namespace, serviceaccount, pod } = k as Record<string, unknown>
  const ref = (v: unknown): { name: string; uid: string } | undefined => {
    if (v === null || typeof v !== 'object') return undefined
    const { name, uid } = v as Record<string, unknown>
    return typeof name === 'string' && name !== '' && typeof uid === 'string' && uid !== '' ? { name, uid } : undefined
  }
  const sa = ref(serviceaccount)
  const p = ref(pod)
  if (typeof namespace !== 'string' || sa === undefined || p === undefined) return undefined
  if (subject !== serviceAccountSubject(namespace, sa.name)) return undefined
  return { namespace, serviceAccount: sa.name, podName: p.name, podUid: p.uid }
}

export async function assumeRoleForPodIdentity(rt: Runtime, req: PodIdentityRequest): Promise<PodIdentityCredentials> {
  if (!CLUSTER_NAME.test(req.clusterName)) {
    throw new AwsError('InvalidParameterException', `Invalid cluster name: must match [0-9A-Za-z][A-Za-z0-9\\-_]* and be 1 to 100 characters`)
  }
  const token = req.token.trim()
  if (token === '') throw new AwsError('InvalidParameterException', 'token is required')
  const base = { action: ASSUME_ROLE_FOR_POD_IDENTITY, principal: POD_IDENTITY_PRINCIPAL, sourceIp: req.sourceIp, requestId: req.requestId }
  if (token.length > MAX_TOKEN || !TOKEN.test(token)) {
    await rt.log({ ...base, outcome: 'Deny', code: 'InvalidTokenException', reason: 'token rejected (malformed): not a JWT', detail: { caller: req.caller } })
    throw new AwsError('InvalidTokenException', 'The token is not a JWT in compact serialization')
  }
  const cluster = await ownCluster(rt)
  if (req.clusterName !== cluster.name) throw new AwsError('ResourceNotFoundException', `No cluster found for name: ${req.clusterName}.`)

  const now = rt.nowSeconds()
  const provider = { arn: rt.ownProviderArn, url: rt.issuer, clientIds: [POD_IDENTITY_AUDIENCE] }
  const verified = await verifyWebIdentityToken(token, {
    now,
    maxLifetimeSeconds: rt.maxTokenLifetimeSeconds,
    resolveProvider: (iss) => (iss === rt.issuer ? provider : undefined),
    getKey: (p, header, t) => rt.keySource(p.url)(p, header, t),
  })
  const detail: Record<string, unknown> = { caller: req.caller, clusterArn: cluster.arn }
  if (!verified.ok) {
    const code = verified.code === 'ExpiredTokenException' ? 'ExpiredTokenException' : 'InvalidTokenException'
    const message = verified.reason === 'no-provider' ? `The token issuer is not the OIDC issuer of cluster ${cluster.name} (${rt.issuer})` : verified.message
    await rt.log({ ...base, outcome: 'Deny', code, reason: `token rejected (${verified.reason}): ${message}`, detail })
    throw new AwsError(code, message)
  }
  const subject = verified.subject
  const pod = podClaims(verified.claims as Record<string, unknown>, subject)
  if (pod === undefined) {
    const message = 'The token is not a Kubernetes service account token bound to a pod'
    await rt.log({ ...base, outcome: 'Deny', code: 'InvalidTokenException', subject, reason: `token rejected (claims): ${message}`, detail })
    throw new AwsError('InvalidTokenException', message)
  }
  detail.pod = { name: pod.podName, uid: pod.podUid }
  if (typeof verified.claims.jti === 'string') detail.jti = verified.claims.jti
  const who = { ...base, subject, namespace: pod.namespace, serviceAccount: pod.serviceAccount }

  const association = (await rt.store.listPodIdentityAssociations(cluster.name)).find((a) => a.namespace === pod.namespace && a.serviceAccount === pod.serviceAccount)
  if (association === undefined) {
    const message = `No Pod Identity Association found for service account ${pod.namespace}/${pod.serviceAccount} in cluster ${cluster.name}`
    await rt.log({ ...who, outcome: 'Deny', code: 'ResourceNotFoundException', reason: message, detail })
    throw new AwsError('ResourceNotFoundException', message)
  }
  detail.associationId = association.associationId
  const roleArn = association.roleArn
  const deny = async (reason: string, decision?: Decision): Promise<never> => {
    await rt.log({ ...who, roleArn, outcome: 'Deny', code: 'AccessDeniedException', reason, detail: { ...detail, ...(decision ? { statements: decision.statements } : {}) } })
    throw new AwsError('AccessDeniedException', `Not authorized to assume role ${roleArn} for pod identity: ${reason}`, { status: 400 })
  }
  const ref = parseRoleArn(roleArn)
  const role = ref !== undefined && ref.account === rt.account ? await rt.store.getRole(ref.account, ref.name) : undefined
  if (ref === undefined || role === undefined || role.arn !== roleArn) return deny('the role does not exist')

  const sessionName = `eks-${cluster.name}-${pod.podName}-${rt.random.uuid()}`.slice(0, 64)
  const tags: Record<(typeof POD_IDENTITY_TAG_KEYS)[number], string> = {
    'eks-cluster-arn': cluster.arn,
    'eks-cluster-name': cluster.name,
    'kubernetes-namespace': pod.namespace,
    'kubernetes-service-account': pod.serviceAccount,
    'kubernetes-pod-name': pod.podName,
    'kubernetes-pod-uid': pod.podUid,
  }
  const context: Record<string, ContextValue> = {
    'aws:SourceAccount': rt.account,
    'aws:SourceArn': cluster.arn,
    'aws:PrincipalServiceName': POD_IDENTITY_PRINCIPAL,
    'aws:TagKeys': [...POD_IDENTITY_TAG_KEYS],
    'sts:TransitiveTagKeys': [...POD_IDENTITY_TAG_KEYS],
    'sts:RoleSessionName': sessionName,
    'aws:CurrentTime': awsTimestamp(now),
    'aws:EpochTime': String(now),
    'aws:RequestedRegion': rt.region,
  }
  for (const [k, v] of Object.entries(tags)) context[`aws:RequestTag/${k}`] = v

  let trust
  try {
    trust = rt.compiled('trust', role.trustPolicy)
  } catch (e) {
    if (!isIrsaError(e)) throw e
    return deny('the role trust policy cannot be read')
  }
  const ask = (action: string): Decision =>
    evaluate({ principal: POD_IDENTITY_PRINCIPAL, principalType: 'Service', action, resource: role.arn, resourceAccount: rt.account, context }, { resource: [trust] })
  const assume = ask('sts:AssumeRole')
  if (assume.decision !== 'Allow') return deny(`the trust policy does not allow sts:AssumeRole (${assume.decision}: ${assume.explanation})`, assume)
  const tag = ask('sts:TagSession')
  if (tag.decision !== 'Allow') return deny(`the trust policy does not allow sts:TagSession (${tag.decision}: ${tag.explanation})`, tag)

  const { accessKeyId: akid, secretAccessKey: secret, sessionToken, expiresAt } = await issueRoleSession(rt, role, {
    sessionName,
    now,
    durationSeconds: POD_IDENTITY_SESSION_SECONDS,
    origin: {
      subject,
      audience: POD_IDENTITY_AUDIENCE,
      tags,
      transitiveTagKeys: [...POD_IDENTITY_TAG_KEYS],
      ...(typeof verified.claims.jti === 'string' ? { jti: verified.claims.jti } : {}),
    },
  })
  await rt.log({
    ...who,
    roleArn: role.arn,
    sessionName,
    outcome: 'Allow',
    reason: assume.explanation,
    detail: { ...detail, accessKeyId: akid, expiresAt, statements: [...assume.statements, ...tag.statements] },
  })
  return {
    subject: { namespace: pod.namespace, serviceAccount: pod.serviceAccount },
    audience: POD_IDENTITY_AUDIENCE,
    podIdentityAssociation: { associationArn: association.associationArn, associationId: association.associationId },
    assumedRoleUser: { arn: assumedRoleArn(ref.partition, role.account, role.name, sessionName), assumeRoleId: `${role.roleId}:${sessionName}` },
    credentials: { sessionToken, secretAccessKey: secret, accessKeyId: akid, expiration: expiresAt },
    accountId: role.account,
  }
}
