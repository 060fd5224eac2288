/**
 * The decision of EKS Auth AssumeRoleForPodIdentity, pure: the pod a verified token is bound to, the
 * association's role → the context EKS Auth presents to the role's trust policy as the service
 * principal `pods.eks.amazonaws.com` → the engine's answer for `sts:AssumeRole` and `sts:TagSession`.
 *
 * Context keys: `aws:SourceAccount` (the cluster's account), `aws:SourceArn` (the cluster ARN),
 * `aws:PrincipalServiceName`, the six session tags as `aws:RequestTag/<key>`, `aws:TagKeys` and
 * `sts:TransitiveTagKeys` (all six: EKS Auth's tags are transitive), `sts:RoleSessionName`, and
 * `aws:CurrentTime`, `aws:EpochTime`, `aws:RequestedRegion`.
 */
import { AwsError } from '../aws/aws-error.js'
import { decideByTrust, refused } from '../core/exchange/exchange-decision.js'
import type { DecideEnv, ExchangeContext, ExchangeDecision } from '../core/exchange/exchange-decision.js'
import { POD_IDENTITY_SERVICE } from '../model/aws-names.js'
import type { Role } from '../model/iam.js'
import type { ContextValue } from '../policy/request.js'
import type { RoleRef } from '../sts/role-arn.js'
import { awsTimestamp } from '../sts/timestamp.js'
import { serviceAccountSubject } from '../tokens/service-account-token.js'
import type { OwnCluster } from './cluster.js'

export const ASSUME_ROLE_FOR_POD_IDENTITY = 'eks-auth:AssumeRoleForPodIdentity'
/** The session tags EKS Auth adds, in the documented order. All transitive. */
export const POD_IDENTITY_TAG_KEYS = [
  'eks-cluster-arn',
  'eks-cluster-name',
  'kubernetes-namespace',
  'kubernetes-service-account',
  'kubernetes-pod-name',
  'kubernetes-pod-uid',
] as const
const TRUST_ACTIONS: readonly string[] = ['sts:AssumeRole', 'sts:TagSession']

export type PodIdentityTags = Readonly<Record<(typeof POD_IDENTITY_TAG_KEYS)[number], string>>

/** The pod a token is bound to (its `kubernetes.io` claim). */
export interface PodClaims {
  readonly namespace: string
  readonly serviceAccount: string
  readonly podName: string
  readonly podUid: string
}

/** Who a verified pod token identifies, on which cluster. */
export interface PodIdentity {
  readonly cluster: OwnCluster
  readonly subject: string
  readonly pod: PodClaims
  readonly jti: string | undefined
  readonly tags: PodIdentityTags
}

/** The association's role, and the session name the credentials will carry. */
export interface PodIdentityTarget {
  readonly roleArn: string
  readonly ref: RoleRef | undefined
  /** The stored role, undefined when there is none (in this account). */
  readonly role: Role | undefined
  readonly sessionName: string
}

/** The `kubernetes.io` claim of a pod-bound service-account token whose `sub` names the same account, or undefined. */
export function podClaims(claims: Readonly<Record<string, unknown>>, subject: string): PodClaims | undefined {
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

/** The six session tags of a pod on a cluster. */
export function podIdentityTags(cluster: OwnCluster, pod: PodClaims): PodIdentityTags {
  return {
    'eks-cluster-arn': cluster.arn,
    'eks-cluster-name': cluster.name,
    'kubernetes-namespace': pod.namespace,
    'kubernetes-service-account': pod.serviceAccount,
    'kubernetes-pod-name': pod.podName,
    'kubernetes-pod-uid': pod.podUid,
  }
}

/** The context keys EKS Auth presents to the trust policy. */
export function podIdentityExchangeContext(id: PodIdentity, sessionName: string, env: Pick<DecideEnv, 'account' | 'region'>, now: number): ExchangeContext {
  const context: Record<string, ContextValue> = {
    'aws:SourceAccount': env.account,
    'aws:SourceArn': id.cluster.arn,
    'aws:PrincipalServiceName': POD_IDENTITY_SERVICE,
    'aws:TagKeys': POD_IDENTITY_TAG_KEYS,
    'sts:TransitiveTagKeys': POD_IDENTITY_TAG_KEYS,
    'sts:RoleSessionName': sessionName,
    'aws:CurrentTime': awsTimestamp(now),
    'aws:EpochTime': String(now),
    'aws:RequestedRegion': env.region,
  }
  for (const k of POD_IDENTITY_TAG_KEYS) context[`aws:RequestTag/${k}`] = id.tags[k]
  return context
}

/** Decide one exchange for the association's role. */
export function decidePodIdentity(id: PodIdentity, target: PodIdentityTarget, env: DecideEnv, now: number): ExchangeDecision {
  const deny = (reason: string): AwsError => new AwsError('AccessDeniedException', `Not authorized to assume role ${target.roleArn} for pod identity: ${reason}`, { status: 400 })
  const role = target.role
  if (target.ref === undefined || role === undefined || role.arn !== target.roleArn) return refused('the role does not exist', deny('the role does not exist'))
  const context = podIdentityExchangeContext(id, target.sessionName, env, now)
  return decideByTrust(env, role.trustPolicy, { principal: POD_IDENTITY_SERVICE, principalType: 'Service', resource: role.arn, resourceAccount: env.account, context, actions: TRUST_ACTIONS }, deny)
}
