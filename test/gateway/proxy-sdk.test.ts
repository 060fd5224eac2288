// The enforcement gateway with @aws-sdk v3 clients against moto_server behind irsa: a least-privilege
// role's allowed calls take effect in the backend, refused ones get the service's AccessDenied and
// never reach it; forged, unsigned, expired and tampered requests are refused before the backend.
import { Readable } from 'node:stream'
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms'
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, READ_PAYMENTS, REGION, startGateway } from './proxy-harness.js'
import type { GatewayFixture } from './proxy-harness.js'
import type { AwsKeys } from '../support/test-server.js'

let gw: GatewayFixture
const s3 = (creds: AwsKeys, url = gw.url) => gw.server.track(new S3Client({ endpoint: url, region: REGION, credentials: creds, forcePathStyle: true, maxAttempts: 1 }))

async function errorOf(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } }
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message }
  }
  throw new Error('expected the call to fail')
}

beforeAll(async () => {
  gw = await startGateway('irsa-gw-sdk-')
  const admin = s3(ADMIN)
  await admin.send(new CreateBucketCommand({ Bucket: 'payments' }))
  await admin.send(new PutObjectCommand({ Bucket: 'payments', Key: 'invoice.txt', Body: 'pay 42' }))
}, 60_000)
afterAll(async () => gw?.close())

describe('S3 through the gateway (SDK v3)', () => {
  it('allows GetObject on payments/* and the answer is the backend object', async () => {
    const r = await s3(gw.session).send(new GetObjectCommand({ Bucket: 'payments', Key: 'invoice.txt' }))
    expect(await r.Body?.transformToString()).toBe('pay 42')
  })

  it('refuses PutObject with AccessDenied and the AWS message, and the object is unchanged in the backend', async () => {
    const before = gw.backend.seen.length
    const e = await errorOf(s3(gw.session).send(new PutObjectCommand({ Bucket: 'payments', Key: 'invoice.txt', Body: 'pay 1000000' })))
    expect(e.name).toBe('AccessDenied')
    expect(e.status).toBe(403)
    expect(e.message).toBe(
      `User: arn:aws:sts::111122223333:assumed-role/demo-app-reader/gw is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::payments/invoice.txt because no identity-based policy allows the s3:PutObject action`,
    )
    expect(gw.backend.seen.length).toBe(before)
    const direct = s3(ADMIN, gw.backend.url)
    expect(await (await direct.send(new GetObjectCommand({ Bucket: 'payments', Key: 'invoice.txt' }))).Body?.transformToString()).toBe('pay 42')
  })

  it('refuses ListObjectsV2 (s3:ListBucket is not granted)', async () => {
    const e = await errorOf(s3(gw.session).send(new ListObjectsV2Command({ Bucket: 'payments' })))
    expect(e.name).toBe('AccessDenied')
  })

  it('a bucket policy with an explicit deny wins over the identity grant, naming the policy type', async () => {
    gw.facts.policies.set(
      'arn:aws:s3:::payments',
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'NoSecret', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::payments/secret*' }] }),
    )
    try {
      await s3(ADMIN).send(new PutObjectCommand({ Bucket: 'payments', Key: 'secret.txt', Body: 's' }))
      const e = await errorOf(s3(gw.session).send(new GetObjectCommand({ Bucket: 'payments', Key: 'secret.txt' })))
      expect(e.name).toBe('AccessDenied')
      expect(e.message).toContain('with an explicit deny in a resource-based policy')
    } finally {
      gw.facts.policies.delete('arn:aws:s3:::payments')
    }
  })

  it('a streamed PutObject (aws-chunked with a trailing checksum) is verified and stored', async () => {
    await gw.setPolicy([READ_PAYMENTS, { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::payments/uploads/*' }])
    try {
      // Larger than the gateway's bound on buffered control bodies: SDK v3 sends PutObject with
      // `?x-id=PutObject`, and it must still be streamed.
      const body = Buffer.alloc(17 * 1024 * 1024 + 17, 'x')
      const stream = Readable.from((function* () {
        for (let i = 0; i < body.length; i += 65_536) yield body.subarray(i, i + 65_536)
      })())
      await s3(gw.session).send(new PutObjectCommand({ Bucket: 'payments', Key: 'uploads/big.bin', Body: stream, ContentLength: body.length }))
      const got = await s3(ADMIN, gw.backend.url).send(new GetObjectCommand({ Bucket: 'payments', Key: 'uploads/big.bin' }))
      expect(Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).equals(body)).toBe(true)
    } finally {
      await gw.setPolicy([READ_PAYMENTS])
    }
  })

  it('refuses forged, unsigned and expired requests before the backend', async () => {
    const before = gw.backend.seen.length
    const forged = await errorOf(s3({ ...gw.session, secretAccessKey: 'not-the-secret-000000000000000000000000' }).send(new GetObjectCommand({ Bucket: 'payments', Key: 'invoice.txt' })))
    expect(forged.name).toBe('SignatureDoesNotMatch')
    const unknown = await errorOf(s3({ accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' }).send(new GetObjectCommand({ Bucket: 'payments', Key: 'invoice.txt' })))
    expect(unknown.name).toBe('InvalidAccessKeyId')
    const unsigned = await fetch(`${gw.url}/payments/invoice.txt`)
    expect(unsigned.status).toBe(403)
    expect(await unsigned.text()).toContain('<Code>AccessDenied</Code>')
    const badToken = await errorOf(s3({ ...gw.session, sessionToken: 'garbage' }).send(new GetObjectCommand({ Bucket: 'payments', Key: 'invoice.txt' })))
    expect(badToken.name).toBe('InvalidAccessKeyId')
    gw.skew(2 * 3600 * 1000)
    try {
      const expired = await errorOf(s3(gw.session).send(new GetObjectCommand({ Bucket: 'payments', Key: 'invoice.txt' })))
      expect(expired.name).toBe('ExpiredToken')
    } finally {
      gw.skew(0)
    }
    expect(gw.backend.seen.length).toBe(before)
  })
})

describe('JSON and Query services through the gateway (SDK v3)', () => {
  it('DynamoDB: the admin creates and writes; the role gets AccessDeniedException on GetItem', async () => {
    gw.facts.schemas.set('orders', 'id')
    const admin = gw.server.track(new DynamoDBClient({ endpoint: gw.url, region: REGION, credentials: ADMIN, maxAttempts: 1 }))
    await admin.send(new CreateTableCommand({ TableName: 'orders', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }))
    await admin.send(new PutItemCommand({ TableName: 'orders', Item: { id: { S: '1' } } }))
    const role = gw.server.track(new DynamoDBClient({ endpoint: gw.url, region: REGION, credentials: gw.session, maxAttempts: 1 }))
    const e = await errorOf(role.send(new GetItemCommand({ TableName: 'orders', Key: { id: { S: '1' } } })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toContain('dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:111122223333:table/orders')
  })

  it('SQS: the role cannot create a queue or send; nothing reaches the backend', async () => {
    const admin = gw.server.track(new SQSClient({ endpoint: gw.url, region: REGION, credentials: ADMIN, maxAttempts: 1 }))
    const q = await admin.send(new CreateQueueCommand({ QueueName: 'jobs' }))
    const before = gw.backend.seen.length
    const role = gw.server.track(new SQSClient({ endpoint: gw.url, region: REGION, credentials: gw.session, maxAttempts: 1 }))
    const e = await errorOf(role.send(new SendMessageCommand({ QueueUrl: q.QueueUrl, MessageBody: 'x' })))
    expect(e.name).toMatch(/AccessDenied/)
    expect(e.message).toContain('sqs:SendMessage on resource: arn:aws:sqs:us-east-1:111122223333:jobs')
    expect(gw.backend.seen.length).toBe(before)
  })

  it('SNS (Query protocol): AuthorizationError for the role', async () => {
    const role = gw.server.track(new SNSClient({ endpoint: gw.url, region: REGION, credentials: gw.session, maxAttempts: 1 }))
    const e = await errorOf(role.send(new CreateTopicCommand({ Name: 'alerts' })))
    // The SDK's class for SNS's AuthorizationError code.
    expect(e.name).toBe('AuthorizationErrorException')
    expect(e.status).toBe(403)
  })
})

describe('the decision log', () => {
  it('records allowed and refused service calls with action, resource, session and deciding statement', async () => {
    const rows = await gw.server.serving.rt.store.listDecisions({ limit: 200 })
    const allowed = rows.find((r) => r.action === 's3:GetObject' && r.outcome === 'Allow')
    expect(allowed?.sessionName).toBe('gw')
    expect(allowed?.subject).toBe('system:serviceaccount:demo:app')
    expect(allowed?.detail?.resources).toEqual(['arn:aws:s3:::payments/invoice.txt'])
    expect(allowed?.detail?.statements).toEqual([expect.objectContaining({ sid: 'ReadPayments' })])
    const denied = rows.find((r) => r.action === 's3:PutObject' && r.outcome === 'Deny')
    expect(denied?.code).toBe('AccessDenied')
    expect(denied?.reason).toContain('is not authorized to perform: s3:PutObject')
  })
})

describe('KMS keys without a key policy in the facts', () => {
  it('an identity grant alone does not open a key whose policy is unknown; a delegating key policy does', async () => {
    const direct = gw.server.track(new KMSClient({ endpoint: gw.backend.url, region: REGION, credentials: ADMIN, maxAttempts: 1 }))
    const key = (await direct.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? ''
    await gw.setPolicy([READ_PAYMENTS, { Effect: 'Allow', Action: 'kms:Encrypt', Resource: key }])
    const role = gw.server.track(new KMSClient({ endpoint: gw.url, region: REGION, credentials: gw.session, maxAttempts: 1 }))
    try {
      const e = await errorOf(role.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') })))
      expect(e.name).toBe('AccessDeniedException')
      gw.facts.policies.set(key, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] }))
      expect((await role.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }))).KeyId).toBe(key)
    } finally {
      gw.facts.policies.delete(key)
      await gw.setPolicy([READ_PAYMENTS])
    }
  })
})
