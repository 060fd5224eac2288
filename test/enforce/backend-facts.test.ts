// createBackendFacts against a real moto_server: each resource fact read through the service's own
// API, the sync lookups after prefetch, the cache (hits, TTL, LRU, single-flight, invalidation on
// writes), not-found facts, an unreachable backend, and the facts fed to the policy engine.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms'
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3'
import { CreateSecretCommand, PutResourcePolicyCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns'
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BackendError } from '../../src/enforce/backend/backend-error.js'
import type { BackendFactsOptions, BackendFactsReader } from '../../src/enforce/backend/create-backend-facts.js'
import { createBackendFacts } from '../../src/enforce/backend/create-backend-facts.js'
import { evaluateKmsKeyAccess } from '../../src/enforce/kms-key-policy.js'
import type { MappedRequest } from '../../src/gateway/authorization.js'
import { compilePolicy } from '../../src/policy/compile.js'
import { evaluate } from '../../src/policy/evaluate.js'
import { freePort } from '../support/free-port.js'
import type { Moto } from '../support/moto.js'
import { startMoto } from '../support/moto.js'

let moto: Moto
const A = '123456789012'
const R = 'us-east-1'
const CALLER = `arn:aws:iam::${A}:role/app`
const KEY_ADMIN = `arn:aws:iam::${A}:role/key-admin`
const made: { destroy(): void }[] = []
const readers: BackendFactsReader[] = []
let keyArn = ''
let delegatingKeyArn = ''
let secretFullArn = ''

const bucketPolicy = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'NoSecrets', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::facts-bucket/secret/*' }],
}
const queuePolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: CALLER }, Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:${R}:${A}:facts-queue` }],
}
/** Only key-admin: no "Enable IAM User Permissions" statement naming the account root. */
const keyPolicy = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'AdminOnly', Effect: 'Allow', Principal: { AWS: KEY_ADMIN }, Action: 'kms:*', Resource: '*' }],
}
const delegatingKeyPolicy = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' }],
}
const secretPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: CALLER }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
}

function sdk<T extends { destroy(): void }>(c: T): T {
  made.push(c)
  return c
}

class FakeClock {
  t = 1_700_000_000_000
  now(): number {
    return this.t
  }
}

/** A reader on moto that counts every backend call by `service operation`. */
function reader(extra: Partial<BackendFactsOptions> = {}): { facts: BackendFactsReader; calls: Map<string, number>; total: () => number; clock: FakeClock } {
  const calls = new Map<string, number>()
  const clock = new FakeClock()
  const facts = createBackendFacts({
    endpoint: moto.url,
    credentials: moto.credentials,
    region: R,
    account: A,
    clock,
    ...extra,
    onCall: (s, op) => {
      calls.set(`${s} ${op}`, (calls.get(`${s} ${op}`) ?? 0) + 1)
      extra.onCall?.(s, op)
    },
  })
  readers.push(facts)
  return { facts, calls, clock, total: () => [...calls.values()].reduce((a, b) => a + b, 0) }
}

function write(service: string, operation: string, ...resources: string[]): MappedRequest {
  return { service, operation, unmapped: false, authorizations: resources.map((resource) => ({ action: `${service}:${operation}`, resource, context: {} })) }
}

beforeAll(async () => {
  moto = await startMoto(R)
  const cfg = { endpoint: moto.url, region: R, credentials: moto.credentials }
  const s3 = sdk(new S3Client({ ...cfg, forcePathStyle: true }))
  await s3.send(new CreateBucketCommand({ Bucket: 'facts-bucket' }))
  await s3.send(new PutBucketPolicyCommand({ Bucket: 'facts-bucket', Policy: JSON.stringify(bucketPolicy) }))
  await s3.send(new PutBucketTaggingCommand({ Bucket: 'facts-bucket', Tagging: { TagSet: [{ Key: 'team', Value: 'blue' }] } }))
  for (const b of ['bare-bucket', 'lru-1', 'lru-2', 'lru-3']) await s3.send(new CreateBucketCommand({ Bucket: b }))

  const sqs = sdk(new SQSClient(cfg))
  await sqs.send(new CreateQueueCommand({ QueueName: 'facts-queue', Attributes: { Policy: JSON.stringify(queuePolicy) }, tags: { env: 'test' } }))

  const sns = sdk(new SNSClient(cfg))
  await sns.send(new CreateTopicCommand({ Name: 'facts-topic', Tags: [{ Key: 'owner', Value: 'ops' }] }))

  const kms = sdk(new KMSClient(cfg))
  const key = await kms.send(new CreateKeyCommand({ Policy: JSON.stringify(keyPolicy), Tags: [{ TagKey: 'app', TagValue: 'billing' }] }))
  keyArn = key.KeyMetadata?.Arn ?? ''
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/facts-key', TargetKeyId: key.KeyMetadata?.KeyId }))
  const delegating = await kms.send(new CreateKeyCommand({ Policy: JSON.stringify(delegatingKeyPolicy) }))
  delegatingKeyArn = delegating.KeyMetadata?.Arn ?? ''

  const sm = sdk(new SecretsManagerClient(cfg))
  const secret = await sm.send(new CreateSecretCommand({ Name: 'facts-secret', SecretString: 's3cr3t', Tags: [{ Key: 'tier', Value: 'gold' }] }))
  secretFullArn = secret.ARN ?? ''
  await sm.send(new PutResourcePolicyCommand({ SecretId: 'facts-secret', ResourcePolicy: JSON.stringify(secretPolicy) }))

  const ssm = sdk(new SSMClient(cfg))
  await ssm.send(new PutParameterCommand({ Name: '/app/db', Value: 'x', Type: 'String', Tags: [{ Key: 'stage', Value: 'prod' }] }))

  const ddb = sdk(new DynamoDBClient(cfg))
  await ddb.send(
    new CreateTableCommand({
      TableName: 'facts-table',
      AttributeDefinitions: [
        { AttributeName: 'tenant', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'email', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'tenant', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [{ IndexName: 'by-email', KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
      BillingMode: 'PAY_PER_REQUEST',
      Tags: [{ Key: 'data', Value: 'pii' }],
    }),
  )
}, 60_000)

afterAll(async () => {
  for (const r of readers) r.close()
  for (const c of made) c.destroy()
  await moto?.close()
})

describe('resource facts read from the backend', () => {
  it('S3: a bucket policy and tags; objects carry their bucket policy; no policy and no bucket are facts', async () => {
    const { facts } = reader()
    const bucket = await facts.resource('s3', 'arn:aws:s3:::facts-bucket')
    expect(JSON.parse(bucket.policy ?? '{}')).toEqual(bucketPolicy)
    expect(bucket.tags).toEqual({ team: 'blue' })
    expect(bucket.exists).toBe(true)
    expect(await facts.resource('s3', 'arn:aws:s3:::facts-bucket/secret/a.txt')).toEqual({ policy: bucket.policy, exists: true })
    expect(await facts.resource('s3', 'arn:aws:s3:::bare-bucket')).toEqual({ tags: {}, exists: true })
    expect(await facts.resource('s3', 'arn:aws:s3:::no-such-bucket')).toEqual({ exists: false })
  })

  it('SQS: the queue policy and tags; a missing queue', async () => {
    const { facts } = reader()
    const q = await facts.resource('sqs', `arn:aws:sqs:${R}:${A}:facts-queue`)
    expect(JSON.parse(q.policy ?? '{}')).toEqual(queuePolicy)
    expect(q.tags).toEqual({ env: 'test' })
    expect(await facts.resource('sqs', `arn:aws:sqs:${R}:${A}:nope`)).toEqual({ exists: false })
  })

  it('SNS: the topic policy and tags; a missing topic', async () => {
    const { facts } = reader()
    const t = await facts.resource('sns', `arn:aws:sns:${R}:${A}:facts-topic`)
    expect(t.exists).toBe(true)
    expect(t.tags).toEqual({ owner: 'ops' })
    expect(JSON.parse(t.policy ?? '{}').Statement.length).toBeGreaterThan(0)
    expect(await facts.resource('sns', `arn:aws:sns:${R}:${A}:nope`)).toEqual({ exists: false })
  })

  it('KMS: the key policy and tags; an alias ARN reads its key; the alias lookup after prefetch', async () => {
    const { facts } = reader()
    const aliasArn = `arn:aws:kms:${R}:${A}:alias/facts-key`
    const k = await facts.resource('kms', keyArn)
    expect(JSON.parse(k.policy ?? '{}')).toEqual(keyPolicy)
    expect(k.tags).toEqual({ app: 'billing' })
    expect(await facts.resource('kms', aliasArn)).toEqual(k)
    expect(facts.kmsAlias(`arn:aws:kms:${R}:${A}:alias/other`)).toBeUndefined()
    await facts.prefetch({ kmsAlias: aliasArn })
    expect(facts.kmsAlias(aliasArn)).toBe(keyArn)
    expect(await facts.resource('kms', `arn:aws:kms:${R}:${A}:key/00000000-0000-0000-0000-000000000000`)).toEqual({ exists: false })
    expect(await facts.resource('kms', `arn:aws:kms:${R}:${A}:alias/missing`)).toEqual({ exists: false })
  })

  it('Secrets Manager: the resource policy and tags; name → ARN; a name-only ARN resolves; a missing secret', async () => {
    const { facts } = reader()
    const s = await facts.resource('secretsmanager', secretFullArn)
    expect(JSON.parse(s.policy ?? '{}')).toEqual(secretPolicy)
    expect(s.tags).toEqual({ tier: 'gold' })
    expect(facts.secretArn('facts-secret')).toBeUndefined()
    await facts.prefetch({ secretName: 'facts-secret' })
    expect(facts.secretArn('facts-secret')).toBe(secretFullArn)
    expect(await facts.resource('secretsmanager', `arn:aws:secretsmanager:${R}:${A}:secret:facts-secret-??????`)).toEqual(s)
    expect(await facts.resource('secretsmanager', `arn:aws:secretsmanager:${R}:${A}:secret:nope-??????`)).toEqual({ exists: false })
    await facts.prefetch({ secretName: 'nope' })
    expect(facts.secretArn('nope')).toBeUndefined()
  })

  it('SSM: parameter tags (no resource policy); a missing parameter', async () => {
    const { facts } = reader()
    expect(await facts.resource('ssm', `arn:aws:ssm:${R}:${A}:parameter/app/db`)).toEqual({ tags: { stage: 'prod' }, exists: true })
    expect(await facts.resource('ssm', `arn:aws:ssm:${R}:${A}:parameter/app/missing`)).toEqual({ exists: false })
  })

  it('DynamoDB: key schemas (table and GSI) after prefetch; table tags; an index reads its table', async () => {
    const { facts } = reader()
    expect(facts.keySchema('facts-table')).toBeUndefined()
    await facts.prefetch({ table: 'facts-table' })
    expect(facts.keySchema('facts-table')).toBe('tenant')
    expect(facts.keySchema('facts-table', 'by-email')).toBe('email')
    expect(facts.keySchema('facts-table', 'no-index')).toBeUndefined()
    const tableArn = `arn:aws:dynamodb:${R}:${A}:table/facts-table`
    expect(await facts.resource('dynamodb', tableArn)).toEqual({ tags: { data: 'pii' }, exists: true })
    expect(await facts.resource('dynamodb', `${tableArn}/index/by-email`)).toEqual({ tags: { data: 'pii' }, exists: true })
    await facts.prefetch({ table: 'no-table' })
    expect(facts.keySchema('no-table')).toBeUndefined()
    expect(await facts.resource('dynamodb', `arn:aws:dynamodb:${R}:${A}:table/no-table`)).toEqual({ exists: false })
  })

  it('has no facts for `*`, other accounts, other regions or services it does not read, and asks the backend nothing', async () => {
    const { facts, total } = reader()
    expect(await facts.resource('s3', '*')).toEqual({})
    expect(await facts.resource('sqs', `arn:aws:sqs:${R}:999999999999:facts-queue`)).toEqual({})
    expect(await facts.resource('sqs', `arn:aws:sqs:eu-west-1:${A}:facts-queue`)).toEqual({})
    expect(await facts.resource('lambda', `arn:aws:lambda:${R}:${A}:function:f`)).toEqual({})
    expect(total()).toBe(0)
  })
})

describe('the cache', () => {
  const bucket = 'arn:aws:s3:::facts-bucket'

  it('answers a second read without the backend, and reads again once the TTL has passed', async () => {
    const { facts, total, clock } = reader({ ttlMs: 1000 })
    const first = await facts.resource('s3', bucket)
    const after = total()
    expect(after).toBe(2) // GetBucketPolicy + GetBucketTagging
    expect((await facts.resource('s3', `${bucket}/any/object`)).policy).toBe(first.policy)
    expect(total()).toBe(after)
    clock.t += 999
    await facts.resource('s3', bucket)
    expect(total()).toBe(after)
    clock.t += 1
    await facts.resource('s3', bucket)
    expect(total()).toBe(after * 2)
  })

  it('caches key schemas, aliases and secret names too (a second prefetch reads nothing)', async () => {
    const { facts, total } = reader()
    const need = { table: 'facts-table', kmsAlias: `arn:aws:kms:${R}:${A}:alias/facts-key`, secretName: 'facts-secret' }
    await facts.prefetch(need)
    const n = total()
    expect(n).toBe(3)
    await facts.prefetch(need)
    expect(total()).toBe(n)
  })

  it('shares one backend read among concurrent misses (single-flight)', async () => {
    const { facts, calls } = reader()
    const all = await Promise.all(Array.from({ length: 16 }, (_, i) => facts.resource('s3', i % 2 === 0 ? bucket : `${bucket}/o${i}`)))
    expect(new Set(all.map((f) => f.policy)).size).toBe(1)
    expect(calls.get('s3 GetBucketPolicy')).toBe(1)
    expect(calls.get('s3 GetBucketTagging')).toBe(1)
    await Promise.all(Array.from({ length: 8 }, () => facts.prefetch({ table: 'facts-table' })))
    expect(calls.get('dynamodb DescribeTable')).toBe(1)
  })

  it('keeps at most maxEntries resources, dropping the least recently used', async () => {
    const { facts, calls } = reader({ maxEntries: 2 })
    const policyReads = (): number => calls.get('s3 GetBucketPolicy') ?? 0
    await facts.resource('s3', 'arn:aws:s3:::lru-1')
    await facts.resource('s3', 'arn:aws:s3:::lru-2')
    await facts.resource('s3', 'arn:aws:s3:::lru-1') // lru-1 is now the most recent
    expect(policyReads()).toBe(2)
    await facts.resource('s3', 'arn:aws:s3:::lru-3') // evicts lru-2
    await facts.resource('s3', 'arn:aws:s3:::lru-1')
    expect(policyReads()).toBe(3)
    await facts.resource('s3', 'arn:aws:s3:::lru-2')
    expect(policyReads()).toBe(4)
  })

  it('forgets what a successful write through the gateway may have changed, and nothing else', async () => {
    const s3 = sdk(new S3Client({ endpoint: moto.url, region: R, credentials: moto.credentials, forcePathStyle: true }))
    const { facts, total } = reader()
    await s3.send(new CreateBucketCommand({ Bucket: 'written-bucket' }))
    const arn = 'arn:aws:s3:::written-bucket'
    expect((await facts.resource('s3', arn)).policy).toBeUndefined()
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `${arn}/*` }] }
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'written-bucket', Policy: JSON.stringify(policy) }))
    facts.afterWrite(write('s3', 'GetObject', `${arn}/k`)) // a read: nothing to forget
    expect((await facts.resource('s3', arn)).policy).toBeUndefined()
    const n = total()
    facts.afterWrite(write('s3', 'PutBucketPolicy', arn))
    expect(JSON.parse((await facts.resource('s3', arn)).policy ?? '{}')).toEqual(policy)
    expect(total()).toBe(n + 2)

    await facts.prefetch({ table: 'facts-table', kmsAlias: `arn:aws:kms:${R}:${A}:alias/facts-key`, secretName: 'facts-secret' })
    const m = total()
    facts.afterWrite(write('dynamodb', 'UpdateTable', `arn:aws:dynamodb:${R}:${A}:table/facts-table`))
    expect(facts.keySchema('facts-table')).toBeUndefined()
    expect(facts.kmsAlias(`arn:aws:kms:${R}:${A}:alias/facts-key`)).toBe(keyArn)
    facts.afterWrite(write('kms', 'UpdateAlias', `arn:aws:kms:${R}:${A}:alias/facts-key`, keyArn))
    expect(facts.kmsAlias(`arn:aws:kms:${R}:${A}:alias/facts-key`)).toBeUndefined()
    expect(facts.secretArn('facts-secret')).toBe(secretFullArn)
    facts.afterWrite(write('secretsmanager', 'CreateSecret', `arn:aws:secretsmanager:${R}:${A}:secret:other-??????`))
    expect(facts.secretArn('facts-secret')).toBeUndefined()
    expect(total()).toBe(m)
  })

  it('does not store a read that a write overtook', async () => {
    const arn = 'arn:aws:s3:::facts-bucket'
    let overtaken = false
    // The write lands while the first read is in flight (as its backend call goes out).
    const r = reader({
      onCall: (_s, op) => {
        if (op === 'GetBucketTagging' && !overtaken) {
          overtaken = true
          r.facts.afterWrite(write('s3', 'PutBucketTagging', arn))
        }
      },
    })
    expect((await r.facts.resource('s3', arn)).tags).toEqual({ team: 'blue' })
    await r.facts.resource('s3', arn)
    expect(r.calls.get('s3 GetBucketTagging')).toBe(2)
    await r.facts.resource('s3', arn)
    expect(r.calls.get('s3 GetBucketTagging')).toBe(2)
  })
})

describe('an unreachable backend', () => {
  it('fails with BackendUnavailable (a 503-style service error), not a fact', async () => {
    const port = await freePort()
    const facts = createBackendFacts({ endpoint: `http://127.0.0.1:${port}`, region: R, account: A, clock: new FakeClock(), maxAttempts: 1 })
    readers.push(facts)
    const err = await facts.resource('s3', 'arn:aws:s3:::facts-bucket').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BackendError)
    expect((err as BackendError).code).toBe('BackendUnavailable')
    expect((err as BackendError).status).toBe(503)
    await expect(facts.prefetch({ table: 't' })).rejects.toMatchObject({ code: 'BackendUnavailable', service: 'dynamodb', operation: 'DescribeTable' })
    expect(facts.keySchema('t')).toBeUndefined()
  })
})

describe('facts and the policy engine', () => {
  it("a bucket policy's explicit Deny wins over an identity policy's Allow", async () => {
    const { facts } = reader()
    const identity = compilePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }, { kind: 'identity' })
    const judge = async (resource: string) => {
      const f = await facts.resource('s3', resource)
      const resourcePolicies = f.policy === undefined ? [] : [compilePolicy(f.policy, { kind: 'resource', name: 'bucket policy' })]
      return evaluate({ principal: CALLER, action: 's3:GetObject', resource, resourceAccount: A }, { identity: [identity], resource: resourcePolicies })
    }
    const denied = await judge('arn:aws:s3:::facts-bucket/secret/a.txt')
    expect(denied.decision).toBe('ExplicitDeny')
    expect(denied.statements[0]).toMatchObject({ kind: 'resource', sid: 'NoSecrets' })
    expect((await judge('arn:aws:s3:::facts-bucket/public/a.txt')).decision).toBe('Allow')
  })

  it('a KMS key policy without root delegation refuses an identity-only grant; with delegation it stands', async () => {
    const { facts } = reader()
    const identity = compilePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] }, { kind: 'identity' })
    const judge = async (principal: string, key: string) => {
      const f = await facts.resource('kms', key)
      const keyPolicy = f.policy === undefined ? undefined : compilePolicy(f.policy, { kind: 'resource', name: 'key policy' })
      return evaluateKmsKeyAccess({ principal, action: 'kms:Decrypt', resource: key }, { identity: [identity], keyPolicy })
    }
    // The plain engine would allow: same account, identity policy allows.
    expect(evaluate({ principal: CALLER, action: 'kms:Decrypt', resource: keyArn }, { identity: [identity], resource: [] }).decision).toBe('Allow')
    const refused = await judge(CALLER, keyArn)
    expect(refused).toMatchObject({ decision: 'ImplicitDeny', reason: 'resource-policy-required' })
    expect((await judge(KEY_ADMIN, keyArn)).decision).toBe('Allow')
    expect((await judge(CALLER, delegatingKeyArn)).decision).toBe('Allow')
  })
})
