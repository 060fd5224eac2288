import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { countCharacters, countNonWhitespace, locate } from '../../src/policy/json.js'
import { POLICY_KINDS } from '../../src/policy/kind.js'
import type { PolicyKind } from '../../src/policy/kind.js'
import { hasErrors, sizeLimitFor, validatePolicy } from '../../src/policy/validate.js'
import type { PolicyProblem, ValidatePolicyOptions } from '../../src/policy/validate.js'

const V = '2012-10-17'
type Stmt = Record<string, unknown>

const DEFAULTS: Record<PolicyKind, Stmt> = {
  identity: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' },
  boundary: { Effect: 'Allow', Action: 's3:*', Resource: '*' },
  session: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' },
  scp: { Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' },
  resource: {
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::111122223333:root' },
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::bucket/*',
  },
  trust: { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  rcp: { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' },
}

/** A pretty-printed one-statement policy of the kind, with overrides (undefined removes an element). */
function doc(kind: PolicyKind, overrides: Stmt = {}, top: Record<string, unknown> = {}): string {
  return JSON.stringify({ Version: V, ...top, Statement: [{ ...DEFAULTS[kind], ...overrides }] }, null, 2)
}

function errors(text: string, kind: PolicyKind, options?: ValidatePolicyOptions): PolicyProblem[] {
  return validatePolicy(text, kind, options).filter((p) => p.severity === 'error')
}

function warnings(text: string, kind: PolicyKind, options?: ValidatePolicyOptions): PolicyProblem[] {
  return validatePolicy(text, kind, options).filter((p) => p.severity === 'warning')
}

/** Where the first `"key"` occurs in the text (for findings that point at a key). */
function keyPos(text: string, key: string, nth = 0): { line: number; column: number } {
  let at = -1
  for (let i = 0; i <= nth; i++) at = text.indexOf(`"${key}"`, at + 1)
  const before = text.slice(0, at).split('\n')
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 }
}

function expectOnly(
  text: string,
  kind: PolicyKind,
  expected: { code: PolicyProblem['code']; message: string; path: string; severity?: 'error' | 'warning' },
  options?: ValidatePolicyOptions,
): PolicyProblem {
  const all = validatePolicy(text, kind, options)
  const severity = expected.severity ?? 'error'
  const relevant = all.filter((p) => p.severity === severity)
  expect(relevant, JSON.stringify(all, null, 1)).toHaveLength(1)
  const p = relevant[0] as PolicyProblem
  expect(p.code).toBe(expected.code)
  expect(p.message).toContain(expected.message)
  expect(p.path).toBe(expected.path)
  return p
}

// ---------------------------------------------------------------------------------------------
// AWS documentation examples: must be clean.
// ---------------------------------------------------------------------------------------------

const S3_PUBLIC_READ = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PublicRead",
      "Effect": "Allow",
      "Principal": "*",
      "Action": ["s3:GetObject", "s3:GetObjectVersion"],
      "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"]
    }
  ]
}`

const S3_DENY_OUTSIDE_IP = `{
  "Version": "2012-10-17",
  "Id": "S3PolicyId1",
  "Statement": [
    {
      "Sid": "IPAllow",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::amzn-s3-demo-bucket",
        "arn:aws:s3:::amzn-s3-demo-bucket/*"
      ],
      "Condition": {
        "NotIpAddress": { "aws:SourceIp": "192.0.2.0/24" }
      }
    },
    {
      "Sid": "AllowSSLRequestsOnly",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:*",
      "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
      "Condition": { "Bool": { "aws:SecureTransport": "false" } }
    },
    {
      "Sid": "CrossAccountList",
      "Effect": "Allow",
      "Principal": { "AWS": ["arn:aws:iam::111122223333:root", "444455556666"] },
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::amzn-s3-demo-bucket"
    }
  ]
}`

const IRSA_TRUST = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.region-code.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "oidc.eks.region-code.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:default:my-service-account",
          "oidc.eks.region-code.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com"
        }
      }
    }
  ]
}`

const CROSS_ACCOUNT_TRUST = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": { "AWS": "arn:aws:iam::111122223333:role/Admin" },
      "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
      "Condition": { "StringEquals": { "sts:ExternalId": "Unique-ID-12345" } }
    },
    {
      "Effect": "Allow",
      "Principal": { "Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"] },
      "Action": "sts:AssumeRole"
    }
  ]
}`

const SCP_DENY_OUTSIDE_EU = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyAllOutsideEU",
      "Effect": "Deny",
      "NotAction": [
        "a4b:*", "acm:*", "aws-marketplace-management:*", "aws-marketplace:*", "aws-portal:*",
        "budgets:*", "ce:*", "chime:*", "cloudfront:*", "config:*", "cur:*", "directconnect:*",
        "ec2:DescribeRegions", "ec2:DescribeTransitGateways", "ec2:DescribeVpnGateways", "fms:*",
        "globalaccelerator:*", "health:*", "iam:*", "importexport:*", "kms:*", "mobileanalytics:*",
        "networkmanager:*", "organizations:*", "pricing:*", "route53:*", "route53domains:*",
        "route53-recovery-cluster:*", "route53-recovery-control-config:*", "route53-recovery-readiness:*",
        "s3:GetAccountPublic*", "s3:ListAllMyBuckets", "s3:ListMultiRegionAccessPoints", "s3:PutAccountPublic*",
        "shield:*", "sts:*", "support:*", "trustedadvisor:*", "waf-regional:*", "waf:*", "wafv2:*", "wellarchitected:*"
      ],
      "Resource": "*",
      "Condition": {
        "StringNotEquals": { "aws:RequestedRegion": ["eu-central-1", "eu-west-1"] },
        "ArnNotLike": {
          "aws:PrincipalARN": [
            "arn:aws:iam::*:role/Role1AllowedToBypassThisSCP",
            "arn:aws:iam::*:role/Role2AllowedToBypassThisSCP"
          ]
        }
      }
    },
    {
      "Effect": "Deny",
      "Action": "organizations:LeaveOrganization",
      "Resource": "*"
    }
  ]
}`

const BOUNDARY = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "CreateOrChangeOnlyWithBoundary",
      "Effect": "Allow",
      "Action": [
        "iam:CreateUser", "iam:DeleteUserPolicy", "iam:AttachUserPolicy",
        "iam:DetachUserPolicy", "iam:PutUserPermissionsBoundary", "iam:PutUserPolicy"
      ],
      "Resource": "*",
      "Condition": {
        "StringEquals": { "iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/XCompanyBoundaries" }
      }
    },
    {
      "Sid": "NoBoundaryPolicyEdit",
      "Effect": "Deny",
      "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
      "Resource": ["arn:aws:iam::123456789012:policy/XCompanyBoundaries"]
    },
    {
      "Sid": "NoBoundaryUserDelete",
      "Effect": "Deny",
      "Action": "iam:DeleteUserPermissionsBoundary",
      "Resource": "*"
    }
  ]
}`

const IDENTITY_WITH_VARIABLES = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowOwnHomeFolder",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/home/\${aws:username}/*",
      "Condition": {
        "DateGreaterThan": { "aws:CurrentTime": "2020-04-01T00:00:00Z" },
        "DateLessThan": { "aws:CurrentTime": "2030-06-30T23:59:59Z", "aws:EpochTime": 1900000000 },
        "BoolIfExists": { "aws:MultiFactorAuthPresent": "true" },
        "NumericLessThanEquals": { "aws:MultiFactorAuthAge": "3600" },
        "IpAddress": { "aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64", "198.51.100.7"] },
        "Null": { "aws:TokenIssueTime": false },
        "ForAnyValue:StringLike": { "aws:TagKeys": ["team-*"] },
        "StringEquals": { "aws:ResourceTag/owner:name": "\${aws:username}" }
      }
    },
    {
      "Effect": "Allow",
      "Action": "iam:ChangePassword",
      "Resource": "arn:aws:iam::*:user/\${aws:username}"
    }
  ]
}`

const RCP_SECURE_TRANSPORT = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "EnforceSecureTransport",
      "Effect": "Deny",
      "Principal": "*",
      "Action": ["sts:*", "s3:*", "sqs:*", "secretsmanager:*", "kms:*"],
      "Resource": "*",
      "Condition": { "BoolIfExists": { "aws:SecureTransport": "false" } }
    }
  ]
}`

describe('AWS documentation examples are clean', () => {
  const cases: [string, PolicyKind, string][] = [
    ['S3 bucket policy: public read', 'resource', S3_PUBLIC_READ],
    ['S3 bucket policy: IP deny, TLS only, cross-account', 'resource', S3_DENY_OUTSIDE_IP],
    ['IRSA trust policy (EKS user guide)', 'trust', IRSA_TRUST],
    ['cross-account and service trust policy', 'trust', CROSS_ACCOUNT_TRUST],
    ['SCP: deny outside EU regions', 'scp', SCP_DENY_OUTSIDE_EU],
    ['permissions boundary (IAM user guide)', 'boundary', BOUNDARY],
    ['identity policy with variables and conditions', 'identity', IDENTITY_WITH_VARIABLES],
    ['identity policy as managed', 'identity', BOUNDARY],
    ['session policy', 'session', doc('session')],
    ['RCP: enforce secure transport', 'rcp', RCP_SECURE_TRANSPORT],
  ]
  it.each(cases)('%s', (_name, kind, text) => {
    expect(validatePolicy(text, kind, { managed: _name.includes('managed') })).toEqual([])
  })

  it('accepts a single statement object rather than an array', () => {
    const text = JSON.stringify({ Version: V, Statement: DEFAULTS.identity })
    expect(validatePolicy(text, 'identity')).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------
// JSON layer
// ---------------------------------------------------------------------------------------------

describe('JSON syntax', () => {
  it('reports syntax errors with AWS wording, detail and location', () => {
    const text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}'
    const p = expectOnly(text, 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Syntax errors in policy. Trailing commas are not allowed in JSON.',
      path: '/Statement/0',
    })
    expect([p.line, p.column]).toEqual([4, 24])
  })

  it('rejects comments', () => {
    const text = '{"Version": "2012-10-17", // c\n"Statement": []}'
    expect(errors(text, 'identity')[0]?.message).toBe('Syntax errors in policy. Comments are not allowed in JSON.')
  })

  it('rejects duplicate keys and still validates the rest', () => {
    const text = doc('identity').replace('"Effect": "Allow",', '"Effect": "Allow",\n      "Effect": "Deny",')
    const problems = errors(text, 'identity')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({
      code: 'MalformedPolicyDocument',
      message: 'Syntax errors in policy. Duplicate key "Effect".',
      path: '/Statement/0/Effect',
      ...keyPos(text, 'Effect', 1),
    })
    const withMore = text.replace('"s3:GetObject"', '"GetObject"')
    expect(errors(withMore, 'identity').map((e) => e.message)).toHaveLength(2)
  })

  it('rejects a document that is not an object', () => {
    expectOnly('[]', 'identity', { code: 'MalformedPolicyDocument', message: 'must be a JSON object', path: '' })
  })
})

// ---------------------------------------------------------------------------------------------
// Top level
// ---------------------------------------------------------------------------------------------

describe('top-level elements', () => {
  it('rejects unknown top-level elements at the key', () => {
    const text = doc('identity', {}, { Foo: 1 })
    const p = expectOnly(text, 'identity', { code: 'MalformedPolicyDocument', message: 'Unknown top-level element "Foo"', path: '/Foo' })
    expect([p.line, p.column]).toEqual([keyPos(text, 'Foo').line, keyPos(text, 'Foo').column])
  })

  it('accepts Id as a string, rejects other types', () => {
    expect(validatePolicy(doc('identity', {}, { Id: 'x' }), 'identity')).toEqual([])
    expectOnly(doc('identity', {}, { Id: 5 }), 'identity', { code: 'MalformedPolicyDocument', message: 'Id must be a string', path: '/Id' })
  })

  it('requires Statement', () => {
    expectOnly(JSON.stringify({ Version: V }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Missing required element Statement.',
      path: '',
    })
  })

  it('rejects an empty Statement array and non-object statements', () => {
    expectOnly(JSON.stringify({ Version: V, Statement: [] }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Statement must not be an empty array.',
      path: '/Statement',
    })
    expectOnly(JSON.stringify({ Version: V, Statement: 'x' }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Statement must be an object or an array',
      path: '/Statement',
    })
    expectOnly(JSON.stringify({ Version: V, Statement: [DEFAULTS.identity, 7] }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Each statement must be an object, not a number.',
      path: '/Statement/1',
    })
  })
})

describe('Version', () => {
  const noVersion = (kind: PolicyKind): string => JSON.stringify({ Statement: DEFAULTS[kind] })
  const v2008 = (kind: PolicyKind): string => JSON.stringify({ Version: '2008-10-17', Statement: DEFAULTS[kind] })

  it('rejects values other than the two versions', () => {
    expectOnly(doc('identity', {}, { Version: '2012-10-18' }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Version must be "2012-10-17" or "2008-10-17", not "2012-10-18".',
      path: '/Version',
    })
    expectOnly(doc('identity', {}, { Version: 2012 }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'not a number',
      path: '/Version',
    })
  })

  it('accepts 2008-10-17 in inline identity, trust and resource policies', () => {
    for (const kind of ['identity', 'trust', 'resource', 'session'] as const) expect(validatePolicy(v2008(kind), kind)).toEqual([])
  })

  it('warns when Version is missing where AWS allows it', () => {
    expectOnly(noVersion('identity'), 'identity', {
      code: 'MissingVersion',
      message: 'Version is missing',
      path: '',
      severity: 'warning',
    })
    expect(errors(noVersion('trust'), 'trust')).toEqual([])
  })

  it('requires 2012-10-17 for managed policies, boundaries (managed by default), SCPs and RCPs', () => {
    const msg = 'Policy document must be version 2012-10-17 or greater.'
    expectOnly(v2008('identity'), 'identity', { code: 'MalformedPolicyDocument', message: msg, path: '/Version' }, { managed: true })
    expectOnly(v2008('boundary'), 'boundary', { code: 'MalformedPolicyDocument', message: msg, path: '/Version' })
    expect(errors(v2008('boundary'), 'boundary', { managed: false })).toEqual([])
    expectOnly(noVersion('scp'), 'scp', { code: 'MalformedPolicyDocument', message: msg, path: '' })
    expectOnly(v2008('rcp'), 'rcp', { code: 'MalformedPolicyDocument', message: msg, path: '/Version' })
  })

  it('warns that variables are literal under 2008-10-17 or no Version, pointing at the variable', () => {
    const text = JSON.stringify(
      { Version: '2008-10-17', Statement: { ...DEFAULTS.identity, Resource: 'arn:aws:s3:::b/${aws:username}/*' } },
      null,
      2,
    )
    const p = expectOnly(text, 'identity', {
      code: 'PolicyVariableIgnored',
      message: 'With Version 2008-10-17, policy variables',
      path: '/Statement/Resource',
      severity: 'warning',
    })
    expect({ line: p.line, column: p.column }).toEqual(locate(text, '/Statement/Resource'))
    expect(warnings(v2008('identity'), 'identity')).toEqual([])
    const missing = JSON.stringify({ Statement: { ...DEFAULTS.identity, Resource: 'arn:aws:s3:::b/${aws:username}' } })
    expect(warnings(missing, 'identity').map((w) => w.code)).toEqual(['MissingVersion', 'PolicyVariableIgnored'])
  })
})

// ---------------------------------------------------------------------------------------------
// Statement elements
// ---------------------------------------------------------------------------------------------

describe('statement elements', () => {
  it('rejects unknown statement elements at the key', () => {
    const text = doc('identity', { Actions: 's3:*' })
    const p = expectOnly(text, 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Unknown element "Actions" in statement',
      path: '/Statement/0/Actions',
    })
    expect({ line: p.line, column: p.column }).toEqual(keyPos(text, 'Actions'))
  })

  it('requires Effect to be exactly Allow or Deny', () => {
    expectOnly(doc('identity', { Effect: undefined }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Missing required element Effect.',
      path: '/Statement/0',
    })
    expectOnly(doc('identity', { Effect: 'allow' }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'The policy failed legacy parsing',
      path: '/Statement/0/Effect',
    })
    expectOnly(doc('identity', { Effect: 'Permit' }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Syntax errors in policy. Effect must be "Allow" or "Deny", not "Permit".',
      path: '/Statement/0/Effect',
    })
    expectOnly(doc('identity', { Effect: ['Allow'] }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'not an array',
      path: '/Statement/0/Effect',
    })
    expect(validatePolicy(doc('identity', { Effect: 'Deny' }), 'identity')).toEqual([])
  })

  describe('Action / NotAction', () => {
    it('requires exactly one of Action and NotAction', () => {
      const p = expectOnly(doc('identity', { Action: undefined }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Policy statement must contain actions.',
        path: '/Statement/0',
      })
      expect([p.line, p.column]).toEqual([4, 5])
      expectOnly(doc('identity', { NotAction: 's3:*' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'cannot contain both Action and NotAction',
        path: '/Statement/0/NotAction',
      })
      expect(validatePolicy(doc('identity', { Action: undefined, NotAction: 'iam:*' }), 'identity')).toEqual([])
    })

    it('rejects an empty array and non-string values', () => {
      expectOnly(doc('identity', { Action: [] }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Policy statement must contain actions.',
        path: '/Statement/0/Action',
      })
      expectOnly(doc('identity', { Action: ['s3:GetObject', 3] }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Action must be a string or an array of strings, not an array holding a number.',
        path: '/Statement/0/Action/1',
      })
      expectOnly(doc('identity', { Action: { a: 1 } }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'not an object',
        path: '/Statement/0/Action',
      })
    })

    it('requires vendor:action form', () => {
      const vendor = 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'
      expectOnly(doc('identity', { Action: 'GetObject' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: vendor,
        path: '/Statement/0/Action',
      })
      expectOnly(doc('identity', { Action: ':GetObject' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: vendor,
        path: '/Statement/0/Action',
      })
      expectOnly(doc('identity', { Action: ['s3:*', 's3:Get:Object'] }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Actions/Condition can contain only one colon.',
        path: '/Statement/0/Action/1',
      })
      expectOnly(doc('identity', { Action: 's3_x:GetObject' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Vendor s3_x is not valid',
        path: '/Statement/0/Action',
      })
      expectOnly(doc('identity', { Action: 's3:' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'no action name',
        path: '/Statement/0/Action',
      })
      for (const ok of ['*', 's3:*', 'ec2:Describe*', 'route53-recovery-cluster:Get?', 'S3:GetObject']) {
        expect(errors(doc('identity', { Action: ok }), 'identity'), ok).toEqual([])
      }
    })
  })

  describe('Resource / NotResource', () => {
    it('requires resources outside trust policies', () => {
      for (const kind of ['identity', 'boundary', 'session', 'scp', 'resource', 'rcp'] as const) {
        expectOnly(doc(kind, { Resource: undefined }), kind, {
          code: 'MalformedPolicyDocument',
          message: 'Policy statement must contain resources.',
          path: '/Statement/0',
        })
      }
      expectOnly(doc('identity', { Resource: [] }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Policy statement must contain resources.',
        path: '/Statement/0/Resource',
      })
      expectOnly(doc('identity', { NotResource: '*' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'cannot contain both Resource and NotResource',
        path: '/Statement/0/NotResource',
      })
    })

    it('prohibits Resource and NotResource in trust policies', () => {
      const text = doc('trust', { Resource: '*' })
      const p = expectOnly(text, 'trust', {
        code: 'MalformedPolicyDocument',
        message: 'Has prohibited field Resource.',
        path: '/Statement/0/Resource',
      })
      expect({ line: p.line, column: p.column }).toEqual(keyPos(text, 'Resource'))
      expectOnly(doc('trust', { NotResource: '*' }), 'trust', {
        code: 'MalformedPolicyDocument',
        message: 'Has prohibited field NotResource.',
        path: '/Statement/0/NotResource',
      })
    })

    it('requires "*" or an ARN', () => {
      expectOnly(doc('identity', { Resource: 'my-bucket' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Resource my-bucket must be in ARN format or "*".',
        path: '/Statement/0/Resource',
      })
      expectOnly(doc('identity', { Resource: ['*', 'urn:aws:s3:::b'] }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Resource urn:aws:s3:::b must be in ARN format or "*".',
        path: '/Statement/0/Resource/1',
      })
      expectOnly(doc('identity', { Resource: 'arn:aws:s3:::' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'must be in ARN format',
        path: '/Statement/0/Resource',
      })
      expectOnly(doc('identity', { Resource: 'arn:aws:s3' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'must be in ARN format',
        path: '/Statement/0/Resource',
      })
    })

    it('checks the partition', () => {
      expectOnly(doc('identity', { Resource: 'arn:amazon:s3:::b' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Partition "amazon" is not valid for resource "arn:amazon:s3:::b".',
        path: '/Statement/0/Resource',
      })
      for (const ok of ['arn:aws-cn:s3:::b', 'arn:aws-us-gov:s3:::b', 'arn:aws*:s3:::b']) {
        expect(errors(doc('identity', { Resource: ok }), 'identity'), ok).toEqual([])
      }
    })

    it('rejects wildcards in the service segment', () => {
      for (const bad of ['arn:aws:*:::b', 'arn:aws:s?:::b', 'arn:aws::::b']) {
        expectOnly(doc('identity', { Resource: bad }), 'identity', {
          code: 'MalformedPolicyDocument',
          message: 'Resource vendor must be fully qualified and cannot contain regexes.',
          path: '/Statement/0/Resource',
        })
      }
      expect(errors(doc('identity', { Resource: 'arn:aws:ec2:*:*:instance/*' }), 'identity')).toEqual([])
    })

    it('allows policy variables only after the fifth colon', () => {
      expect(errors(doc('identity', { Resource: 'arn:aws:s3:::b/${aws:username}/*' }), 'identity')).toEqual([])
      expect(errors(doc('identity', { Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/${aws:PrincipalTag/t}' }), 'identity')).toEqual([])
      expectOnly(doc('identity', { Resource: 'arn:aws:iam::${aws:PrincipalAccount}:role/x' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'policy variable before the fifth colon',
        path: '/Statement/0/Resource',
      })
    })

    it('rejects region information in IAM resources', () => {
      expectOnly(doc('identity', { Resource: 'arn:aws:iam:us-east-1:123456789012:role/x' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'IAM resource arn:aws:iam:us-east-1:123456789012:role/x cannot contain region information.',
        path: '/Statement/0/Resource',
      })
    })
  })

  describe('Sid', () => {
    it('must be alphanumeric in IAM policies, free text elsewhere', () => {
      expectOnly(doc('identity', { Sid: 'Allow S3' }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Statement IDs (SID) must be alpha-numeric.',
        path: '/Statement/0/Sid',
      })
      expect(errors(doc('trust', { Sid: 'a-b' }), 'trust')).toHaveLength(1)
      expect(validatePolicy(doc('resource', { Sid: 'Allow S3 read (team-a)' }), 'resource')).toEqual([])
      expect(validatePolicy(doc('identity', { Sid: '' }), 'identity')).toEqual([])
      expectOnly(doc('identity', { Sid: 1 }), 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Sid must be a string',
        path: '/Statement/0/Sid',
      })
    })

    it('must be unique within the policy', () => {
      const text = JSON.stringify(
        { Version: V, Statement: [{ Sid: 'A', ...DEFAULTS.identity }, { Sid: 'B', ...DEFAULTS.identity }, { Sid: 'A', ...DEFAULTS.identity }] },
        null,
        2,
      )
      const p = expectOnly(text, 'identity', {
        code: 'MalformedPolicyDocument',
        message: 'Statement IDs (SID) in a single policy must be unique.',
        path: '/Statement/2/Sid',
      })
      expect({ line: p.line, column: p.column }).toEqual(locate(text, '/Statement/2/Sid'))
      const empties = JSON.stringify({ Version: V, Statement: [{ Sid: '', ...DEFAULTS.identity }, { Sid: '', ...DEFAULTS.identity }] })
      expect(validatePolicy(empties, 'identity')).toEqual([])
    })
  })
})

// ---------------------------------------------------------------------------------------------
// Principal, per kind
// ---------------------------------------------------------------------------------------------

describe('Principal per kind', () => {
  it.each(['identity', 'boundary', 'session', 'scp'] as const)('%s policies must not specify a principal', (kind) => {
    for (const element of ['Principal', 'NotPrincipal']) {
      const text = doc(kind, { [element]: '*' })
      const p = expectOnly(text, kind, {
        code: 'MalformedPolicyDocument',
        message: 'Policy document should not specify a principal.',
        path: `/Statement/0/${element}`,
      })
      expect({ line: p.line, column: p.column }).toEqual(keyPos(text, element))
    }
  })

  it('resource policies need Principal or NotPrincipal', () => {
    expectOnly(doc('resource', { Principal: undefined }), 'resource', {
      code: 'MalformedPolicyDocument',
      message: 'Missing required field Principal.',
      path: '/Statement/0',
    })
    expect(errors(doc('resource', { Effect: 'Deny', Principal: undefined, NotPrincipal: { AWS: '111122223333' } }), 'resource')).toEqual([])
    expectOnly(doc('resource', { NotPrincipal: '*' }), 'resource', {
      code: 'MalformedPolicyDocument',
      message: 'cannot contain both Principal and NotPrincipal',
      path: '/Statement/0/NotPrincipal',
    })
  })

  it('trust policies need Principal and prohibit NotPrincipal', () => {
    expectOnly(doc('trust', { Principal: undefined }), 'trust', {
      code: 'MalformedPolicyDocument',
      message: 'Missing required field Principal.',
      path: '/Statement/0',
    })
    expectOnly(doc('trust', { Principal: undefined, NotPrincipal: { AWS: '111122223333' } }), 'trust', {
      code: 'MalformedPolicyDocument',
      message: 'Has prohibited field NotPrincipal.',
      path: '/Statement/0/NotPrincipal',
    })
  })

  it('RCPs need Principal "*" and support neither NotPrincipal nor NotAction', () => {
    expectOnly(doc('rcp', { Principal: { AWS: '111122223333' } }), 'rcp', {
      code: 'MalformedPolicyDocument',
      message: 'Principal must be "*" in a resource control policy.',
      path: '/Statement/0/Principal',
    })
    expectOnly(doc('rcp', { Principal: undefined }), 'rcp', {
      code: 'MalformedPolicyDocument',
      message: 'Missing required field Principal.',
      path: '/Statement/0',
    })
    expectOnly(doc('rcp', { Principal: undefined, NotPrincipal: '*' }), 'rcp', {
      code: 'MalformedPolicyDocument',
      message: 'NotPrincipal is not supported in a resource control policy.',
      path: '/Statement/0/NotPrincipal',
    })
    expectOnly(doc('rcp', { Action: undefined, NotAction: 's3:GetObject' }), 'rcp', {
      code: 'MalformedPolicyDocument',
      message: 'NotAction is not supported in a resource control policy.',
      path: '/Statement/0/NotAction',
    })
  })

  it('RCP Allow is a warning (only RCPFullAWSAccess uses it)', () => {
    const full = JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] })
    expectOnly(full, 'rcp', {
      code: 'AllowInResourceControlPolicy',
      message: 'RCPFullAWSAccess',
      path: '/Statement/0/Effect',
      severity: 'warning',
    })
    expect(errors(full, 'rcp')).toEqual([])
  })

  it('checks the Principal shape', () => {
    expectOnly(doc('resource', { Principal: 'arn:aws:iam::111122223333:root' }), 'resource', {
      code: 'MalformedPolicyDocument',
      message: 'Invalid principal in policy',
      path: '/Statement/0/Principal',
    })
    expectOnly(doc('resource', { Principal: ['*'] }), 'resource', {
      code: 'MalformedPolicyDocument',
      message: 'Principal must be "*" or an object, not an array.',
      path: '/Statement/0/Principal',
    })
    expectOnly(doc('resource', { Principal: {} }), 'resource', {
      code: 'MalformedPolicyDocument',
      message: 'must name at least one principal',
      path: '/Statement/0/Principal',
    })
    expectOnly(doc('resource', { Principal: { User: 'x' } }), 'resource', {
      code: 'MalformedPolicyDocument',
      message: 'Unknown principal type "User"',
      path: '/Statement/0/Principal/User',
    })
    expectOnly(doc('resource', { Principal: { AWS: [] } }), 'resource', {
      code: 'MalformedPolicyDocument',
      message: 'Principal AWS must not be an empty array.',
      path: '/Statement/0/Principal/AWS',
    })
    expectOnly(doc('resource', { Principal: { AWS: ['111122223333', { a: 1 }] } }), 'resource', {
      code: 'MalformedPolicyDocument',
      message: 'Principal AWS must be a string or an array of strings',
      path: '/Statement/0/Principal/AWS/1',
    })
  })

  it('checks principal values by type', () => {
    const bad: [string, string][] = [
      ['AWS', 'arn:aws:iam::*:role/x'],
      ['AWS', 'arn:aws:iam::1234:root'],
      ['AWS', 'arn:aws:s3:::bucket'],
      ['AWS', 'alice'],
      ['Service', 'EC2 service'],
      ['Federated', 'arn:aws:iam::111122223333:role/x'],
      ['Federated', 'example.com'],
      ['CanonicalUser', 'not-hex'],
    ]
    for (const [type, value] of bad) {
      expectOnly(doc('resource', { Principal: { [type]: value } }), 'resource', {
        code: 'MalformedPolicyDocument',
        message: `Invalid principal in policy: "${type}":"${value}"`,
        path: `/Statement/0/Principal/${type}`,
      })
    }
    const good: [string, string][] = [
      ['AWS', '*'],
      ['AWS', '111122223333'],
      ['AWS', 'arn:aws:iam::111122223333:user/division/alice'],
      ['AWS', 'arn:aws-cn:iam::111122223333:role/x'],
      ['AWS', 'arn:aws:sts::111122223333:assumed-role/r/session'],
      ['Service', 'cloudfront.amazonaws.com'],
      ['Federated', 'cognito-identity.amazonaws.com'],
      ['Federated', 'arn:aws:iam::111122223333:saml-provider/ADFS'],
      ['CanonicalUser', '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be'],
    ]
    for (const [type, value] of good) {
      expect(errors(doc('resource', { Principal: { [type]: value } }), 'resource'), value).toEqual([])
    }
  })
})

describe('trust policy actions', () => {
  const allowed = [
    'sts:AssumeRole',
    'sts:AssumeRoleWithSAML',
    'sts:AssumeRoleWithWebIdentity',
    'sts:TagSession',
    'sts:SetSourceIdentity',
    'sts:SetContext',
    'sts:*',
    'sts:AssumeRole*',
    '*',
  ]
  it.each(allowed)('accepts %s', (action) => {
    expect(validatePolicy(doc('trust', { Action: action }), 'trust')).toEqual([])
  })

  it('rejects anything else with the AWS message', () => {
    expectOnly(doc('trust', { Action: ['sts:AssumeRole', 'sts:TagSessions'] }), 'trust', {
      code: 'MalformedPolicyDocument',
      message: 'AssumeRole policy may only specify STS AssumeRole actions.',
      path: '/Statement/0/Action/1',
    })
    expectOnly(doc('trust', { Action: 's3:GetObject' }), 'trust', {
      code: 'MalformedPolicyDocument',
      message: '"s3:GetObject" is not one of sts:AssumeRole',
      path: '/Statement/0/Action',
    })
    expectOnly(doc('trust', { Action: 'sts:GetCallerIdentity' }), 'trust', {
      code: 'MalformedPolicyDocument',
      message: 'AssumeRole policy may only specify STS AssumeRole actions.',
      path: '/Statement/0/Action',
    })
  })
})

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

describe('Condition', () => {
  const withCondition = (condition: unknown, kind: PolicyKind = 'identity'): string => doc(kind, { Condition: condition })

  it('must be an object of operator blocks', () => {
    expectOnly(withCondition('x'), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Condition must be an object of condition operators, not a string.',
      path: '/Statement/0/Condition',
    })
    expectOnly(withCondition({ StringEquals: ['a'] }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Condition operator StringEquals must map condition keys to values',
      path: '/Statement/0/Condition/StringEquals',
    })
    expect(validatePolicy(withCondition({}), 'identity')).toEqual([])
  })

  it('rejects unknown operators, naming them, at the key', () => {
    const text = withCondition({ StringEqualz: { 'aws:username': 'x' } })
    const p = expectOnly(text, 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Unknown condition operator "StringEqualz".',
      path: '/Statement/0/Condition/StringEqualz',
    })
    expect({ line: p.line, column: p.column }).toEqual(keyPos(text, 'StringEqualz'))
    expect(errors(withCondition({ NullIfExists: { 'aws:x': 'true' } }), 'identity')[0]?.message).toContain('NullIfExists')
    expect(errors(withCondition({ 'ForSomeValues:StringLike': { 'aws:x': 'a' } }), 'identity')).toHaveLength(1)
    expect(validatePolicy(withCondition({ 'ForAllValues:StringLikeIfExists': { 'aws:TagKeys': ['a*'] } }), 'identity')).toEqual([])
  })

  it('checks value types and empty arrays', () => {
    expectOnly(withCondition({ StringEquals: { 'aws:username': null } }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'must have a string, number or boolean value',
      path: '/Statement/0/Condition/StringEquals/aws:username',
    })
    expectOnly(withCondition({ StringEquals: { 'aws:username': ['a', { b: 1 }] } }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'not an array holding an object',
      path: '/Statement/0/Condition/StringEquals/aws:username/1',
    })
    expectOnly(withCondition({ StringEquals: { 'aws:username': [] } }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'must not have an empty array of values',
      path: '/Statement/0/Condition/StringEquals/aws:username',
    })
    expect(validatePolicy(withCondition({ StringEquals: { 'aws:x': [1, true, 'a'] } }), 'identity')).toEqual([])
  })

  it('requires a vendor prefix on condition keys', () => {
    expectOnly(withCondition({ StringEquals: { username: 'bob' } }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
      path: '/Statement/0/Condition/StringEquals/username',
    })
    // Tag keys may themselves contain colons.
    expect(validatePolicy(withCondition({ StringEquals: { 'aws:RequestTag/team:name': 'a' } }), 'identity')).toEqual([])
  })

  const formatCases: [string, string, unknown, unknown, string][] = [
    ['Null', 'aws:TokenIssueTime', 'yes', 'true', '"true" or "false"'],
    ['Bool', 'aws:SecureTransport', 1, false, '"true" or "false"'],
    ['NumericLessThan', 's3:max-keys', '10a', '10', 'a number'],
    ['NumericEquals', 's3:max-keys', true, 1.5, 'a number'],
    ['DateGreaterThan', 'aws:CurrentTime', '2020-13-01T00:00:00Z', '2020-12-01T00:00:00Z', 'a date'],
    ['DateLessThan', 'aws:CurrentTime', 'yesterday', '1700000000', 'a date'],
    ['DateEquals', 'aws:CurrentTime', '2020-01-01T25:00:00Z', '2020-01-01T12:30:00.123+05:30', 'a date'],
    ['IpAddress', 'aws:SourceIp', '10.0.0.0/33', '10.0.0.0/8', 'an IPv4 or IPv6 address or CIDR block'],
    ['NotIpAddress', 'aws:SourceIp', '10.1', '2001:db8::/32', 'an IPv4 or IPv6 address or CIDR block'],
    ['BinaryEquals', 'aws:x', 'not base64!', 'QmluYXJ5VmFsdWU=', 'base64'],
  ]
  it.each(formatCases)('%s checks value format', (op, key, bad, good, expected) => {
    const p = expectOnly(withCondition({ [op]: { [key]: bad } }), 'identity', {
      code: 'MalformedPolicyDocument',
      message: `must be ${expected}`,
      path: `/Statement/0/Condition/${op}/${key}`,
    })
    expect(p.message).toContain(`Condition ${op} value ${JSON.stringify(bad)}`)
    expect(validatePolicy(withCondition({ [op]: { [key]: good } }), 'identity')).toEqual([])
  })

  it('date errors carry the AWS legacy-parsing wording', () => {
    expect(errors(withCondition({ DateLessThan: { 'aws:CurrentTime': 'soon' } }), 'identity')[0]?.message).toMatch(
      /^The policy failed legacy parsing\./,
    )
  })

  it('skips format checks for values holding policy variables', () => {
    expect(validatePolicy(withCondition({ DateLessThan: { 'aws:CurrentTime': '${aws:TokenIssueTime}' } }), 'identity')).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------
// Lint warnings
// ---------------------------------------------------------------------------------------------

describe('lint warnings', () => {
  it('NotPrincipal with Allow', () => {
    const text = doc('resource', { Principal: undefined, NotPrincipal: { AWS: '111122223333' } })
    const p = expectOnly(text, 'resource', {
      code: 'NotPrincipalWithAllow',
      message: 'NotPrincipal with "Effect": "Allow"',
      path: '/Statement/0/NotPrincipal',
      severity: 'warning',
    })
    expect({ line: p.line, column: p.column }).toEqual(keyPos(text, 'NotPrincipal'))
    expect(errors(text, 'resource')).toEqual([])
    expect(warnings(doc('resource', { Effect: 'Deny', Principal: undefined, NotPrincipal: { AWS: '111122223333' } }), 'resource')).toEqual([])
  })

  it('NotResource with Allow', () => {
    expectOnly(doc('identity', { Resource: undefined, NotResource: 'arn:aws:s3:::secret/*' }), 'identity', {
      code: 'NotResourceWithAllow',
      message: 'NotResource with "Effect": "Allow"',
      path: '/Statement/0/NotResource',
      severity: 'warning',
    })
    expect(warnings(doc('identity', { Effect: 'Deny', Resource: undefined, NotResource: 'arn:aws:s3:::b' }), 'identity')).toEqual([])
  })

  it('set operators on single-valued OIDC claims in trust policies', () => {
    const sub = 'oidc.eks.us-east-1.amazonaws.com/id/ABC:sub'
    const base = JSON.parse(IRSA_TRUST) as { Statement: Stmt[] }
    const make = (op: string, key: string): string =>
      JSON.stringify({ ...base, Statement: [{ ...base.Statement[0], Condition: { [op]: { [key]: 'system:serviceaccount:ns:sa' } } }] }, null, 2)
    const text = make('ForAllValues:StringEquals', sub)
    const p = expectOnly(text, 'trust', {
      code: 'SetOperatorOnSingleValuedKey',
      message: 'ForAllValues is also true when the key is missing',
      path: `/Statement/0/Condition/ForAllValues:StringEquals/${sub.replaceAll('/', '~1')}`,
      severity: 'warning',
    })
    expect(p.line).toBe(keyPos(text, sub).line)
    expect(warnings(make('ForAnyValue:StringLike', 'oidc.eks.us-east-1.amazonaws.com/id/ABC:aud'), 'trust')).toHaveLength(1)
    expect(warnings(make('ForAnyValue:StringEquals', 'cognito-identity.amazonaws.com:amr'), 'trust')).toEqual([])
    expect(warnings(make('StringEquals', sub), 'trust')).toEqual([])
  })

  it('StringEquals value containing "*"', () => {
    const text = doc('identity', { Condition: { StringEquals: { 'aws:PrincipalTag/team': ['a', 'dev-*'] } } })
    const p = expectOnly(text, 'identity', {
      code: 'WildcardInExactMatch',
      message: 'Use StringLike',
      path: '/Statement/0/Condition/StringEquals/aws:PrincipalTag~1team/1',
      severity: 'warning',
    })
    expect({ line: p.line, column: p.column }).toEqual(locate(text, '/Statement/0/Condition/StringEquals/aws:PrincipalTag~1team/1'))
    expect(warnings(doc('identity', { Condition: { StringNotEquals: { 'aws:x': '*' } } }), 'identity')[0]?.message).toContain('StringNotLike')
    expect(warnings(doc('identity', { Condition: { StringLike: { 'aws:x': 'a*' } } }), 'identity')).toEqual([])
    expect(warnings(doc('identity', { Condition: { StringEquals: { 'aws:x': 'literal-${*}' } } }), 'identity')).toEqual([])
  })

  it('warnings alone do not count as errors', () => {
    const problems = validatePolicy(doc('identity', { Resource: undefined, NotResource: 'arn:aws:s3:::b' }), 'identity')
    expect(problems).toHaveLength(1)
    expect(hasErrors(problems)).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// Size limits and characters
// ---------------------------------------------------------------------------------------------

/**
 * A policy of the kind padded (inside a condition value) so that its measured size is exactly
 * `target`; pretty-printed, so it holds plenty of whitespace.
 */
function policyOfSize(kind: PolicyKind, target: number, measure: (t: string) => number, pretty: boolean): string {
  const build = (pad: string): string =>
    JSON.stringify(
      { Version: V, Statement: [{ ...DEFAULTS[kind], Condition: { StringEquals: { 'aws:PrincipalTag/pad': pad } } }] },
      null,
      pretty ? 2 : undefined,
    )
  const base = measure(build(''))
  const text = build('x'.repeat(target - base))
  expect(measure(text)).toBe(target)
  return text
}

describe('size limits', () => {
  const iamCases: [string, PolicyKind, ValidatePolicyOptions, number, string][] = [
    ['trust', 'trust', {}, 2048, 'Cannot exceed quota for ACLSizePerRole: 2048'],
    ['trust with a raised quota', 'trust', { trustPolicyQuota: 4096 }, 4096, 'Cannot exceed quota for ACLSizePerRole: 4096'],
    ['inline identity', 'identity', {}, 10240, 'Maximum policy size of 10240 bytes exceeded'],
    ['managed identity', 'identity', { managed: true }, 6144, 'Cannot exceed the quota for PolicySize: 6144'],
    ['boundary (managed)', 'boundary', {}, 6144, 'Cannot exceed the quota for PolicySize: 6144'],
    ['resource with an explicit limit', 'resource', { sizeLimit: 20480 }, 20480, 'exceeds the limit of 20480'],
  ]
  it.each(iamCases)('%s: whitespace excluded, exactly at the limit is fine, one over is LimitExceeded', (_n, kind, options, limit, message) => {
    const atLimit = policyOfSize(kind, limit, countNonWhitespace, true)
    expect(countCharacters(atLimit)).toBeGreaterThan(limit)
    expect(validatePolicy(atLimit, kind, options)).toEqual([])
    const over = policyOfSize(kind, limit + 1, countNonWhitespace, true)
    expectOnly(over, kind, { code: 'LimitExceeded', message, path: '' }, options)
    expect(errors(over, kind, options)[0]).toMatchObject({ line: 1, column: 1 })
  })

  const orgCases: [PolicyKind, number][] = [
    ['session', 2048],
    ['scp', 5120],
    ['rcp', 5120],
  ]
  it.each(orgCases)('%s: every character counts, whitespace included', (kind, limit) => {
    const compact = policyOfSize(kind, limit, countCharacters, false)
    expect(validatePolicy(compact, kind)).toEqual([])
    const over = policyOfSize(kind, limit + 1, countCharacters, false)
    expectOnly(over, kind, { code: 'LimitExceeded', message: `cannot exceed ${limit} characters`, path: '' })
    // The same content with whitespace added goes over the limit.
    const spaced = JSON.stringify(JSON.parse(compact), null, 2)
    expect(errors(spaced, kind).map((p) => p.code)).toEqual(['LimitExceeded'])
  })

  it('resource policies have no default limit', () => {
    expect(sizeLimitFor('resource')).toBeUndefined()
    expect(validatePolicy(policyOfSize('resource', 30000, countNonWhitespace, false), 'resource')).toEqual([])
  })

  it('measures size even when the JSON is broken', () => {
    const text = `${policyOfSize('trust', 2049, countNonWhitespace, false)}}`
    expect(errors(text, 'trust').map((p) => p.code).sort()).toEqual(['LimitExceeded', 'MalformedPolicyDocument'])
  })
})

describe('characters', () => {
  it('rejects characters outside TAB, LF, CR, U+0020–U+00FF at their position', () => {
    const text = doc('identity', { Sid: undefined, Condition: { StringEquals: { 'aws:PrincipalTag/name': 'O\u2019Brien\u2014x' } } })
    const p = expectOnly(text, 'identity', { code: 'ValidationError', message: 'found U+2019', path: '' })
    expect(p.message).toContain('2 such characters')
    const offset = text.indexOf('\u2019')
    const before = text.slice(0, offset).split('\n')
    expect([p.line, p.column]).toEqual([before.length, (before.at(-1)?.length ?? 0) + 1])
  })

  it('accepts Latin-1 characters and escaped non-Latin characters', () => {
    expect(validatePolicy(doc('identity', { Condition: { StringEquals: { 'aws:PrincipalTag/name': 'Zoë' } } }), 'identity')).toEqual([])
    const escaped = doc('identity', { Condition: { StringEquals: { 'aws:PrincipalTag/name': 'x' } } }).replace('"x"', '"O\\u2019Brien"')
    expect(validatePolicy(escaped, 'identity')).toEqual([])
  })
})

describe('ordering', () => {
  it('returns findings sorted by position', () => {
    const text = doc('identity', { Action: 'bad', Resource: 'bad', Effect: 'bad' })
    const problems = validatePolicy(text, 'identity')
    expect(problems.length).toBe(3)
    const keys = problems.map((p) => p.line * 10000 + p.column)
    expect([...keys].sort((a, b) => a - b)).toEqual(keys)
  })
})

describe('robustness (property)', () => {
  const kind = fc.constantFrom(...POLICY_KINDS)
  const check = (text: string, k: PolicyKind): void => {
    const problems = validatePolicy(text, k)
    const lineCount = text.split(/\r\n|\r|\n/).length
    for (const p of problems) {
      expect(p.line).toBeGreaterThanOrEqual(1)
      expect(p.line).toBeLessThanOrEqual(lineCount)
      expect(p.column).toBeGreaterThanOrEqual(1)
      expect(p.path === '' || p.path.startsWith('/')).toBe(true)
    }
  }

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), kind, (s, k) => check(s, k)))
  })

  it('never throws on arbitrary JSON, nor on policy-shaped JSON', () => {
    fc.assert(fc.property(fc.json(), kind, (s, k) => check(s, k)))
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('*', 's3:GetObject', 'arn:aws:s3:::b', 'Allow'), fc.integer(), fc.boolean())
    const element = fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(value, fc.array(value))))
    const statement = fc.record(
      {
        Sid: value,
        Effect: fc.constantFrom('Allow', 'Deny', 'allow', 1),
        Principal: element,
        Action: element,
        NotAction: element,
        Resource: element,
        Condition: fc.dictionary(fc.constantFrom('StringEquals', 'DateLessThan', 'IpAddress', 'Null', 'Bogus'), fc.dictionary(fc.string({ maxLength: 8 }), element)),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 3 }), fc.constantFrom('2012-10-17', '2008-10-17', undefined), kind, (statements, version, k) =>
        check(JSON.stringify({ Version: version, Statement: statements }, null, 2), k),
      ),
    )
  })
})
