// End to end through the policy engine: the authorizations mapped from real boto3 requests,
// evaluated with least-privilege policies, allow and deny the requests AWS would. A request is
// allowed only when every one of its authorizations is.
import { beforeAll, describe, expect, it } from 'vitest'
import type { MappedRequest } from '../../src/gateway/authorization.js'
import type { AuthorizationsResult } from '../../src/gateway/authorizations.js'
import { compilePolicy } from '../../src/policy/compile.js'
import type { PolicySet } from '../../src/policy/evaluate.js'
import { evaluate } from '../../src/policy/evaluate.js'
import { ACCOUNT } from './captured.js'
import type { CaseName } from './cases.js'
import { KEY_ID, mapAll } from './cases.js'

const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/payments-app/pod-1`

let R: Record<CaseName, AuthorizationsResult>

beforeAll(async () => {
  R = (await mapAll()).results
}, 60_000)

function mapped(name: CaseName): MappedRequest {
  const r = R[name]
  if (!r.ok) throw new Error(`${name}: ${r.error.code}`)
  return r
}

/** The request's outcome: the first authorization that is not allowed decides. */
function decide(name: CaseName, policies: PolicySet): string {
  for (const a of mapped(name).authorizations) {
    const d = evaluate({ principal: SESSION, action: a.action, resource: a.resource, context: a.context, ...(a.resourceAccount === undefined ? {} : { resourceAccount: a.resourceAccount }) }, policies)
    if (d.decision !== 'Allow') return `${d.decision} ${a.action}`
  }
  return 'Allow'
}

/** Each case's outcome under `policies`, compared as one table. */
function expectDecisions(policies: PolicySet, expected: Partial<Record<CaseName, string>>): void {
  const actual = Object.fromEntries(Object.keys(expected).map((name) => [name, decide(name as CaseName, policies)]))
  expect(actual).toEqual(expected)
}

const identity = (statements: unknown[]) => compilePolicy({ Version: '2012-10-17', Statement: statements }, { kind: 'identity' })
const resource = (statements: unknown[]) => compilePolicy({ Version: '2012-10-17', Statement: statements }, { kind: 'resource' })

describe('S3: s3:GetObject on payments/* and ListBucket under payments/ only', () => {
  const policies: PolicySet = {
    identity: [
      identity([
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::payments-data/payments/*' },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::payments-data', Condition: { StringLike: { 's3:prefix': 'payments/*' } } },
      ]),
    ],
  }

  it('allows what the policy names and nothing else', () => {
    expectDecisions(policies, {
      getVirtualAws: 'Allow',
      headObject: 'Allow',
      listV2: 'Allow',
      getVirtualLocal: 'ImplicitDeny s3:GetObject',
      // A version is s3:GetObjectVersion, which s3:GetObject does not grant.
      getPathLocal: 'ImplicitDeny s3:GetObjectVersion',
      listUploads: 'ImplicitDeny s3:ListBucketMultipartUploads',
      listBuckets: 'ImplicitDeny s3:ListAllMyBuckets',
      putObject: 'ImplicitDeny s3:PutObject',
      deleteObjects: 'ImplicitDeny s3:DeleteObject',
    })
  })

  it('CopyObject needs both sides: reading the source alone is not enough, writing alone is not either', () => {
    expect(decide('copyObject', policies)).toBe('ImplicitDeny s3:PutObject')
    const writeOnly: PolicySet = { identity: [identity([{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::archive/*' }])] }
    expect(decide('copyObject', writeOnly)).toBe('ImplicitDeny s3:GetObjectVersion')
    const both: PolicySet = { identity: [identity([{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::archive/*' }, { Effect: 'Allow', Action: 's3:GetObjectVersion', Resource: 'arn:aws:s3:::payments-data/payments/*' }])] }
    expect(decide('copyObject', both)).toBe('Allow')
  })

  it('DeleteObjects is denied as a whole when one key is denied by the bucket policy', () => {
    const policiesWithBucket: PolicySet = {
      identity: [identity([{ Effect: 'Allow', Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'], Resource: 'arn:aws:s3:::payments-data/*' }])],
      resource: [resource([{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject*', Resource: 'arn:aws:s3:::payments-data/reports/*' }])],
    }
    expect(decide('deleteObject', policiesWithBucket)).toBe('Allow')
    expect(decide('deleteObjects', policiesWithBucket)).toBe('ExplicitDeny s3:DeleteObjectVersion')
  })

  it('PutObject with an ACL needs s3:PutObjectAcl; a Deny on a missing SSE header blocks unencrypted uploads', () => {
    const put: PolicySet = {
      identity: [
        identity([
          { Effect: 'Allow', Action: ['s3:PutObject', 's3:PutObjectTagging'], Resource: 'arn:aws:s3:::payments-data/payments/*' },
          { Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } },
        ]),
      ],
    }
    expect(decide('putObject', put)).toBe('ImplicitDeny s3:PutObjectAcl')
    expect(decide('createMultipart', put)).toBe('ExplicitDeny s3:PutObject')
  })
})

describe('DynamoDB fine-grained access: dynamodb:LeadingKeys', () => {
  const policies: PolicySet = {
    identity: [
      identity([
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Resource: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/Payments`,
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['c-1'] } },
        },
      ]),
    ],
  }

  it("allows the caller's own partition and denies batches and transactions that touch another", () => {
    expectDecisions(policies, {
      ddbQuery: 'Allow',
      ddbGetItem: 'Allow',
      ddbPutItem: 'ImplicitDeny dynamodb:PutItem',
      ddbBatchWrite: 'ImplicitDeny dynamodb:BatchWriteItem',
      ddbTransactWrite: 'ImplicitDeny dynamodb:DeleteItem',
      // The index is its own resource.
      ddbQueryIndex: 'ImplicitDeny dynamodb:Query',
    })
  })
})

describe('KMS: the key policy delegates to IAM; the identity policy pins the encryption context', () => {
  const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}`
  const keyPolicy = resource([{ Sid: 'EnableIAM', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }])

  it('allows Encrypt only with tenant=acme', () => {
    const allow = (tenant: string): PolicySet => ({
      identity: [identity([{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: key, Condition: { StringEquals: { 'kms:EncryptionContext:tenant': tenant } } }])],
      resource: [keyPolicy],
    })
    expect(decide('kmsEncrypt', allow('acme'))).toBe('Allow')
    expect(decide('kmsEncrypt', allow('other'))).toBe('ImplicitDeny kms:Encrypt')
    // Through the alias the same key is evaluated; with no context the condition cannot hold.
    expect(decide('kmsEncryptAlias', allow('acme'))).toBe('ImplicitDeny kms:Encrypt')
  })

  it('a key-scoped grant never matches an unmapped Decrypt (resource *)', () => {
    const p: PolicySet = { identity: [identity([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key }])], resource: [keyPolicy] }
    expect(decide('kmsDecryptNoKey', p)).toBe('ImplicitDeny kms:Decrypt')
  })
})

describe('Secrets Manager and SSM: prefix-scoped grants', () => {
  it('secret:prod/db-* covers the resolved ARN, and CreateSecret under prod/*', () => {
    const p: PolicySet = {
      identity: [
        identity([
          { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/db-??????` },
          { Effect: 'Allow', Action: 'secretsmanager:CreateSecret', Resource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/*` },
        ]),
      ],
    }
    expect(decide('smGetByName', p)).toBe('Allow')
    expect(decide('smGetUnknown', p)).toBe('ImplicitDeny secretsmanager:GetSecretValue')
    expect(decide('smCreate', p)).toBe('Allow')
  })

  it('GetParameters needs every name; GetParametersByPath recursion can be denied', () => {
    const p: PolicySet = {
      identity: [
        identity([
          { Effect: 'Allow', Action: ['ssm:GetParameters', 'ssm:GetParametersByPath'], Resource: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/payments/*` },
          { Effect: 'Deny', Action: 'ssm:GetParametersByPath', Resource: '*', Condition: { StringEquals: { 'ssm:Recursive': 'true' } } },
        ]),
      ],
    }
    expect(decide('ssmGetParameters', p)).toBe('ImplicitDeny ssm:GetParameters')
    expect(decide('ssmByPath', p)).toBe('ExplicitDeny ssm:GetParametersByPath')
  })
})

describe('unmapped operations', () => {
  it('are allowed only by a grant on every resource', () => {
    const scoped: PolicySet = { identity: [identity([{ Effect: 'Allow', Action: 'logs:*', Resource: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:*` }])] }
    expect(decide('unmappedService', scoped)).toBe('ImplicitDeny logs:DescribeLogGroups')
    const everything: PolicySet = { identity: [identity([{ Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' }])] }
    expect(decide('unmappedService', everything)).toBe('Allow')
  })
})
