// Inline and managed policies, versions, attachments and boundaries, through the three clients.
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, GetPolicyCommand, ListAttachedRolePoliciesCommand, ListPoliciesCommand, ListPolicyVersionsCommand, ListRolePoliciesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { awsBatch, boto3, cliError, policy, sdkError, serviceAccountTrust, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

const ACCOUNT = '111122223333'
const S3_READ = policy({ Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] })

let s: TestServer
let trust: string
beforeAll(async () => {
  s = await startTestServer()
  trust = serviceAccountTrust(s, 'ns', 'sa')
  for (const name of ['inline-role', 'attach-role', 'limit-role']) await s.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }))
})
afterAll(async () => {
  await s.close()
})

/** A valid identity policy with `n` non-whitespace characters or slightly more. */
function policyOfSize(n: number): string {
  const base = policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::' })
  const pad = Math.max(0, n - base.length)
  return policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'x'.repeat(pad)}` })
}

describe('inline role policies', () => {
  it('put, get (decoded by the CLI), list, delete', async () => {
    const [put, get, list, del, gone, listAfter] = await awsBatch(s, [
      ['iam', 'put-role-policy', '--role-name', 'inline-role', '--policy-name', 'read', '--policy-document', S3_READ],
      ['iam', 'get-role-policy', '--role-name', 'INLINE-ROLE', '--policy-name', 'read'],
      ['iam', 'list-role-policies', '--role-name', 'inline-role'],
      ['iam', 'delete-role-policy', '--role-name', 'inline-role', '--policy-name', 'read'],
      ['iam', 'get-role-policy', '--role-name', 'inline-role', '--policy-name', 'read'],
      ['iam', 'list-role-policies', '--role-name', 'inline-role'],
    ])
    expect(put).toMatchObject({ rc: 0, out: '' })
    expect(get?.json).toEqual({ RoleName: 'inline-role', PolicyName: 'read', PolicyDocument: JSON.parse(S3_READ) })
    expect(list?.json).toEqual({ PolicyNames: ['read'] })
    expect(del?.rc).toBe(0)
    expect(cliError(gone!)).toEqual({ code: 'NoSuchEntity', operation: 'GetRolePolicy', message: 'The role policy with name read cannot be found.' })
    expect(listAfter?.json).toEqual({ PolicyNames: [] })
  })

  it('rejects malformed documents, bad names, unknown roles and policies', async () => {
    const results = await awsBatch(s, [
      ['iam', 'put-role-policy', '--role-name', 'inline-role', '--policy-name', 'p', '--policy-document', policy({ Effect: 'Allow', Action: 's3:*' })],
      ['iam', 'put-role-policy', '--role-name', 'inline-role', '--policy-name', 'p', '--policy-document', policy({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' })],
      ['iam', 'put-role-policy', '--role-name', 'inline-role', '--policy-name', 'p', '--policy-document', '{"Statement": ['],
      ['iam', 'put-role-policy', '--role-name', 'inline-role', '--policy-name', 'bad/name', '--policy-document', S3_READ],
      ['iam', 'put-role-policy', '--role-name', 'nobody', '--policy-name', 'p', '--policy-document', S3_READ],
      ['iam', 'delete-role-policy', '--role-name', 'inline-role', '--policy-name', 'never'],
      ['iam', 'list-role-policies', '--role-name', 'nobody'],
    ])
    const e = results.map(cliError)
    expect(e[0]).toEqual({ code: 'MalformedPolicyDocument', operation: 'PutRolePolicy', message: 'Policy statement must contain resources.' })
    expect(e[1]?.code).toBe('MalformedPolicyDocument')
    expect(e[1]?.message).toMatch(/^Policy document should not specify a principal/)
    expect(e[2]?.code).toBe('MalformedPolicyDocument')
    expect(e[3]?.code).toBe('ValidationError')
    expect(e[3]?.message).toContain("at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    expect(e[4]).toEqual({ code: 'NoSuchEntity', operation: 'PutRolePolicy', message: 'The role with name nobody cannot be found.' })
    expect(e[5]).toEqual({ code: 'NoSuchEntity', operation: 'DeleteRolePolicy', message: 'The role policy with name never cannot be found.' })
    expect(e[6]?.code).toBe('NoSuchEntity')
    expect((await s.iam.send(new ListRolePoliciesCommand({ RoleName: 'inline-role' }))).PolicyNames).toEqual([])
  })

  it('enforces the 10,240-character aggregate quota per role, atomically', async () => {
    const six = policyOfSize(6000)
    await s.iam.send(new PutRolePolicyCommand({ RoleName: 'limit-role', PolicyName: 'first', PolicyDocument: six }))
    // Replacing the same policy does not count it twice.
    await s.iam.send(new PutRolePolicyCommand({ RoleName: 'limit-role', PolicyName: 'first', PolicyDocument: six }))
    const over = await sdkError(s.iam.send(new PutRolePolicyCommand({ RoleName: 'limit-role', PolicyName: 'second', PolicyDocument: six })))
    expect(over).toEqual({ code: 'LimitExceeded', status: 409, message: 'Maximum policy size of 10240 bytes exceeded for role limit-role' })
    const alone = await sdkError(s.iam.send(new PutRolePolicyCommand({ RoleName: 'inline-role', PolicyName: 'huge', PolicyDocument: policyOfSize(10300) })))
    expect(alone).toMatchObject({ code: 'LimitExceeded', message: 'Maximum policy size of 10240 bytes exceeded for role inline-role' })
    // Whitespace does not count.
    const spaced = `${JSON.stringify(JSON.parse(policyOfSize(4000)), null, 10)}${' \n'.repeat(300)}`
    expect(spaced.length).toBeGreaterThan(4600)
    await s.iam.send(new PutRolePolicyCommand({ RoleName: 'limit-role', PolicyName: 'spaced', PolicyDocument: spaced }))
    expect((await s.iam.send(new ListRolePoliciesCommand({ RoleName: 'limit-role' }))).PolicyNames).toEqual(['first', 'spaced'])
  })
})

describe('managed policies and versions', () => {
  it('create, get, versions, default, delete (boto3)', async () => {
    const v2 = policy({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' })
    const out = await boto3(
      s,
      `
doc = ${JSON.stringify(S3_READ)}
v2 = ${JSON.stringify(v2)}
p = iam.create_policy(PolicyName="team-read", Path="/team/", PolicyDocument=doc, Description="Reads the bucket")["Policy"]
emit(p)
arn = p["Arn"]
emit(call(iam.create_policy, PolicyName="TEAM-READ", PolicyDocument=doc))
emit(call(iam.create_policy, PolicyName="old", PolicyDocument=${JSON.stringify(JSON.stringify({ Version: '2008-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }))}))
emit(call(iam.create_policy, PolicyName="nover", PolicyDocument=${JSON.stringify(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }))}))
emit(call(iam.create_policy, PolicyName="badpath", Path="/x", PolicyDocument=doc))
emit(call(iam.get_policy, PolicyArn=arn)["Policy"])
emit(call(iam.create_policy_version, PolicyArn=arn, PolicyDocument=v2, SetAsDefault=True))
emit(call(iam.get_policy_version, PolicyArn=arn, VersionId="v2")["PolicyVersion"])
emit(call(iam.get_policy_version, PolicyArn=arn, VersionId="v1")["PolicyVersion"]["IsDefaultVersion"])
for i in range(3):
    call(iam.create_policy_version, PolicyArn=arn, PolicyDocument=doc)
emit(call(iam.create_policy_version, PolicyArn=arn, PolicyDocument=doc))
emit([v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]])
emit(iam.list_policy_versions(PolicyArn=arn)["Versions"][0])
emit(call(iam.delete_policy_version, PolicyArn=arn, VersionId="v2"))
emit(call(iam.delete_policy_version, PolicyArn=arn, VersionId="v9"))
emit(call(iam.set_default_policy_version, PolicyArn=arn, VersionId="v9"))
emit(call(iam.set_default_policy_version, PolicyArn=arn, VersionId="v4"))
emit(call(iam.get_policy, PolicyArn=arn)["Policy"]["DefaultVersionId"])
emit(call(iam.delete_policy, PolicyArn=arn))
for v in ["v1", "v2", "v3", "v5"]:
    call(iam.delete_policy_version, PolicyArn=arn, VersionId=v)
emit(call(iam.delete_policy, PolicyArn=arn))
emit(call(iam.get_policy, PolicyArn=arn))
emit(call(iam.get_policy, PolicyArn="not-an-arn-but-long-enough"))
emit(call(iam.get_policy_version, PolicyArn="arn:aws:iam::${ACCOUNT}:policy/none", VersionId="v1"))
`,
    )
    const arn = `arn:aws:iam::${ACCOUNT}:policy/team/team-read`
    expect(out[0]).toMatchObject({ PolicyName: 'team-read', Arn: arn, Path: '/team/', DefaultVersionId: 'v1', AttachmentCount: 0, PermissionsBoundaryUsageCount: 0, IsAttachable: true })
    expect((out[0] as { PolicyId: string }).PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/)
    expect(out[1]).toEqual({ Error: { Type: 'Sender', Code: 'EntityAlreadyExists', Message: 'A policy called TEAM-READ already exists. Duplicate names are not allowed.' }, Status: 409 })
    expect(out[2]).toMatchObject({ Error: { Code: 'MalformedPolicyDocument', Message: 'Policy document must be version 2012-10-17 or greater.' } })
    expect(out[3]).toMatchObject({ Error: { Code: 'MalformedPolicyDocument' } })
    expect(out[4]).toMatchObject({ Error: { Code: 'ValidationError' }, Status: 400 })
    expect(out[5]).toMatchObject({ Description: 'Reads the bucket', DefaultVersionId: 'v1' })
    expect(out[6]).toMatchObject({ PolicyVersion: { VersionId: 'v2', IsDefaultVersion: true } })
    expect(out[6]).not.toHaveProperty('PolicyVersion.Document')
    expect(out[7]).toMatchObject({ VersionId: 'v2', IsDefaultVersion: true, Document: JSON.parse(v2) })
    expect(out[8]).toBe(false)
    expect(out[9]).toEqual({
      Error: { Type: 'Sender', Code: 'LimitExceeded', Message: 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.' },
      Status: 409,
    })
    expect(out[10]).toEqual(['v5', 'v4', 'v3', 'v2', 'v1'])
    expect(out[11]).not.toHaveProperty('Document')
    expect(out[12]).toEqual({ Error: { Type: 'Sender', Code: 'DeleteConflict', Message: 'Cannot delete the default version of a policy.' }, Status: 409 })
    expect(out[13]).toMatchObject({ Error: { Code: 'NoSuchEntity' }, Status: 404 })
    expect(out[14]).toMatchObject({ Error: { Code: 'NoSuchEntity' } })
    expect(out[15]).toEqual({})
    expect(out[16]).toBe('v4')
    expect(out[17]).toMatchObject({ Error: { Code: 'DeleteConflict', Message: expect.stringMatching(/^This policy has more than one version/) as unknown } })
    expect(out[18]).toEqual({})
    expect(out[19]).toEqual({ Error: { Type: 'Sender', Code: 'NoSuchEntity', Message: `Policy ${arn} was not found.` }, Status: 404 })
    expect(out[20]).toEqual({ Error: { Type: 'Sender', Code: 'InvalidInput', Message: 'ARN not-an-arn-but-long-enough is not valid.' }, Status: 400 })
    expect(out[21]).toMatchObject({ Error: { Code: 'NoSuchEntity' } })
  })

  it('the CLI prints decoded version documents', async () => {
    const created = await s.iam.send(new CreatePolicyCommand({ PolicyName: 'cli-printed', PolicyDocument: S3_READ }))
    const arn = created.Policy?.Arn ?? ''
    const [v, list] = await awsBatch(s, [
      ['iam', 'get-policy-version', '--policy-arn', arn, '--version-id', 'v1'],
      ['iam', 'list-policy-versions', '--policy-arn', arn],
    ])
    expect(v?.json).toMatchObject({ PolicyVersion: { Document: JSON.parse(S3_READ), VersionId: 'v1', IsDefaultVersion: true } })
    expect((list?.json as { Versions: unknown[] }).Versions).toHaveLength(1)
    const versions = await s.iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))
    expect(versions.Versions?.[0]?.Document).toBeUndefined()
  })
})

describe('attachments, boundaries and entities', () => {
  it('attach, list, detach, quota, boundary and ListEntitiesForPolicy (CLI)', async () => {
    const arns: string[] = []
    for (let i = 0; i < 11; i++) {
      const p = await s.iam.send(new CreatePolicyCommand({ PolicyName: `att-${String(i).padStart(2, '0')}`, Path: '/att/', PolicyDocument: S3_READ }))
      arns.push(p.Policy?.Arn ?? '')
    }
    const [a0, a0again, noPolicy, noRole, limitFirst] = await awsBatch(s, [
      ['iam', 'attach-role-policy', '--role-name', 'attach-role', '--policy-arn', arns[0] as string],
      ['iam', 'attach-role-policy', '--role-name', 'attach-role', '--policy-arn', arns[0] as string],
      ['iam', 'attach-role-policy', '--role-name', 'attach-role', '--policy-arn', `arn:aws:iam::${ACCOUNT}:policy/nope`],
      ['iam', 'attach-role-policy', '--role-name', 'nobody', '--policy-arn', arns[0] as string],
      ...arns.slice(1).map((arn) => ['iam', 'attach-role-policy', '--role-name', 'attach-role', '--policy-arn', arn]),
    ])
    expect([a0?.rc, a0again?.rc]).toEqual([0, 0])
    expect(cliError(noPolicy!)).toEqual({
      code: 'NoSuchEntity',
      operation: 'AttachRolePolicy',
      message: `Policy arn:aws:iam::${ACCOUNT}:policy/nope does not exist or is not attachable.`,
    })
    expect(cliError(noRole!)?.message).toBe('The role with name nobody cannot be found.')
    expect(limitFirst?.rc).toBe(0)
    const results = await awsBatch(s, [
      ['iam', 'list-attached-role-policies', '--role-name', 'attach-role'],
      ['iam', 'detach-role-policy', '--role-name', 'attach-role', '--policy-arn', arns[10] as string],
      ['iam', 'detach-role-policy', '--role-name', 'attach-role', '--policy-arn', arns[9] as string],
      ['iam', 'detach-role-policy', '--role-name', 'attach-role', '--policy-arn', arns[9] as string],
      ['iam', 'attach-role-policy', '--role-name', 'attach-role', '--policy-arn', arns[10] as string],
      ['iam', 'put-role-permissions-boundary', '--role-name', 'attach-role', '--permissions-boundary', arns[9] as string],
      ['iam', 'put-role-permissions-boundary', '--role-name', 'attach-role', '--permissions-boundary', `arn:aws:iam::${ACCOUNT}:policy/nope`],
      ['iam', 'get-role', '--role-name', 'attach-role'],
      ['iam', 'list-entities-for-policy', '--policy-arn', arns[0] as string],
      ['iam', 'list-entities-for-policy', '--policy-arn', arns[9] as string, '--policy-usage-filter', 'PermissionsBoundary'],
      ['iam', 'list-entities-for-policy', '--policy-arn', arns[9] as string, '--policy-usage-filter', 'PermissionsPolicy'],
      ['iam', 'get-policy', '--policy-arn', arns[9] as string],
      ['iam', 'delete-policy', '--policy-arn', arns[9] as string],
      ['iam', 'delete-policy', '--policy-arn', arns[0] as string],
      ['iam', 'delete-role-permissions-boundary', '--role-name', 'attach-role'],
      ['iam', 'get-role', '--role-name', 'attach-role'],
      ['iam', 'delete-policy', '--policy-arn', arns[9] as string],
    ])
    const [listed, det10, det9, det9again, reattach, putB, putBad, withB, entities, byBoundary, byPolicy, getB, delUsed, delAttached, delB, withoutB, delFree] = results
    const attached = (listed?.json as { AttachedPolicies: { PolicyName: string; PolicyArn: string }[] }).AttachedPolicies
    expect(attached).toHaveLength(10)
    expect(attached[0]).toEqual({ PolicyName: 'att-00', PolicyArn: arns[0] })
    expect(cliError(det10!)).toEqual({ code: 'NoSuchEntity', operation: 'DetachRolePolicy', message: `Policy ${arns[10]} was not found.` })
    expect(det9?.rc).toBe(0)
    expect(cliError(det9again!)?.code).toBe('NoSuchEntity')
    expect(reattach?.rc).toBe(0)
    expect(putB?.rc).toBe(0)
    expect(cliError(putBad!)).toMatchObject({ code: 'NoSuchEntity', message: `Scope ARN: arn:aws:iam::${ACCOUNT}:policy/nope does not exist or is not attachable.` })
    expect((withB?.json as { Role: Record<string, unknown> }).Role.PermissionsBoundary).toEqual({ PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: arns[9] })
    const roleId = (withB?.json as { Role: { RoleId: string } }).Role.RoleId
    expect(entities?.json).toEqual({ PolicyGroups: [], PolicyUsers: [], PolicyRoles: [{ RoleName: 'attach-role', RoleId: roleId }] })
    expect(byBoundary?.json).toEqual({ PolicyGroups: [], PolicyUsers: [], PolicyRoles: [{ RoleName: 'attach-role', RoleId: roleId }] })
    expect(byPolicy?.json).toEqual({ PolicyGroups: [], PolicyUsers: [], PolicyRoles: [] })
    expect((getB?.json as { Policy: Record<string, unknown> }).Policy).toMatchObject({ AttachmentCount: 0, PermissionsBoundaryUsageCount: 1 })
    expect(cliError(delUsed!)).toEqual({ code: 'DeleteConflict', operation: 'DeletePolicy', message: 'Cannot delete a policy attached to entities.' })
    expect(cliError(delAttached!)?.code).toBe('DeleteConflict')
    expect(delB?.rc).toBe(0)
    expect((withoutB?.json as { Role: Record<string, unknown> }).Role).not.toHaveProperty('PermissionsBoundary')
    expect(delFree?.rc).toBe(0)

    // Eleventh attachment: the quota, and nothing written.
    const extra = await s.iam.send(new CreatePolicyCommand({ PolicyName: 'att-extra', PolicyDocument: S3_READ }))
    expect(await sdkError(s.iam.send(new AttachRolePolicyCommand({ RoleName: 'attach-role', PolicyArn: extra.Policy?.Arn })))).toEqual({
      code: 'LimitExceeded',
      status: 409,
      message: 'Cannot exceed quota for PoliciesPerRole: 10',
    })
    expect((await s.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'attach-role' }))).AttachedPolicies).toHaveLength(10)
  })

  it('ListPolicies: scope, OnlyAttached, PathPrefix and pagination', async () => {
    await s.iam.send(new CreatePolicyCommand({ PolicyName: 'lp-b', Path: '/lp/', PolicyDocument: S3_READ }))
    await s.iam.send(new CreatePolicyCommand({ PolicyName: 'lp-a', Path: '/lp/', PolicyDocument: S3_READ }))
    await s.iam.send(new CreatePolicyCommand({ PolicyName: 'lp-c', Path: '/lp/', PolicyDocument: S3_READ, Description: 'not listed' }))
    const page1 = await s.iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/lp/', MaxItems: 2 }))
    expect(page1.Policies?.map((p) => p.PolicyName)).toEqual(['lp-a', 'lp-b'])
    expect(page1.IsTruncated).toBe(true)
    const page2 = await s.iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/lp/', MaxItems: 2, Marker: page1.Marker }))
    expect(page2.Policies?.map((p) => p.PolicyName)).toEqual(['lp-c'])
    expect(page2.Policies?.[0]?.Description).toBeUndefined()
    expect((await s.iam.send(new ListPoliciesCommand({ Scope: 'AWS', PathPrefix: '/lp/' }))).Policies).toEqual([])
    const attached = await s.iam.send(new ListPoliciesCommand({ OnlyAttached: true, PathPrefix: '/att/' }))
    expect(attached.Policies?.map((p) => p.PolicyName)).toEqual(['att-00', 'att-01', 'att-02', 'att-03', 'att-04', 'att-05', 'att-06', 'att-07', 'att-08', 'att-10'])
    const [cli] = await awsBatch(s, [['iam', 'list-policies', '--scope', 'Local', '--path-prefix', '/lp/', '--page-size', '1']])
    expect((cli?.json as { Policies: { PolicyName: string }[] }).Policies.map((p) => p.PolicyName)).toEqual(['lp-a', 'lp-b', 'lp-c'])
    const bad = await sdkError(s.iam.send(new ListPoliciesCommand({ Scope: 'Everything' as 'All' })))
    expect(bad).toEqual({
      code: 'ValidationError',
      status: 400,
      message: "1 validation error detected: Value 'Everything' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]",
    })
    const got = await s.iam.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/lp/lp-c` }))
    expect(got.Policy?.Description).toBe('not listed')
  })
})
