// The cases of the gateway mapping tests: calls built and signed by the real boto3, the lookups
// the proxy would answer, and one function that captures and maps them all.
import type { AuthorizationsResult } from '../../src/gateway/authorizations.js'
import { authorizationsFor } from '../../src/gateway/authorizations.js'
import type { IamCatalog } from '../../src/gateway/catalog.js'
import { loadCatalog } from '../../src/gateway/catalog.js'
import type { GatewayLookups } from '../../src/gateway/lookups.js'
import type { GatewayRequest } from '../../src/gateway/request.js'
import type { Call } from './captured.js'
import { ACCOUNT, captureAll } from './captured.js'

export const QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/payments-events`
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab'
export const SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/db-AbCdEf`

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
