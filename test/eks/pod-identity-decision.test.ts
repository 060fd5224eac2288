// The decide step of EKS Auth AssumeRoleForPodIdentity without a server: the pod a token is bound
// to, the context EKS Auth presents (six session tags, source account and ARN), and the trust's
// answer for sts:AssumeRole and sts:TagSession as pods.eks.amazonaws.com.
import { describe, expect, it } from 'vitest'
import { decidePodIdentity, podClaims, podIdentityExchangeContext, podIdentityTags, POD_IDENTITY_TAG_KEYS } from '../../src/eks/pod-identity-decision.js'
import type { PodIdentity, PodIdentityTarget } from '../../src/eks/pod-identity-decision.js'
import { parseRoleArn } from '../../src/sts/role-arn.js'
import { decideEnv, roleWithTrust } from '../support/exchange-fixtures.js'

const ACCOUNT = '111122223333'
const CLUSTER = { name: 'prod', arn: `arn:aws:eks:us-west-2:${ACCOUNT}:cluster/prod`, createdAt: 0 }
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/pod-app`
const NOW = 1_714_564_800
const SESSION = 'eks-prod-web-1-0b5e3c1a'
const env = decideEnv(ACCOUNT, 'us-west-2')

const claims = (o: { namespace?: string; sa?: string; pod?: unknown } = {}): Record<string, unknown> => ({
  'kubernetes.io': { namespace: o.namespace ?? 'shop', serviceaccount: { name: o.sa ?? 'app', uid: 'sa-uid' }, ...(o.pod === undefined ? { pod: { name: 'web-1', uid: 'pod-uid' } } : { pod: o.pod }) },
})

function identity(): PodIdentity {
  const pod = podClaims(claims(), 'system:serviceaccount:shop:app')
  if (pod === undefined) throw new Error('no pod')
  return { cluster: CLUSTER, subject: 'system:serviceaccount:shop:app', pod, jti: 'j', tags: podIdentityTags(CLUSTER, pod) }
}

function target(statements: readonly Record<string, unknown>[] | undefined, roleArn = ROLE_ARN): PodIdentityTarget {
  return { roleArn, ref: parseRoleArn(roleArn), role: statements === undefined ? undefined : roleWithTrust(ROLE_ARN, statements), sessionName: SESSION }
}

const podTrust = (actions: string[], condition?: Record<string, unknown>): Record<string, unknown> => ({
  Sid: 'EksAuth',
  Effect: 'Allow',
  Principal: { Service: 'pods.eks.amazonaws.com' },
  Action: actions,
  ...(condition === undefined ? {} : { Condition: condition }),
})

describe('the pod a token is bound to', () => {
  it('reads the kubernetes.io claim when sub names the same service account', () => {
    expect(podClaims(claims(), 'system:serviceaccount:shop:app')).toEqual({ namespace: 'shop', serviceAccount: 'app', podName: 'web-1', podUid: 'pod-uid' })
  })
  it('none without a pod, with a pod without uid, or when sub names another account', () => {
    expect(podClaims({ 'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'app', uid: 'u' } } }, 'system:serviceaccount:shop:app')).toBeUndefined()
    expect(podClaims(claims({ pod: { name: 'web-1' } }), 'system:serviceaccount:shop:app')).toBeUndefined()
    expect(podClaims(claims(), 'system:serviceaccount:shop:other')).toBeUndefined()
    expect(podClaims({}, 'system:serviceaccount:shop:app')).toBeUndefined()
  })
})

describe('EKS Auth context keys', () => {
  it('the six session tags, all transitive; the cluster as source; the session name and request keys', () => {
    expect(podIdentityExchangeContext(identity(), SESSION, env, NOW)).toEqual({
      'aws:SourceAccount': ACCOUNT,
      'aws:SourceArn': CLUSTER.arn,
      'aws:PrincipalServiceName': 'pods.eks.amazonaws.com',
      'aws:RequestTag/eks-cluster-arn': CLUSTER.arn,
      'aws:RequestTag/eks-cluster-name': 'prod',
      'aws:RequestTag/kubernetes-namespace': 'shop',
      'aws:RequestTag/kubernetes-service-account': 'app',
      'aws:RequestTag/kubernetes-pod-name': 'web-1',
      'aws:RequestTag/kubernetes-pod-uid': 'pod-uid',
      'aws:TagKeys': [...POD_IDENTITY_TAG_KEYS],
      'sts:TransitiveTagKeys': [...POD_IDENTITY_TAG_KEYS],
      'sts:RoleSessionName': SESSION,
      'aws:CurrentTime': '2024-05-01T12:00:00Z',
      'aws:EpochTime': String(NOW),
      'aws:RequestedRegion': 'us-west-2',
    })
  })
})

describe('decidePodIdentity', () => {
  it('allows when the trust allows sts:AssumeRole and sts:TagSession; both statements are the evidence', () => {
    const d = decidePodIdentity(identity(), target([podTrust(['sts:AssumeRole', 'sts:TagSession'], { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnEquals: { 'aws:SourceArn': CLUSTER.arn } })]), env, NOW)
    expect(d).toMatchObject({ allow: true, statements: [{ sid: 'EksAuth' }, { sid: 'EksAuth' }] })
  })

  it('without sts:TagSession: AccessDeniedException (400) naming the role and the action', () => {
    const d = decidePodIdentity(identity(), target([podTrust(['sts:AssumeRole'])]), env, NOW)
    expect(d.allow).toBe(false)
    if (d.allow) return
    expect(d.error).toMatchObject({ code: 'AccessDeniedException', status: 400 })
    expect(d.error.message).toMatch(new RegExp(`^Not authorized to assume role ${ROLE_ARN} for pod identity: the trust policy does not allow sts:TagSession \\(ImplicitDeny: `))
  })

  it('a tag condition on another namespace denies sts:AssumeRole; another cluster as source denies', () => {
    expect(decidePodIdentity(identity(), target([podTrust(['sts:AssumeRole', 'sts:TagSession'], { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'risk' } })]), env, NOW).explanation).toContain('sts:AssumeRole (ImplicitDeny')
    expect(decidePodIdentity(identity(), target([podTrust(['sts:AssumeRole', 'sts:TagSession'], { ArnEquals: { 'aws:SourceArn': `arn:aws:eks:us-west-2:${ACCOUNT}:cluster/dev` } })]), env, NOW).allow).toBe(false)
  })

  it('the association names no role, or a role ARN that does not parse', () => {
    expect(decidePodIdentity(identity(), target(undefined), env, NOW)).toMatchObject({ allow: false, explanation: 'the role does not exist', context: undefined })
    expect(decidePodIdentity(identity(), target([podTrust(['sts:AssumeRole', 'sts:TagSession'])], 'not-an-arn'), env, NOW).allow).toBe(false)
  })
})
