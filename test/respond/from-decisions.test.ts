/** Decision records → CloudTrail records (pure): Pod Identity, gateway calls, the admin, what has no record. */
import { describe, expect, it } from 'vitest'
import { cloudTrailExpiration, decisionToCloudTrail } from '../../src/respond/cloudtrail/from-decisions.js'
import { serviceAccountIssuance } from '../../src/respond/cloudtrail/issuance.js'
import { joinRecords } from '../../src/respond/cloudtrail/join.js'
import { asCloudTrailRecord } from '../../src/respond/cloudtrail/record.js'
import type { DecisionRecord } from '../../src/store/decision-log.js'

const ACCOUNT = '111122223333'
const ROLE = `arn:aws:iam::${ACCOUNT}:role/orders`
const CTX = { account: ACCOUNT, region: 'eu-west-1', roleIds: new Map([[ROLE, 'AROAORDERSROLE000001']]) }
const AT = Date.UTC(2026, 0, 15, 10, 0, 0, 250)

const podExchange: DecisionRecord = {
  id: 7,
  at: AT,
  action: 'eks-auth:AssumeRoleForPodIdentity',
  outcome: 'Allow',
  principal: 'pods.eks.amazonaws.com',
  roleArn: ROLE,
  sessionName: 'eks-prod-orders-7f-uuid',
  subject: 'system:serviceaccount:shop:orders',
  namespace: 'shop',
  serviceAccount: 'orders',
  sourceIp: '10.0.0.9',
  requestId: 'req-1',
  detail: { caller: 'irsa:pod-identity-agent', clusterArn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/prod`, associationId: 'a-123', accessKeyId: 'ASIAPOD0000000000001', expiresAt: 1768492800, userAgent: 'aws-sdk-go-v2/1.30' },
}

const gatewayCall: DecisionRecord = {
  id: 8,
  at: AT + 1000,
  action: 's3:GetObject',
  outcome: 'Deny',
  code: 'AccessDenied',
  principal: `arn:aws:sts::${ACCOUNT}:assumed-role/orders/eks-prod-orders-7f-uuid`,
  roleArn: ROLE,
  sessionName: 'eks-prod-orders-7f-uuid',
  sourceIp: '203.0.113.5',
  requestId: 'req-2',
  reason: 'no identity-based policy allows s3:GetObject',
  detail: { gateway: true, callerAccessKeyId: 'ASIAPOD0000000000001', service: 's3', operation: 'GetObject', resources: ['arn:aws:s3:::orders/invoice.pdf'], userAgent: 'aws-cli/1.36' },
}

describe('decision log → CloudTrail', () => {
  it('writes an EKS Auth AssumeRoleForPodIdentity event the CloudTrail reader takes as a Pod Identity issuance', () => {
    const r = decisionToCloudTrail(podExchange, CTX)
    expect(r).toMatchObject({
      eventTime: '2026-01-15T10:00:00Z',
      eventSource: 'eks-auth.amazonaws.com',
      eventName: 'AssumeRoleForPodIdentity',
      awsRegion: 'eu-west-1',
      userAgent: 'aws-sdk-go-v2/1.30',
      requestID: 'req-1',
      recipientAccountId: ACCOUNT,
      userIdentity: { type: 'AWSService', invokedBy: 'irsa:pod-identity-agent' },
      requestParameters: { clusterName: 'prod', token: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
      responseElements: {
        subject: { namespace: 'shop', serviceAccount: 'orders' },
        podIdentityAssociation: { associationId: 'a-123' },
        assumedRoleUser: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/orders/eks-prod-orders-7f-uuid`, assumeRoleId: 'AROAORDERSROLE000001:eks-prod-orders-7f-uuid' },
        credentials: { accessKeyId: 'ASIAPOD0000000000001', expiration: 'Jan 15, 2026, 4:00:00 PM' },
      },
    })
    const issuance = serviceAccountIssuance(asCloudTrailRecord(JSON.parse(JSON.stringify(r)), { file: 'x', at: 'record 1' }))
    expect(issuance).toMatchObject({ kind: 'pod-identity', accessKeyId: 'ASIAPOD0000000000001', roleArn: ROLE, subject: 'system:serviceaccount:shop:orders', provider: 'prod' })
  })

  it('writes a gateway call as an AssumedRole event joined to its session by the access key', () => {
    const r = decisionToCloudTrail(gatewayCall, CTX)
    expect(r).toMatchObject({
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      errorCode: 'AccessDenied',
      errorMessage: 'no identity-based policy allows s3:GetObject',
      readOnly: true,
      resources: [{ ARN: 'arn:aws:s3:::orders/invoice.pdf' }],
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAORDERSROLE000001:eks-prod-orders-7f-uuid',
        arn: gatewayCall.principal,
        accountId: ACCOUNT,
        accessKeyId: 'ASIAPOD0000000000001',
        sessionContext: { sessionIssuer: { type: 'Role', principalId: 'AROAORDERSROLE000001', arn: ROLE, accountId: ACCOUNT, userName: 'orders' } },
      },
    })
    const records = [podExchange, gatewayCall].map((d, i) => asCloudTrailRecord(JSON.parse(JSON.stringify(decisionToCloudTrail(d, CTX))), { file: 'x', at: `record ${i}` }))
    const sel = joinRecords(records, { kind: 'service-account', namespace: 'shop', name: 'orders' })
    expect(sel.eventsOf('ASIAPOD0000000000001').map((e) => `${e.eventSource} ${e.eventName} ${e.errorCode ?? ''}`)).toEqual(['s3.amazonaws.com GetObject AccessDenied'])
  })

  it('names the administrator as the account root, and has no record for decisions that are no AWS call', () => {
    const admin = decisionToCloudTrail({ at: AT, action: 'eks:CreatePodIdentityAssociation', outcome: 'Allow', principal: `arn:aws:iam::${ACCOUNT}:root`, roleArn: ROLE, namespace: 'shop', serviceAccount: 'orders', detail: { associationId: 'a-1', clusterName: 'prod' } }, CTX)
    expect(admin).toMatchObject({
      eventSource: 'eks.amazonaws.com',
      eventName: 'CreatePodIdentityAssociation',
      readOnly: false,
      userIdentity: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
      requestParameters: { clusterName: 'prod', associationId: 'a-1', namespace: 'shop', serviceAccount: 'orders', roleArn: ROLE },
    })
    expect(admin?.errorCode).toBeUndefined()
    expect(decisionToCloudTrail({ at: AT, action: 'webhook:mutate', outcome: 'Allow' }, CTX)).toBeUndefined()
    expect(decisionToCloudTrail({ at: AT, action: 'irsa:Contain', outcome: 'Allow' }, CTX)).toBeUndefined()
    expect(decisionToCloudTrail({ at: AT, action: 's3:*', outcome: 'Deny', code: 'InvalidClientTokenId', detail: { gateway: true, authentication: true } }, CTX)).toBeUndefined()
  })

  it('renders expirations as CloudTrail does', () => {
    expect(cloudTrailExpiration(Date.UTC(2024, 9, 2, 23, 12, 49) / 1000)).toBe('Oct 2, 2024, 11:12:49 PM')
    expect(cloudTrailExpiration(Date.UTC(2024, 0, 1, 0, 5, 0) / 1000)).toBe('Jan 1, 2024, 12:05:00 AM')
  })
})
