// The gateway's mapping against requests built and signed by the real boto3 (botocore's own
// serializers, endpoints and signers), one case per operation shape the gateway must read.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Authorization } from '../../src/gateway/authorization.js'
import { authorizationsFor } from '../../src/gateway/authorizations.js'
import type { AuthorizationsResult } from '../../src/gateway/authorizations.js'
import type { IamCatalog } from '../../src/gateway/catalog.js'
import { loadCatalog } from '../../src/gateway/catalog.js'
import type { GatewayLookups } from '../../src/gateway/lookups.js'
import type { GatewayRequest } from '../../src/gateway/request.js'
import type { Call } from './captured.js'
import { ACCOUNT, captureAll } from './captured.js'

const QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/payments-events`
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab'
const SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/db-AbCdEf`

export const CALLS = {
  listV2: { service: 's3', operation: 'list_objects_v2', params: { Bucket: 'payments-data', Prefix: 'payments/2026/', Delimiter: '/', MaxKeys: 50 }, region: 'eu-west-1' },
  getVirtualAws: { service: 's3', operation: 'get_object', params: { Bucket: 'payments-data', Key: 'payments/2026/a b.json' }, region: 'eu-west-1', addressing_style: 'virtual' },
  getPathLocal: { service: 's3', operation: 'get_object', params: { Bucket: 'payments-data', Key: 'payments/x.json', VersionId: 'v7' }, endpoint_url: 'http://localhost:4566', addressing_style: 'path' },
  getVirtualLocal: { service: 's3', operation: 'get_object', params: { Bucket: 'payments-data', Key: 'reports/q1.csv' }, endpoint_url: 'http://localhost:4566', addressing_style: 'virtual' },
  headObject: { service: 's3', operation: 'head_object', params: { Bucket: 'payments-data', Key: 'payments/x.json' }, endpoint_url: 'http://localhost:4566', addressing_style: 'path' },
  putObject: { service: 's3', operation: 'put_object', params: { Bucket: 'payments-data', Key: 'payments/new.json', Body: { $bytes: 'hello' }, ACL: 'bucket-owner-full-control', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}`, Tagging: 'team=payments&tier=gold' }, endpoint_url: 'http://localhost:4566', addressing_style: 'path' },
  copyObject: { service: 's3', operation: 'copy_object', params: { Bucket: 'archive', Key: 'payments/old.json', CopySource: { Bucket: 'payments-data', Key: 'payments/x y.json', VersionId: 'v3' }, MetadataDirective: 'COPY' }, endpoint_url: 'http://localhost:4566', addressing_style: 'path' },
  deleteObject: { service: 's3', operation: 'delete_object', params: { Bucket: 'payments-data', Key: 'payments/x.json' }, region: 'us-west-2' },
  deleteObjects: { service: 's3', operation: 'delete_objects', params: { Bucket: 'payments-data', Delete: { Objects: [{ Key: 'payments/a.json' }, { Key: 'payments/b&c <d>.json' }, { Key: 'reports/r.csv', VersionId: 'v9' }] } }, endpoint_url: 'http://localhost:4566', addressing_style: 'path' },
  createMultipart: { service: 's3', operation: 'create_multipart_upload', params: { Bucket: 'payments-data', Key: 'payments/big.bin', ServerSideEncryption: 'AES256' }, region: 'eu-west-1' },
  uploadPart: { service: 's3', operation: 'upload_part', params: { Bucket: 'payments-data', Key: 'payments/big.bin', UploadId: 'up1', PartNumber: 1, Body: { $bytes: 'part' } }, region: 'eu-west-1' },
  uploadPartCopy: { service: 's3', operation: 'upload_part_copy', params: { Bucket: 'payments-data', Key: 'payments/big.bin', UploadId: 'up1', PartNumber: 2, CopySource: 'other-bucket/src.bin' }, region: 'eu-west-1' },
  listParts: { service: 's3', operation: 'list_parts', params: { Bucket: 'payments-data', Key: 'payments/big.bin', UploadId: 'up1' }, region: 'eu-west-1' },
  completeMultipart: { service: 's3', operation: 'complete_multipart_upload', params: { Bucket: 'payments-data', Key: 'payments/big.bin', UploadId: 'up1', MultipartUpload: { Parts: [{ ETag: '"e1"', PartNumber: 1 }] } }, region: 'eu-west-1' },
  abortMultipart: { service: 's3', operation: 'abort_multipart_upload', params: { Bucket: 'payments-data', Key: 'payments/big.bin', UploadId: 'up1' }, region: 'eu-west-1' },
  listUploads: { service: 's3', operation: 'list_multipart_uploads', params: { Bucket: 'payments-data', Prefix: 'payments/' }, region: 'eu-west-1' },
  listBuckets: { service: 's3', operation: 'list_buckets', region: 'eu-west-1' },
  headBucket: { service: 's3', operation: 'head_bucket', params: { Bucket: 'payments-data' }, region: 'eu-west-1' },
  createBucket: { service: 's3', operation: 'create_bucket', params: { Bucket: 'new-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }, region: 'eu-west-1' },
  deleteBucket: { service: 's3', operation: 'delete_bucket', params: { Bucket: 'payments-data' }, region: 'eu-west-1' },
  getBucketPolicy: { service: 's3', operation: 'get_bucket_policy', params: { Bucket: 'payments-data' }, region: 'eu-west-1' },
  putBucketPolicy: { service: 's3', operation: 'put_bucket_policy', params: { Bucket: 'payments-data', Policy: '{"Version":"2012-10-17","Statement":[]}' }, region: 'eu-west-1' },
  deleteBucketPolicy: { service: 's3', operation: 'delete_bucket_policy', params: { Bucket: 'payments-data' }, region: 'eu-west-1' },
  putBucketTagging: { service: 's3', operation: 'put_bucket_tagging', params: { Bucket: 'payments-data', Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } }, region: 'eu-west-1' },
  deleteBucketTagging: { service: 's3', operation: 'delete_bucket_tagging', params: { Bucket: 'payments-data' }, region: 'eu-west-1' },
  getBucketLocation: { service: 's3', operation: 'get_bucket_location', params: { Bucket: 'payments-data' }, region: 'eu-west-1' },
  getBucketVersioning: { service: 's3', operation: 'get_bucket_versioning', params: { Bucket: 'payments-data' }, region: 'eu-west-1' },
  getObjectTagging: { service: 's3', operation: 'get_object_tagging', params: { Bucket: 'payments-data', Key: 'payments/x.json', VersionId: 'v1' }, region: 'eu-west-1' },
  putObjectAcl: { service: 's3', operation: 'put_object_acl', params: { Bucket: 'payments-data', Key: 'payments/x.json', ACL: 'private' }, region: 'eu-west-1' },
  listVersions: { service: 's3', operation: 'list_object_versions', params: { Bucket: 'payments-data', Prefix: 'payments/' }, region: 'eu-west-1' },

  ddbBatchWrite: {
    service: 'dynamodb',
    operation: 'batch_write_item',
    region: 'eu-west-1',
    params: {
      RequestItems: {
        Payments: [{ PutRequest: { Item: { customerId: { S: 'c-1' }, paymentId: { S: 'p-1' }, amount: { N: '10' } } } }, { DeleteRequest: { Key: { customerId: { S: 'c-2' }, paymentId: { S: 'p-9' } } } }],
        Audit: [{ PutRequest: { Item: { eventId: { S: 'e-1' }, at: { N: '1' } } } }],
      },
    },
  },
  ddbTransactWrite: {
    service: 'dynamodb',
    operation: 'transact_write_items',
    region: 'eu-west-1',
    params: {
      TransactItems: [
        { Put: { TableName: 'Payments', Item: { customerId: { S: 'c-1' }, paymentId: { S: 'p-2' } } } },
        { Update: { TableName: 'Payments', Key: { customerId: { S: 'c-1' }, paymentId: { S: 'p-1' } }, UpdateExpression: 'SET #s = :s, amount = amount + :d', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'PAID' }, ':d': { N: '1' } } } },
        { Delete: { TableName: 'Audit', Key: { eventId: { S: 'e-1' } } } },
        { ConditionCheck: { TableName: 'Accounts', Key: { accountId: { S: 'a-1' } }, ConditionExpression: 'attribute_exists(accountId)' } },
      ],
    },
  },
  ddbQuery: {
    service: 'dynamodb',
    operation: 'query',
    region: 'eu-west-1',
    params: { TableName: 'Payments', KeyConditionExpression: '#c = :c AND begins_with(paymentId, :p)', ExpressionAttributeNames: { '#c': 'customerId' }, ExpressionAttributeValues: { ':c': { S: 'c-1' }, ':p': { S: 'p-' } }, ProjectionExpression: 'paymentId, amount, #c' },
  },
  ddbQueryIndex: {
    service: 'dynamodb',
    operation: 'query',
    region: 'eu-west-1',
    params: { TableName: 'Payments', IndexName: 'byStatus', KeyConditionExpression: ':s = status', ExpressionAttributeValues: { ':s': { S: 'PAID' } } },
  },
  ddbGetItem: { service: 'dynamodb', operation: 'get_item', region: 'eu-west-1', params: { TableName: 'Payments', Key: { customerId: { S: 'c-1' }, paymentId: { S: 'p-1' } } } },
  ddbPutItem: { service: 'dynamodb', operation: 'put_item', region: 'eu-west-1', params: { TableName: 'Payments', Item: { customerId: { S: 'c-3' }, paymentId: { S: 'p-3' } }, ReturnValues: 'ALL_OLD' } },
  ddbBatchGet: { service: 'dynamodb', operation: 'batch_get_item', region: 'eu-west-1', params: { RequestItems: { Payments: { Keys: [{ customerId: { S: 'c-1' }, paymentId: { S: 'p-1' } }, { customerId: { S: 'c-4' }, paymentId: { S: 'p-4' } }], ProjectionExpression: 'amount' } } } },
  ddbTransactGet: { service: 'dynamodb', operation: 'transact_get_items', region: 'eu-west-1', params: { TransactItems: [{ Get: { TableName: 'Payments', Key: { customerId: { S: 'c-1' }, paymentId: { S: 'p-1' } } } }] } },
  ddbScan: { service: 'dynamodb', operation: 'scan', region: 'eu-west-1', params: { TableName: 'Payments', Select: 'COUNT' } },
  ddbListTables: { service: 'dynamodb', operation: 'list_tables', region: 'eu-west-1' },
  ddbDescribe: { service: 'dynamodb', operation: 'describe_table', region: 'eu-west-1', params: { TableName: 'Payments' } },

  sqsJson: { service: 'sqs', operation: 'send_message', region: 'eu-west-1', params: { QueueUrl: QUEUE_URL, MessageBody: 'hi' } },
  sqsJsonBatch: { service: 'sqs', operation: 'delete_message_batch', region: 'eu-west-1', params: { QueueUrl: QUEUE_URL, Entries: [{ Id: '1', ReceiptHandle: 'r' }] } },
  sqsQuery: { service: 'sqs', operation: 'send_message_batch', region: 'eu-west-1', protocol: 'query', params: { QueueUrl: QUEUE_URL, Entries: [{ Id: '1', MessageBody: 'x' }] } },
  sqsQueryReceive: { service: 'sqs', operation: 'receive_message', region: 'eu-west-1', protocol: 'query', params: { QueueUrl: `http://localhost:4566/${ACCOUNT}/payments-events` } },
  sqsCreate: { service: 'sqs', operation: 'create_queue', region: 'eu-west-1', params: { QueueName: 'new-queue', tags: { team: 'payments' } } },
  sqsList: { service: 'sqs', operation: 'list_queues', region: 'eu-west-1' },

  snsPublish: { service: 'sns', operation: 'publish', region: 'eu-west-1', params: { TopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:payments`, Message: 'hi' } },
  snsSubscribe: { service: 'sns', operation: 'subscribe', region: 'eu-west-1', params: { TopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:payments`, Protocol: 'sqs', Endpoint: `arn:aws:sqs:eu-west-1:${ACCOUNT}:payments-events` } },
  snsCreate: { service: 'sns', operation: 'create_topic', region: 'eu-west-1', params: { Name: 'orders', Tags: [{ Key: 'team', Value: 'payments' }] } },

  kmsEncrypt: { service: 'kms', operation: 'encrypt', region: 'eu-west-1', params: { KeyId: KEY_ID, Plaintext: { $bytes: 'secret' }, EncryptionContext: { tenant: 'acme', purpose: 'payments' } } },
  kmsEncryptAlias: { service: 'kms', operation: 'encrypt', region: 'eu-west-1', params: { KeyId: 'alias/payments', Plaintext: { $bytes: 'secret' } } },
  kmsDecryptUnknownAlias: { service: 'kms', operation: 'decrypt', region: 'eu-west-1', params: { KeyId: 'alias/nope', CiphertextBlob: { $bytes: 'c' } } },
  kmsDecryptNoKey: { service: 'kms', operation: 'decrypt', region: 'eu-west-1', params: { CiphertextBlob: { $bytes: 'c' } } },
  kmsGrant: { service: 'kms', operation: 'create_grant', region: 'eu-west-1', params: { KeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}`, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/worker`, Operations: ['Decrypt', 'Encrypt'] } },
  kmsReEncrypt: { service: 'kms', operation: 're_encrypt', region: 'eu-west-1', params: { CiphertextBlob: { $bytes: 'c' }, SourceKeyId: KEY_ID, DestinationKeyId: 'alias/payments' } },
  kmsCreateAlias: { service: 'kms', operation: 'create_alias', region: 'eu-west-1', params: { AliasName: 'alias/new', TargetKeyId: KEY_ID } },

  smGetByName: { service: 'secretsmanager', operation: 'get_secret_value', region: 'eu-west-1', params: { SecretId: 'prod/db', VersionStage: 'AWSCURRENT' } },
  smGetUnknown: { service: 'secretsmanager', operation: 'get_secret_value', region: 'eu-west-1', params: { SecretId: 'prod/other' } },
  smCreate: { service: 'secretsmanager', operation: 'create_secret', region: 'eu-west-1', params: { Name: 'prod/new', SecretString: 's', Tags: [{ Key: 'team', Value: 'payments' }] } },
  smList: { service: 'secretsmanager', operation: 'list_secrets', region: 'eu-west-1' },

  ssmByPath: { service: 'ssm', operation: 'get_parameters_by_path', region: 'eu-west-1', params: { Path: '/payments/prod', Recursive: true, WithDecryption: true } },
  ssmGetParameters: { service: 'ssm', operation: 'get_parameters', region: 'eu-west-1', params: { Names: ['/payments/prod/db-url', 'legacy-name'] } },
  ssmPut: { service: 'ssm', operation: 'put_parameter', region: 'eu-west-1', params: { Name: '/payments/prod/flag', Value: 'on', Type: 'String', Overwrite: true } },
  ssmGet: { service: 'ssm', operation: 'get_parameter', region: 'eu-west-1', params: { Name: '/payments/prod/db-url' } },

  unmappedService: { service: 'logs', operation: 'describe_log_groups', region: 'eu-west-1' },
  unmappedQuery: { service: 'sts', operation: 'get_caller_identity', region: 'eu-west-1' },
  restJsonService: { service: 'lambda', operation: 'list_functions', region: 'eu-west-1' },
  unmappedSsm: { service: 'ssm', operation: 'describe_instance_information', region: 'eu-west-1' },
} satisfies Record<string, Call>

export type CaseName = keyof typeof CALLS

const KEY_SCHEMA: Record<string, string> = { Payments: 'customerId', 'Payments/byStatus': 'status', Audit: 'eventId', Accounts: 'accountId' }

export function lookups(catalog: IamCatalog): GatewayLookups {
  return {
    catalog,
    keySchema: (table, index) => KEY_SCHEMA[index === undefined ? table : `${table}/${index}`],
    kmsAlias: (arn) => (arn === `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/payments` ? `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}` : undefined),
    secretArn: (name) => (name === 'prod/db' ? SECRET_ARN : undefined),
    s3HostSuffixes: ['localhost'],
  }
}

/** Capture every case once (one Python process) and map it. */
export async function mapAll(): Promise<{ catalog: IamCatalog; requests: Record<CaseName, GatewayRequest>; results: Record<CaseName, AuthorizationsResult> }> {
  const names = Object.keys(CALLS) as CaseName[]
  const [catalog, captured] = await Promise.all([loadCatalog(), captureAll(names.map((n) => CALLS[n]))])
  const requests = Object.fromEntries(names.map((n, i) => [n, captured[i] as GatewayRequest])) as Record<CaseName, GatewayRequest>
  const results = Object.fromEntries(names.map((n) => [n, authorizationsFor(requests[n], lookups(catalog))])) as Record<CaseName, AuthorizationsResult>
  return { catalog, requests, results }
}

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
