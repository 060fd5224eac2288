// Every AssumeRoleWithWebIdentity outcome leaves a decision record, including those that used to
// be answered without one: a malformed session-tags claim, a malformed or too-large Policy, an
// unknown PolicyArn, and a ValidationError before the token is read. A real server, the JS SDK as
// the client, and the record found in the store by the request id the client saw.
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts'
import type { AssumeRoleWithWebIdentityCommandInput } from '@aws-sdk/client-sts'
import { CreatePolicyCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DecisionRecord } from '../../src/store/decision-log.js'
import { saClaims, signJwt, startSecServer } from '../security/helpers.js'
import type { SecServer } from '../security/helpers.js'

const NS = 'shop'
const SA = 'app'
let s: SecServer
let roleArn: string
let managedArn: string

beforeAll(async () => {
  s = await startSecServer()
  roleArn = await s.role('records', NS, SA)
  const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] })
  managedArn = (await s.iam.send(new CreatePolicyCommand({ PolicyName: 'records-managed', PolicyDocument: doc }))).Policy?.Arn ?? ''
})
afterAll(async () => s?.close())

/** A token of this server's issuer with extra claims. */
async function tokenWith(extra: Record<string, unknown>): Promise<string> {
  const k = await s.serving.rt.activeSigningKey()
  return signJwt(k.privateJwk, { alg: k.alg, kid: k.kid }, saClaims(s.serving.rt.issuer, NS, SA, s.serving.rt.nowSeconds(), extra))
}

/** Call the exchange; it must fail. The error as the SDK saw it, and the record of its request id. */
async function refused(input: Partial<AssumeRoleWithWebIdentityCommandInput>): Promise<{ code: string; message: string; record: DecisionRecord | undefined }> {
  const params = { RoleArn: roleArn, RoleSessionName: 'records', WebIdentityToken: await s.token(NS, SA), ...input } as AssumeRoleWithWebIdentityCommandInput
  const err = await s
    .sts()
    .send(new AssumeRoleWithWebIdentityCommand(params))
    .then(
      () => undefined,
      (e: unknown) => e as { name: string; message: string; $metadata: { requestId?: string } },
    )
  if (err === undefined) throw new Error('expected the exchange to fail')
  const requestId = err.$metadata.requestId
  expect(requestId).toBeTruthy()
  const record = (await s.serving.rt.store.listDecisions({ limit: 10_000 })).find((d) => d.requestId === requestId)
  return { code: err.name, message: err.message, record }
}

/** An inline session policy of about `length` characters. */
function policyOf(length: number): string {
  const resources: string[] = []
  const doc = (): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resources }] })
  while (doc().length < length - 40) resources.push(`arn:aws:s3:::bucket-${resources.length}/*`)
  return doc()
}

describe('outcomes that now leave a decision record', () => {
  it('a malformed session-tags claim: InvalidIdentityToken, recorded with who presented it', async () => {
    const r = await refused({ WebIdentityToken: await tokenWith({ 'https://aws.amazon.com/tags': { principal_tags: { team: ['a', 'b'] } } }) })
    expect(r.code).toBe('InvalidIdentityTokenException')
    expect(r.message).toBe('The session tags in the web identity token are invalid: tag team must have one string value')
    expect(r.record).toMatchObject({
      action: 'sts:AssumeRoleWithWebIdentity',
      outcome: 'Deny',
      code: 'InvalidIdentityToken',
      roleArn,
      subject: `system:serviceaccount:${NS}:${SA}`,
      namespace: NS,
      serviceAccount: SA,
      principal: s.serving.rt.ownProviderArn,
    })
    expect(r.record?.reason).toMatch(/^token rejected \(session-tags\): /)
  })

  it('a malformed Policy: MalformedPolicyDocument, recorded', async () => {
    const r = await refused({ Policy: '{"Version":"2012-10-17","Statement":[' })
    expect(r.code).toBe('MalformedPolicyDocumentException')
    expect(r.record).toMatchObject({ outcome: 'Deny', code: 'MalformedPolicyDocument', roleArn, subject: `system:serviceaccount:${NS}:${SA}` })
  })

  it('Policy and PolicyArns over the packed budget: PackedPolicyTooLarge, recorded', async () => {
    const policy = policyOf(2040)
    expect(policy.length).toBeLessThanOrEqual(2048)
    const r = await refused({ Policy: policy, PolicyArns: [{ arn: managedArn }] })
    expect(r.code).toBe('PackedPolicyTooLargeException')
    expect(r.record).toMatchObject({ outcome: 'Deny', code: 'PackedPolicyTooLarge', roleArn })
  })

  it('a PolicyArn that does not exist: InvalidParameterValue, recorded', async () => {
    const r = await refused({ PolicyArns: [{ arn: `arn:aws:iam::${s.account}:policy/none-such` }] })
    expect(r.code).toBe('InvalidParameterValue')
    expect(r.record).toMatchObject({ outcome: 'Deny', code: 'InvalidParameterValue', roleArn })
  })

  it('a ValidationError before the token is read: recorded (as CloudTrail records a failed call), without the token', async () => {
    const token = await s.token(NS, SA)
    const r = await refused({ RoleSessionName: 'bad name!', WebIdentityToken: token })
    expect(r.code).toBe('ValidationError')
    expect(r.record).toMatchObject({ outcome: 'Deny', code: 'ValidationError', roleArn, reason: r.message })
    expect(r.record?.subject).toBeUndefined()
    expect(JSON.stringify(r.record)).not.toContain(token.split('.')[2])
  })
})
