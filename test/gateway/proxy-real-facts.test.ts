// The gateway as `irsa serve --backend moto` runs it: irsa starts moto_server itself and reads every
// resource fact (bucket and queue policies, key policies, table key schemas, secret ARNs) through
// the backend's own APIs, no test double. The resources are made directly in moto, and every
// refused call is checked directly against moto to have changed nothing.
import { createHash } from 'node:crypto'
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb'
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms'
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLoopbackServer } from '../support/test-server.js'
import type { AwsKeys, LoopbackServer } from '../support/test-server.js'
import { ACCOUNT, ADMIN, READ_PAYMENTS, REGION, demoSession } from './proxy-harness.js'

const A = ACCOUNT
const ROOT = `arn:aws:iam::${A}:root`
let server: LoopbackServer
let session: AwsKeys
let motoUrl: string
let delegatingKey = ''
let closedKey = ''

const statements = [
  READ_PAYMENTS,
  { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::payments/*' },
  {
    Sid: 'AcmeItemsOnly',
    Effect: 'Allow',
    Action: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchWriteItem'],
    Resource: `arn:aws:dynamodb:${REGION}:${A}:table/orders`,
    Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['acme'] } },
  },
  { Sid: 'AcmeContextOnly', Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'acme' } } },
  { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: [`arn:aws:sqs:${REGION}:${A}:jobs`, `arn:aws:sqs:${REGION}:${A}:open`] },
  { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:${REGION}:${A}:secret:acme/*` },
  { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: `arn:aws:ssm:${REGION}:${A}:parameter/app/acme` },
]

const track = <T extends { destroy(): void }>(c: T): T => server.track(c)
const cfg = (creds: AwsKeys, endpoint: string) => ({ endpoint, region: REGION, credentials: creds, maxAttempts: 1 })
/** Through irsa with the role's session, or straight to moto (any key works there). */
const via = (direct: boolean): { creds: AwsKeys; url: string } => (direct ? { creds: ADMIN, url: motoUrl } : { creds: session, url: server.url })
const ddb = (direct = false) => track(new DynamoDBClient(cfg(via(direct).creds, via(direct).url)))
const kms = (direct = false) => track(new KMSClient(cfg(via(direct).creds, via(direct).url)))
const s3 = (direct = false) => track(new S3Client({ ...cfg(via(direct).creds, via(direct).url), forcePathStyle: true }))
const sqs = (direct = false) => track(new SQSClient({ ...cfg(via(direct).creds, via(direct).url), useQueueUrlAsEndpoint: false }))
const secrets = (direct = false) => track(new SecretsManagerClient(cfg(via(direct).creds, via(direct).url)))
const ssm = (direct = false) => track(new SSMClient(cfg(via(direct).creds, via(direct).url)))

async function refused(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p
  } catch (e) {
    const err = e as { name: string; message: string }
    return { name: err.name, message: err.message }
  }
  throw new Error('expected the call to be refused')
}

const policy = (statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statement })

beforeAll(async () => {
  server = await startLoopbackServer({ prefix: 'irsa-gw-real-', admin: ADMIN, account: A, region: REGION, backend: { backend: 'moto' } })
  const backend = server.serving.backend
  if (backend?.moto === undefined) throw new Error('irsa did not start moto')
  motoUrl = backend.gateway.backend.href.replace(/\/$/, '')
  ;({ session } = await demoSession(server, statements))

  await ddb(true).send(
    new CreateTableCommand({
      TableName: 'orders',
      KeySchema: [
        { AttributeName: 'tenant', KeyType: 'HASH' },
        { AttributeName: 'id', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'tenant', AttributeType: 'S' },
        { AttributeName: 'id', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  )
  for (const tenant of ['acme', 'globex']) await ddb(true).send(new PutItemCommand({ TableName: 'orders', Item: { tenant: { S: tenant }, id: { S: '1' }, total: { N: '42' } } }))

  const keyAdmin = `arn:aws:iam::${A}:role/key-admin`
  const d = await kms(true).send(new CreateKeyCommand({ Policy: policy([{ Sid: 'EnableIAM', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }]) }))
  delegatingKey = d.KeyMetadata?.Arn ?? ''
  const c = await kms(true).send(new CreateKeyCommand({ Policy: policy([{ Sid: 'AdminOnly', Effect: 'Allow', Principal: { AWS: keyAdmin }, Action: 'kms:*', Resource: '*' }]) }))
  closedKey = c.KeyMetadata?.Arn ?? ''

  await s3(true).send(new CreateBucketCommand({ Bucket: 'payments' }))
  await s3(true).send(new PutObjectCommand({ Bucket: 'payments', Key: 'invoice.txt', Body: 'pay 42' }))
  await s3(true).send(new PutObjectCommand({ Bucket: 'payments', Key: 'locked/ledger.txt', Body: 'original' }))
  await s3(true).send(
    new PutBucketPolicyCommand({ Bucket: 'payments', Policy: policy([{ Sid: 'Locked', Effect: 'Deny', Principal: '*', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::payments/locked/*' }]) }),
  )

  await sqs(true).send(
    new CreateQueueCommand({
      QueueName: 'jobs',
      Attributes: { Policy: policy([{ Sid: 'NoSends', Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:${REGION}:${A}:jobs` }]) },
    }),
  )
  await sqs(true).send(new CreateQueueCommand({ QueueName: 'open' }))

  for (const name of ['acme/db', 'globex/db']) await secrets(true).send(new CreateSecretCommand({ Name: name, SecretString: `${name} password` }))
  for (const name of ['/app/acme/url', '/app/globex/url']) await ssm(true).send(new PutParameterCommand({ Name: name, Value: `${name} value`, Type: 'String' }))
}, 90_000)
afterAll(async () => server?.close())

const orderKey = (tenant: string) => ({ tenant: { S: tenant }, id: { S: '1' } })

describe('DynamoDB: dynamodb:LeadingKeys from the table key schema read in moto', () => {
  it("admits acme's items and refuses globex's (Query, GetItem)", async () => {
    const q = await ddb().send(new QueryCommand({ TableName: 'orders', KeyConditionExpression: 'tenant = :t', ExpressionAttributeValues: { ':t': { S: 'acme' } } }))
    expect(q.Items?.map((i) => i.tenant?.S)).toEqual(['acme'])
    const g = await ddb().send(new GetItemCommand({ TableName: 'orders', Key: orderKey('acme') }))
    expect(g.Item?.total?.N).toBe('42')

    const eq = await refused(ddb().send(new QueryCommand({ TableName: 'orders', KeyConditionExpression: 'tenant = :t', ExpressionAttributeValues: { ':t': { S: 'globex' } } })))
    expect(eq.name).toBe('AccessDeniedException')
    expect(eq.message).toContain('dynamodb:Query')
    const eg = await refused(ddb().send(new GetItemCommand({ TableName: 'orders', Key: orderKey('globex') })))
    expect(eg.name).toBe('AccessDeniedException')
  })

  it('BatchWriteItem writes acme items; a batch touching globex is refused whole and moto is unchanged', async () => {
    await ddb().send(new BatchWriteItemCommand({ RequestItems: { orders: [{ PutRequest: { Item: { ...orderKey('acme'), id: { S: '2' } } } }] } }))
    expect((await ddb(true).send(new GetItemCommand({ TableName: 'orders', Key: { tenant: { S: 'acme' }, id: { S: '2' } } }))).Item).toBeDefined()

    const e = await refused(
      ddb().send(
        new BatchWriteItemCommand({
          RequestItems: { orders: [{ PutRequest: { Item: { tenant: { S: 'acme' }, id: { S: '3' } } } }, { DeleteRequest: { Key: orderKey('globex') } }] },
        }),
      ),
    )
    expect(e.name).toBe('AccessDeniedException')
    const all = await ddb(true).send(new ScanCommand({ TableName: 'orders' }))
    expect(all.Items?.map((i) => `${i.tenant?.S}/${i.id?.S}`).sort()).toEqual(['acme/1', 'acme/2', 'globex/1'])
  })
})

describe('KMS: encryption-context condition and the key policy read in moto', () => {
  it('Encrypt with tenant=acme is allowed when the key policy delegates to the account root', async () => {
    const r = await kms().send(new EncryptCommand({ KeyId: delegatingKey, Plaintext: Buffer.from('card'), EncryptionContext: { tenant: 'acme' } }))
    expect(r.KeyId).toBe(delegatingKey)
    expect(r.CiphertextBlob?.length).toBeGreaterThan(0)
  })

  it('Encrypt with another tenant is refused by the identity policy', async () => {
    const e = await refused(kms().send(new EncryptCommand({ KeyId: delegatingKey, Plaintext: Buffer.from('card'), EncryptionContext: { tenant: 'globex' } })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toContain('kms:Encrypt')
  })

  it('Encrypt with tenant=acme is refused when the key policy does not delegate to the account', async () => {
    const e = await refused(kms().send(new EncryptCommand({ KeyId: closedKey, Plaintext: Buffer.from('card'), EncryptionContext: { tenant: 'acme' } })))
    expect(e.name).toBe('AccessDeniedException')
  })
})

describe('resource policies read in moto: an explicit deny wins over the identity grant', () => {
  it('S3 bucket policy: GetObject and PutObject under locked/ are refused; the object in moto is unchanged', async () => {
    expect(await (await s3().send(new GetObjectCommand({ Bucket: 'payments', Key: 'invoice.txt' }))).Body?.transformToString()).toBe('pay 42')
    const g = await refused(s3().send(new GetObjectCommand({ Bucket: 'payments', Key: 'locked/ledger.txt' })))
    expect(g.name).toBe('AccessDenied')
    expect(g.message).toContain('with an explicit deny in a resource-based policy')
    const p = await refused(s3().send(new PutObjectCommand({ Bucket: 'payments', Key: 'locked/ledger.txt', Body: 'forged' })))
    expect(p.name).toBe('AccessDenied')
    // moto itself honours the deny on GetObject, so the object is checked by its listing: still the original's ETag.
    const listed = await s3(true).send(new ListObjectsV2Command({ Bucket: 'payments', Prefix: 'locked/' }))
    expect(listed.Contents?.map((o) => [o.Key, o.ETag])).toEqual([['locked/ledger.txt', `"${createHash('md5').update('original').digest('hex')}"`]])
  })

  it('SQS queue policy: SendMessage is refused and the queue in moto stays empty; a queue without a deny accepts it', async () => {
    const count = async (q: string): Promise<string | undefined> =>
      (await sqs(true).send(new GetQueueAttributesCommand({ QueueUrl: `${motoUrl}/${A}/${q}`, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages
    const e = await refused(sqs().send(new SendMessageCommand({ QueueUrl: `${server.url}/${A}/jobs`, MessageBody: 'x' })))
    expect(e.name).toMatch(/^AccessDenied/)
    expect(e.message).toContain('explicit deny in a resource-based policy')
    expect(await count('jobs')).toBe('0')
    await sqs().send(new SendMessageCommand({ QueueUrl: `${server.url}/${A}/open`, MessageBody: 'x' }))
    expect(await count('open')).toBe('1')
  })
})

describe('Secrets Manager and SSM: resource-ARN-scoped policies', () => {
  it('GetSecretValue by name resolves the full ARN in moto: acme/db is read, globex/db refused', async () => {
    const r = await secrets().send(new GetSecretValueCommand({ SecretId: 'acme/db' }))
    expect(r.SecretString).toBe('acme/db password')
    const e = await refused(secrets().send(new GetSecretValueCommand({ SecretId: 'globex/db' })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toMatch(/secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:111122223333:secret:globex\/db-\w{6}/)
  })

  it('GetParametersByPath is allowed on /app/acme and refused on /app/globex', async () => {
    const r = await ssm().send(new GetParametersByPathCommand({ Path: '/app/acme' }))
    expect(r.Parameters?.map((p) => p.Name)).toEqual(['/app/acme/url'])
    const e = await refused(ssm().send(new GetParametersByPathCommand({ Path: '/app/globex' })))
    expect(e.name).toBe('AccessDeniedException')
  })
})
