/**
 * S3 (REST-XML): the operation follows from the method, whether a bucket and key are named, and the
 * sub-resource in the query string; the permissions are those of the S3 User Guide ("Policy actions
 * for Amazon S3", "Required permissions for Amazon S3 API operations") and the Service
 * Authorization Reference. S3 ARNs carry no region or account (`arn:aws:s3:::bucket/key`), so each
 * check names the resource's account separately (`resourceAccount`).
 */
import type { Authorization, MappedRequest } from './authorization.js'
import { GatewayError } from './gateway-error.js'
import type { Context, Mapping } from './mapping.js'
import type { GatewayRequest } from './request.js'
import { hasQuery, queryValue } from './request.js'
import { childText, childrenNamed, parseXml } from './xml-reader.js'

/** Headers S3 turns into condition keys of the same name (`s3:<header>`). */
const HEADER_KEYS = [
  'x-amz-acl',
  'x-amz-grant-read',
  'x-amz-grant-write',
  'x-amz-grant-read-acp',
  'x-amz-grant-write-acp',
  'x-amz-grant-full-control',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-storage-class',
  'x-amz-copy-source',
  'x-amz-metadata-directive',
  'x-amz-content-sha256',
  'x-amz-object-ownership',
  'if-match',
  'if-none-match',
] as const

/** Headers whose condition key has another name. */
const RENAMED_HEADER_KEYS: Readonly<Record<string, string>> = {
  'x-amz-object-lock-mode': 's3:object-lock-mode',
  'x-amz-object-lock-retain-until-date': 's3:object-lock-retain-until-date',
  'x-amz-object-lock-legal-hold': 's3:object-lock-legal-hold',
  'x-amz-bucket-object-lock-enabled': 's3:x-amz-bucket-object-lock-enabled',
}

/** Bucket sub-resources: [sub-resource, Get, Put, Delete] operation and action names. */
type SubResource = readonly [query: string, get: Op | undefined, put: Op | undefined, del: Op | undefined]
type Op = readonly [operation: string, action: string]

const BUCKET_SUBRESOURCES: readonly SubResource[] = [
  ['policy', ['GetBucketPolicy', 'GetBucketPolicy'], ['PutBucketPolicy', 'PutBucketPolicy'], ['DeleteBucketPolicy', 'DeleteBucketPolicy']],
  ['policyStatus', ['GetBucketPolicyStatus', 'GetBucketPolicyStatus'], undefined, undefined],
  ['acl', ['GetBucketAcl', 'GetBucketAcl'], ['PutBucketAcl', 'PutBucketAcl'], undefined],
  ['tagging', ['GetBucketTagging', 'GetBucketTagging'], ['PutBucketTagging', 'PutBucketTagging'], ['DeleteBucketTagging', 'PutBucketTagging']],
  ['versioning', ['GetBucketVersioning', 'GetBucketVersioning'], ['PutBucketVersioning', 'PutBucketVersioning'], undefined],
  ['location', ['GetBucketLocation', 'GetBucketLocation'], undefined, undefined],
  ['cors', ['GetBucketCors', 'GetBucketCORS'], ['PutBucketCors', 'PutBucketCORS'], ['DeleteBucketCors', 'PutBucketCORS']],
  ['lifecycle', ['GetBucketLifecycleConfiguration', 'GetLifecycleConfiguration'], ['PutBucketLifecycleConfiguration', 'PutLifecycleConfiguration'], ['DeleteBucketLifecycle', 'PutLifecycleConfiguration']],
  ['encryption', ['GetBucketEncryption', 'GetEncryptionConfiguration'], ['PutBucketEncryption', 'PutEncryptionConfiguration'], ['DeleteBucketEncryption', 'PutEncryptionConfiguration']],
  ['notification', ['GetBucketNotificationConfiguration', 'GetBucketNotification'], ['PutBucketNotificationConfiguration', 'PutBucketNotification'], undefined],
  ['website', ['GetBucketWebsite', 'GetBucketWebsite'], ['PutBucketWebsite', 'PutBucketWebsite'], ['DeleteBucketWebsite', 'DeleteBucketWebsite']],
  ['logging', ['GetBucketLogging', 'GetBucketLogging'], ['PutBucketLogging', 'PutBucketLogging'], undefined],
  ['replication', ['GetBucketReplication', 'GetReplicationConfiguration'], ['PutBucketReplication', 'PutReplicationConfiguration'], ['DeleteBucketReplication', 'PutReplicationConfiguration']],
  ['publicAccessBlock', ['GetPublicAccessBlock', 'GetBucketPublicAccessBlock'], ['PutPublicAccessBlock', 'PutBucketPublicAccessBlock'], ['DeletePublicAccessBlock', 'PutBucketPublicAccessBlock']],
  ['ownershipControls', ['GetBucketOwnershipControls', 'GetBucketOwnershipControls'], ['PutBucketOwnershipControls', 'PutBucketOwnershipControls'], ['DeleteBucketOwnershipControls', 'PutBucketOwnershipControls']],
  ['object-lock', ['GetObjectLockConfiguration', 'GetBucketObjectLockConfiguration'], ['PutObjectLockConfiguration', 'PutBucketObjectLockConfiguration'], undefined],
  ['requestPayment', ['GetBucketRequestPayment', 'GetBucketRequestPayment'], ['PutBucketRequestPayment', 'PutBucketRequestPayment'], undefined],
  ['accelerate', ['GetBucketAccelerateConfiguration', 'GetAccelerateConfiguration'], ['PutBucketAccelerateConfiguration', 'PutAccelerateConfiguration'], undefined],
  ['analytics', ['GetBucketAnalyticsConfiguration', 'GetAnalyticsConfiguration'], ['PutBucketAnalyticsConfiguration', 'PutAnalyticsConfiguration'], ['DeleteBucketAnalyticsConfiguration', 'PutAnalyticsConfiguration']],
  ['metrics', ['GetBucketMetricsConfiguration', 'GetMetricsConfiguration'], ['PutBucketMetricsConfiguration', 'PutMetricsConfiguration'], ['DeleteBucketMetricsConfiguration', 'PutMetricsConfiguration']],
  ['inventory', ['GetBucketInventoryConfiguration', 'GetInventoryConfiguration'], ['PutBucketInventoryConfiguration', 'PutInventoryConfiguration'], ['DeleteBucketInventoryConfiguration', 'PutInventoryConfiguration']],
  ['intelligent-tiering', ['GetBucketIntelligentTieringConfiguration', 'GetIntelligentTieringConfiguration'], ['PutBucketIntelligentTieringConfiguration', 'PutIntelligentTieringConfiguration'], ['DeleteBucketIntelligentTieringConfiguration', 'PutIntelligentTieringConfiguration']],
]

/** Object sub-resources: versioned operations use the `…Version…` action when `versionId` is given. */
const OBJECT_SUBRESOURCES: readonly (readonly [query: string, get: Op | undefined, put: Op | undefined, del: Op | undefined, versioned: boolean])[] = [
  ['acl', ['GetObjectAcl', 'GetObjectAcl'], ['PutObjectAcl', 'PutObjectAcl'], undefined, true],
  ['tagging', ['GetObjectTagging', 'GetObjectTagging'], ['PutObjectTagging', 'PutObjectTagging'], ['DeleteObjectTagging', 'DeleteObjectTagging'], true],
  ['attributes', ['GetObjectAttributes', 'GetObjectAttributes'], undefined, undefined, true],
  ['retention', ['GetObjectRetention', 'GetObjectRetention'], ['PutObjectRetention', 'PutObjectRetention'], undefined, false],
  ['legal-hold', ['GetObjectLegalHold', 'GetObjectLegalHold'], ['PutObjectLegalHold', 'PutObjectLegalHold'], undefined, false],
]

/** `GetObjectAcl` → `GetObjectVersionAcl`, `GetObject` → `GetObjectVersion`. */
function versionAction(action: string): string {
  return action.replace(/^(Get|Put|Delete)Object/, '$1ObjectVersion')
}

/** Condition keys from headers, and those every S3 request carries. */
function headerContext(request: GatewayRequest): Context {
  const out: Context = {}
  for (const h of HEADER_KEYS) {
    const v = request.headers[h]
    if (v !== undefined) out[`s3:${h}`] = v
  }
  for (const [h, key] of Object.entries(RENAMED_HEADER_KEYS)) {
    const v = request.headers[h]
    if (v !== undefined) out[key] = v
  }
  out['s3:authType'] = 'REST-HEADER'
  out['s3:signatureversion'] = 'AWS4-HMAC-SHA256'
  return out
}

/** `x-amz-tagging: k1=v1&k2=v2` as `s3:RequestObjectTag/<k>` and `s3:RequestObjectTagKeys`. */
function taggingHeaderContext(request: GatewayRequest): Context {
  const header = request.headers['x-amz-tagging']
  if (header === undefined) return {}
  const out: Context = {}
  const keys: string[] = []
  for (const [k, v] of new URLSearchParams(header)) {
    keys.push(k)
    out[`s3:RequestObjectTag/${k}`] = v
  }
  out['s3:RequestObjectTagKeys'] = keys
  return out
}

function hasAclHeaders(request: GatewayRequest): boolean {
  return ['x-amz-acl', 'x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-read-acp', 'x-amz-grant-write-acp', 'x-amz-grant-full-control'].some((h) => request.headers[h] !== undefined)
}

/** `x-amz-copy-source: [/]bucket/key[?versionId=v]`, percent-encoded. */
function copySource(header: string): { bucket: string; key: string; versionId: string | undefined } {
  let raw = header.startsWith('/') ? header.slice(1) : header
  let versionId: string | undefined
  const q = raw.indexOf('?')
  if (q >= 0) {
    versionId = new URLSearchParams(raw.slice(q + 1)).get('versionId') ?? undefined
    raw = raw.slice(0, q)
  }
  let decoded: string
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    throw new GatewayError('InvalidParameter', 'x-amz-copy-source is not valid percent-encoding')
  }
  const slash = decoded.indexOf('/')
  if (slash <= 0 || slash === decoded.length - 1) throw new GatewayError('InvalidParameter', 'x-amz-copy-source must name a bucket and a key')
  if (decoded.startsWith('arn:')) throw new GatewayError('InvalidParameter', 'x-amz-copy-source through an access point is not supported by the gateway')
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId }
}

class S3Mapping {
  readonly m: Mapping
  readonly r: GatewayRequest
  readonly headers: Context

  constructor(m: Mapping) {
    this.m = m
    this.r = m.request
    this.headers = headerContext(m.request)
  }

  bucketArn(bucket: string): string {
    return this.m.arn('s3', 'bucket', { BucketName: bucket })
  }

  objectArn(bucket: string, key: string): string {
    return this.m.arn('s3', 'object', { BucketName: bucket, ObjectName: key })
  }

  check(action: string, resource: string, context: Context = {}, reason?: string): Authorization {
    return this.m.check('s3', action, resource, { ...this.headers, ...context }, { resourceAccount: this.r.account, ...(reason === undefined ? {} : { reason }) })
  }

  map(bucket: string | undefined, key: string | undefined): MappedRequest {
    const method = this.r.method.toUpperCase()
    if (bucket === undefined) {
      if (method === 'GET') return this.m.result('ListBuckets', [this.m.check('s3', 'ListAllMyBuckets', '*', this.headers)])
      return this.m.unmapped('s3', `${method} /`, 'no bucket named and not ListBuckets')
    }
    return key === undefined ? this.bucket(method, bucket) : this.object(method, bucket, key)
  }

  listContext(maxKeysName = 'max-keys'): Context {
    const out: Context = {}
    const q = this.r.query
    for (const [param, k] of [['prefix', 's3:prefix'], ['delimiter', 's3:delimiter'], [maxKeysName, 's3:max-keys']] as const) {
      const v = queryValue(q, param)
      if (v !== undefined) out[k] = v
    }
    return out
  }

  bucket(method: string, bucket: string): MappedRequest {
    const q = this.r.query
    const arn = this.bucketArn(bucket)
    if (method === 'GET' && hasQuery(q, 'uploads')) return this.m.result('ListMultipartUploads', [this.check('ListBucketMultipartUploads', arn, this.listContext('max-uploads'))])
    if (method === 'GET' && hasQuery(q, 'versions')) return this.m.result('ListObjectVersions', [this.check('ListBucketVersions', arn, this.listContext())])
    if (method === 'POST' && hasQuery(q, 'delete')) return this.deleteObjects(bucket)
    for (const [sub, get, put, del] of BUCKET_SUBRESOURCES) {
      if (!hasQuery(q, sub)) continue
      const op = method === 'GET' ? get : method === 'PUT' ? put : method === 'DELETE' ? del : undefined
      if (op === undefined) return this.m.unmapped('s3', `${method} ?${sub}`, `no known S3 operation for ${method} on the ${sub} sub-resource`)
      return this.m.result(op[0], [this.check(op[1], arn)])
    }
    switch (method) {
      case 'GET':
        return queryValue(q, 'list-type') === '2'
          ? this.m.result('ListObjectsV2', [this.check('ListBucket', arn, this.listContext())])
          : this.m.result('ListObjects', [this.check('ListBucket', arn, this.listContext())])
      case 'HEAD':
        return this.m.result('HeadBucket', [this.check('ListBucket', arn)])
      case 'PUT':
        return this.createBucket(arn)
      case 'DELETE':
        return this.m.result('DeleteBucket', [this.check('DeleteBucket', arn)])
      default:
        return this.m.unmapped('s3', `${method} bucket`, `no known S3 bucket operation for ${method}`)
    }
  }

  createBucket(arn: string): MappedRequest {
    const context: Context = {}
    if (this.r.body !== undefined && this.r.body.length > 0) {
      const root = parseXml(this.r.body.toString('utf8'))
      if (root.name !== 'CreateBucketConfiguration') throw new GatewayError('MalformedXml', 'The body of CreateBucket must be a CreateBucketConfiguration')
      const region = childText(root, 'LocationConstraint')
      if (region !== undefined) context['s3:LocationConstraint'] = region
    }
    const checks = [this.check('CreateBucket', arn, context)]
    if (hasAclHeaders(this.r)) checks.push(this.check('PutBucketAcl', arn, {}, 'CreateBucket with ACL headers also sets the bucket ACL'))
    if (this.r.headers['x-amz-object-ownership'] !== undefined) checks.push(this.check('PutBucketOwnershipControls', arn, {}, 'CreateBucket with x-amz-object-ownership also sets ownership controls'))
    return this.m.result('CreateBucket', checks)
  }

  deleteObjects(bucket: string): MappedRequest {
    if (this.r.body === undefined) throw new GatewayError('MissingBody', 'DeleteObjects needs its XML body')
    const root = parseXml(this.r.body.toString('utf8'))
    if (root.name !== 'Delete') throw new GatewayError('MalformedXml', 'The body of DeleteObjects must be a Delete element')
    const objects = childrenNamed(root, 'Object')
    if (objects.length === 0 || objects.length > 1000) throw new GatewayError('MalformedXml', 'DeleteObjects names between 1 and 1000 objects')
    const checks = objects.map((o) => {
      const key = childText(o, 'Key')
      if (key === undefined || key === '') throw new GatewayError('MalformedXml', 'Each Object of DeleteObjects needs a Key')
      const versionId = childText(o, 'VersionId')
      return versionId === undefined
        ? this.check('DeleteObject', this.objectArn(bucket, key))
        : this.check('DeleteObjectVersion', this.objectArn(bucket, key), { 's3:versionid': versionId })
    })
    return this.m.result('DeleteObjects', checks)
  }

  object(method: string, bucket: string, key: string): MappedRequest {
    const q = this.r.query
    const arn = this.objectArn(bucket, key)
    const versionId = queryValue(q, 'versionId')
    const versioned: Context = versionId === undefined ? {} : { 's3:versionid': versionId }
    const uploadId = hasQuery(q, 'uploadId')
    if (uploadId) {
      if (method === 'GET') return this.m.result('ListParts', [this.check('ListMultipartUploadParts', arn)])
      if (method === 'DELETE') return this.m.result('AbortMultipartUpload', [this.check('AbortMultipartUpload', arn)])
      if (method === 'POST') return this.m.result('CompleteMultipartUpload', [this.check('PutObject', arn)])
      if (method === 'PUT') {
        const source = this.r.headers['x-amz-copy-source']
        if (source === undefined) return this.m.result('UploadPart', [this.check('PutObject', arn)])
        return this.m.result('UploadPartCopy', [this.check('PutObject', arn), this.copySourceCheck(source)])
      }
    }
    for (const [sub, get, put, del, hasVersions] of OBJECT_SUBRESOURCES) {
      if (!hasQuery(q, sub)) continue
      const op = method === 'GET' ? get : method === 'PUT' ? put : method === 'DELETE' ? del : undefined
      if (op === undefined) return this.m.unmapped('s3', `${method} ?${sub}`, `no known S3 operation for ${method} on the object ${sub} sub-resource`)
      const action = hasVersions && versionId !== undefined ? versionAction(op[1]) : op[1]
      return this.m.result(op[0], [this.check(action, arn, versioned)])
    }
    switch (method) {
      case 'GET':
      case 'HEAD':
        return this.m.result(method === 'GET' ? 'GetObject' : 'HeadObject', [this.check(versionId === undefined ? 'GetObject' : 'GetObjectVersion', arn, versioned)])
      case 'PUT': {
        const source = this.r.headers['x-amz-copy-source']
        if (source !== undefined) return this.m.result('CopyObject', [...this.putChecks(arn), this.copySourceCheck(source)])
        return this.m.result('PutObject', this.putChecks(arn))
      }
      case 'POST':
        if (hasQuery(q, 'uploads')) return this.m.result('CreateMultipartUpload', this.putChecks(arn))
        if (hasQuery(q, 'restore')) return this.m.result('RestoreObject', [this.check('RestoreObject', arn, versioned)])
        if (hasQuery(q, 'select')) return this.m.result('SelectObjectContent', [this.check('GetObject', arn)])
        return this.m.unmapped('s3', 'POST object', 'no known S3 object operation for this POST')
      case 'DELETE':
        return this.m.result('DeleteObject', [this.check(versionId === undefined ? 'DeleteObject' : 'DeleteObjectVersion', arn, versioned)])
      default:
        return this.m.unmapped('s3', `${method} object`, `no known S3 object operation for ${method}`)
    }
  }

  /** PutObject, and what its ACL and tagging headers also need (S3 User Guide, PutObject permissions). */
  putChecks(arn: string): Authorization[] {
    const tags = taggingHeaderContext(this.r)
    const checks = [this.check('PutObject', arn, tags)]
    if (hasAclHeaders(this.r)) checks.push(this.check('PutObjectAcl', arn, {}, 'ACL headers also set the object ACL'))
    if (this.r.headers['x-amz-tagging'] !== undefined) checks.push(this.check('PutObjectTagging', arn, tags, 'x-amz-tagging also tags the object'))
    return checks
  }

  /** Reading the source of a copy: s3:GetObject (or GetObjectVersion) on the source object. */
  copySourceCheck(header: string): Authorization {
    const src = copySource(header)
    const arn = this.objectArn(src.bucket, src.key)
    return src.versionId === undefined
      ? this.m.check('s3', 'GetObject', arn, {}, { resourceAccount: this.r.account, reason: 'reading the copy source' })
      : this.m.check('s3', 'GetObjectVersion', arn, { 's3:versionid': src.versionId }, { resourceAccount: this.r.account, reason: 'reading the copy source' })
  }
}

export function mapS3(m: Mapping, bucket: string | undefined, key: string | undefined): MappedRequest {
  return new S3Mapping(m).map(bucket, key)
}
