// Role actions through the AWS CLI v1, boto3 and the JS SDK v3 against a real server on loopback.
import { CreateRoleCommand, GetRoleCommand, ListRolesCommand, ListRoleTagsCommand, paginateListRoles, TagRoleCommand, UntagRoleCommand, UpdateRoleCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aws, awsBatch, boto3, cliError, policy, sdkError, serviceAccountTrust, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

let s: TestServer
let trust: string
beforeAll(async () => {
  s = await startTestServer()
  trust = serviceAccountTrust(s, 'team-a', 'app')
})
afterAll(async () => {
  await s.close()
})

describe('roles through the AWS CLI v1', () => {
  it('creates, reads, updates, tags and untags a role, printing decoded trust policies', async () => {
    const trust2 = serviceAccountTrust(s, 'team-a', 'worker')
    const [created, got, upd, updDesc, updTrust, after, tag, untag, tags, listed] = await awsBatch(s, [
      ['iam', 'create-role', '--role-name', 'app', '--path', '/team-a/', '--description', 'The app', '--max-session-duration', '7200',
        '--assume-role-policy-document', trust, '--tags', 'Key=team,Value=a', 'Key=env,Value=prod'],
      ['iam', 'get-role', '--role-name', 'APP'],
      ['iam', 'update-role', '--role-name', 'app', '--description', 'Updated', '--max-session-duration', '43200'],
      ['iam', 'update-role-description', '--role-name', 'app', '--description', 'Described'],
      ['iam', 'update-assume-role-policy', '--role-name', 'app', '--policy-document', trust2],
      ['iam', 'get-role', '--role-name', 'app'],
      ['iam', 'tag-role', '--role-name', 'app', '--tags', 'Key=TEAM,Value=b', 'Key=tier,Value=web'],
      ['iam', 'untag-role', '--role-name', 'app', '--tag-keys', 'env'],
      ['iam', 'list-role-tags', '--role-name', 'app'],
      ['iam', 'list-roles', '--path-prefix', '/team-a/'],
    ])
    expect(created?.rc).toBe(0)
    const role = (created?.json as { Role: Record<string, unknown> }).Role
    expect(role).toMatchObject({
      Path: '/team-a/',
      RoleName: 'app',
      Arn: 'arn:aws:iam::111122223333:role/team-a/app',
      Description: 'The app',
      MaxSessionDuration: 7200,
      AssumeRolePolicyDocument: JSON.parse(trust) as unknown,
      Tags: [{ Key: 'team', Value: 'a' }, { Key: 'env', Value: 'prod' }],
    })
    expect(role.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/)
    expect(role.CreateDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    // Role names are case-insensitive for lookups.
    expect((got?.json as { Role: Record<string, unknown> }).Role).toMatchObject({ RoleName: 'app', RoleLastUsed: {} })
    expect(upd?.rc).toBe(0)
    expect((updDesc?.json as { Role: Record<string, unknown> }).Role).toMatchObject({ Description: 'Described', MaxSessionDuration: 43200 })
    expect(updTrust).toMatchObject({ rc: 0, out: '' })
    expect((after?.json as { Role: Record<string, unknown> }).Role).toMatchObject({
      Description: 'Described',
      MaxSessionDuration: 43200,
      AssumeRolePolicyDocument: JSON.parse(trust2) as unknown,
    })
    expect([tag?.rc, untag?.rc]).toEqual([0, 0])
    // The CLI follows markers itself and prints only the merged list.
    expect(tags?.json).toEqual({ Tags: [{ Key: 'TEAM', Value: 'b' }, { Key: 'tier', Value: 'web' }] })
    // ListRoles leaves out tags, boundary and last use, as IAM does.
    const roles = (listed?.json as { Roles: Record<string, unknown>[] }).Roles
    expect(roles.map((r) => r.RoleName)).toEqual(['app'])
    expect(roles[0]).not.toHaveProperty('Tags')
    expect(roles[0]).not.toHaveProperty('RoleLastUsed')
    expect(roles[0]).toMatchObject({ Description: 'Described', MaxSessionDuration: 43200 })
  })

  it('answers AWS error codes and messages', async () => {
    const malformedTrust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] })
    const results = await awsBatch(s, [
      ['iam', 'create-role', '--role-name', 'dup', '--assume-role-policy-document', trust],
      ['iam', 'create-role', '--role-name', 'DUP', '--assume-role-policy-document', trust],
      ['iam', 'create-role', '--role-name', 'bad name!', '--assume-role-policy-document', trust],
      ['iam', 'create-role', '--role-name', 'p', '--path', 'no-slash', '--assume-role-policy-document', trust],
      ['iam', 'create-role', '--role-name', 'x'.repeat(65), '--assume-role-policy-document', trust],
      ['iam', 'create-role', '--role-name', 'bad-trust', '--assume-role-policy-document', malformedTrust],
      ['iam', 'create-role', '--role-name', 'not-json', '--assume-role-policy-document', '{"Version":'],
      ['iam', 'create-role', '--role-name', 'bounded', '--assume-role-policy-document', trust, '--permissions-boundary', 'arn:aws:iam::111122223333:policy/none'],
      ['iam', 'create-role', '--role-name', 'tagged', '--assume-role-policy-document', trust, '--tags', 'Key=a,Value=1', 'Key=A,Value=2'],
      ['iam', 'get-role', '--role-name', 'missing'],
      ['iam', 'get-role', '--role-name', 'bad-trust'],
      ['iam', 'update-role', '--role-name', 'missing', '--description', 'x'],
      ['iam', 'update-assume-role-policy', '--role-name', 'dup', '--policy-document', malformedTrust],
      ['iam', 'delete-role', '--role-name', 'missing'],
      ['iam', 'list-role-tags', '--role-name', 'missing'],
      ['iam', 'tag-role', '--role-name', 'dup', '--tags', 'Key=aws:reserved,Value=1'],
    ])
    const errors = results.map(cliError)
    expect(results[0]?.rc).toBe(0)
    expect(errors[1]).toEqual({ code: 'EntityAlreadyExists', operation: 'CreateRole', message: 'Role with name DUP already exists.' })
    expect(errors[2]?.code).toBe('ValidationError')
    expect(errors[2]?.message).toBe(
      "1 validation error detected: Value 'bad name!' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    )
    expect(errors[3]).toMatchObject({ code: 'ValidationError' })
    expect(errors[3]?.message).toContain("at 'path' failed to satisfy constraint")
    expect(errors[4]?.message).toContain('Member must have length less than or equal to 64')
    expect(errors[5]?.code).toBe('MalformedPolicyDocument')
    expect(errors[6]?.code).toBe('MalformedPolicyDocument')
    expect(errors[7]).toEqual({
      code: 'NoSuchEntity',
      operation: 'CreateRole',
      message: 'Scope ARN: arn:aws:iam::111122223333:policy/none does not exist or is not attachable.',
    })
    expect(errors[8]).toMatchObject({ code: 'InvalidInput', message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.' })
    expect(errors[9]).toEqual({ code: 'NoSuchEntity', operation: 'GetRole', message: 'The role with name missing cannot be found.' })
    expect(errors[10]?.code).toBe('NoSuchEntity')
    // botocore checks the minimum itself; the JS SDK sends the value and the server answers.
    const short = await sdkError(s.iam.send(new UpdateRoleCommand({ RoleName: 'dup', MaxSessionDuration: 100 })))
    expect(short).toEqual({
      code: 'ValidationError',
      status: 400,
      message: "1 validation error detected: Value '100' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
    })
    expect(errors[11]?.code).toBe('NoSuchEntity')
    expect(errors[12]?.code).toBe('MalformedPolicyDocument')
    expect(errors[13]).toMatchObject({ code: 'NoSuchEntity', operation: 'DeleteRole' })
    expect(errors[14]).toMatchObject({ code: 'NoSuchEntity', operation: 'ListRoleTags' })
    expect(errors[15]?.code).toBe('InvalidInput')
    // None of the failed creates left a role behind.
    const names = (await s.iam.send(new ListRolesCommand({}))).Roles?.map((r) => r.RoleName)
    expect(names).not.toContain('bad-trust')
    expect(names).not.toContain('bounded')
    expect(names).not.toContain('tagged')
  })

  it('the aws launcher script itself prints errors and exits 254/255', async () => {
    const r = await aws(s, ['iam', 'get-role', '--role-name', 'missing-too'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name missing-too cannot be found.')
  })
})

describe('DeleteRole with boto3', () => {
  it('refuses while policies remain, then deletes', async () => {
    const out = await boto3(
      s,
      `
trust = ${JSON.stringify(trust)}
doc = ${JSON.stringify(policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }))}
iam.create_role(RoleName="doomed", AssumeRolePolicyDocument=trust)
arn = iam.create_policy(PolicyName="doomed-managed", PolicyDocument=doc)["Policy"]["Arn"]
iam.put_role_policy(RoleName="doomed", PolicyName="inline", PolicyDocument=doc)
iam.attach_role_policy(RoleName="doomed", PolicyArn=arn)
emit(call(iam.delete_role, RoleName="doomed"))
iam.detach_role_policy(RoleName="doomed", PolicyArn=arn)
emit(call(iam.delete_role, RoleName="doomed"))
iam.delete_role_policy(RoleName="doomed", PolicyName="inline")
emit(call(iam.delete_role, RoleName="doomed"))
emit(call(iam.get_role, RoleName="doomed"))
`,
    )
    expect(out[0]).toEqual({ Error: { Type: 'Sender', Code: 'DeleteConflict', Message: 'Cannot delete entity, must detach all policies first.' }, Status: 409 })
    expect(out[1]).toEqual({ Error: { Type: 'Sender', Code: 'DeleteConflict', Message: 'Cannot delete entity, must delete policies first.' }, Status: 409 })
    expect(out[2]).toEqual({})
    expect(out[3]).toMatchObject({ Error: { Code: 'NoSuchEntity' }, Status: 404 })
  })
})

describe('ListRoles pagination', () => {
  it('pages with MaxItems and Marker (SDK v3), and the CLI follows markers', async () => {
    for (const n of ['page-e', 'page-a', 'Page-c', 'page-b', 'page-d']) {
      await s.iam.send(new CreateRoleCommand({ RoleName: n, Path: '/paged/', AssumeRolePolicyDocument: trust }))
    }
    const first = await s.iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2 }))
    expect(first.IsTruncated).toBe(true)
    expect(first.Roles?.map((r) => r.RoleName)).toEqual(['page-a', 'page-b'])
    const second = await s.iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }))
    expect(second.Roles?.map((r) => r.RoleName)).toEqual(['Page-c', 'page-d'])
    const third = await s.iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: second.Marker }))
    expect(third.Roles?.map((r) => r.RoleName)).toEqual(['page-e'])
    expect(third.IsTruncated).toBe(false)
    expect(third.Marker).toBeUndefined()

    const all: string[] = []
    for await (const page of paginateListRoles({ client: s.iam, pageSize: 2 }, { PathPrefix: '/paged/' })) all.push(...(page.Roles ?? []).map((r) => r.RoleName ?? ''))
    expect(all).toEqual(['page-a', 'page-b', 'Page-c', 'page-d', 'page-e'])

    const [cli, cliMax] = await awsBatch(s, [
      ['iam', 'list-roles', '--path-prefix', '/paged/', '--page-size', '2'],
      ['iam', 'list-roles', '--path-prefix', '/paged/', '--max-items', '3'],
    ])
    expect((cli?.json as { Roles: { RoleName: string }[] }).Roles.map((r) => r.RoleName)).toEqual(all)
    expect((cliMax?.json as { Roles: unknown[]; NextToken?: string }).Roles).toHaveLength(3)
    expect((cliMax?.json as { NextToken?: string }).NextToken).toBeDefined()

    const bad = await sdkError(s.iam.send(new ListRolesCommand({ MaxItems: 0 })))
    expect(bad).toMatchObject({ code: 'ValidationError', status: 400 })
  })

  it('returns the boundary and tags from GetRole but not from ListRoles', async () => {
    const doc = policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' })
    const out = await boto3(
      s,
      `
arn = iam.create_policy(PolicyName="boundary-for-list", PolicyDocument=${JSON.stringify(doc)})["Policy"]["Arn"]
r = iam.create_role(RoleName="with-boundary", Path="/bounded/", AssumeRolePolicyDocument=${JSON.stringify(trust)}, PermissionsBoundary=arn, Tags=[{"Key": "k", "Value": "v"}])["Role"]
emit(r.get("PermissionsBoundary"))
emit(iam.get_role(RoleName="with-boundary")["Role"].get("PermissionsBoundary"))
emit(iam.list_roles(PathPrefix="/bounded/")["Roles"][0])
`,
    )
    const boundary = { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: 'arn:aws:iam::111122223333:policy/boundary-for-list' }
    expect(out[0]).toEqual(boundary)
    expect(out[1]).toEqual(boundary)
    expect(out[2]).not.toHaveProperty('PermissionsBoundary')
    expect(out[2]).not.toHaveProperty('Tags')
    const got = await s.iam.send(new GetRoleCommand({ RoleName: 'with-boundary' }))
    expect(got.Role?.Tags).toEqual([{ Key: 'k', Value: 'v' }])
    // The JS SDK does not decode policy documents: they arrive URL-encoded, as IAM sends them.
    expect(JSON.parse(decodeURIComponent(got.Role?.AssumeRolePolicyDocument ?? ''))).toEqual(JSON.parse(trust))
  })
})

describe('role tags (SDK v3)', () => {
  it('caps a role at 50 tags atomically, pages ListRoleTags, untags case-insensitively', async () => {
    const tags = Array.from({ length: 49 }, (_, i) => ({ Key: `k${String(i).padStart(2, '0')}`, Value: `v${i}` }))
    await s.iam.send(new CreateRoleCommand({ RoleName: 'many-tags', AssumeRolePolicyDocument: trust, Tags: tags }))
    const over = await sdkError(s.iam.send(new TagRoleCommand({ RoleName: 'many-tags', Tags: [{ Key: 'new1', Value: '' }, { Key: 'new2', Value: '' }] })))
    expect(over).toEqual({ code: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for TagsPerRole: 50' })
    // Replacing an existing key (any case) does not count as a new tag.
    await s.iam.send(new TagRoleCommand({ RoleName: 'many-tags', Tags: [{ Key: 'K00', Value: 'replaced' }, { Key: 'new1', Value: '' }] }))
    const page = await s.iam.send(new ListRoleTagsCommand({ RoleName: 'many-tags', MaxItems: 30 }))
    expect(page.Tags).toHaveLength(30)
    expect(page.Tags?.[0]).toEqual({ Key: 'K00', Value: 'replaced' })
    expect(page.IsTruncated).toBe(true)
    const rest = await s.iam.send(new ListRoleTagsCommand({ RoleName: 'many-tags', Marker: page.Marker }))
    expect(rest.Tags).toHaveLength(20)
    expect(rest.Tags?.[19]).toEqual({ Key: 'new1', Value: '' })
    await s.iam.send(new UntagRoleCommand({ RoleName: 'many-tags', TagKeys: ['k00', 'NEW1', 'absent'] }))
    expect((await s.iam.send(new ListRoleTagsCommand({ RoleName: 'many-tags' }))).Tags).toHaveLength(48)
    const badKey = await sdkError(s.iam.send(new TagRoleCommand({ RoleName: 'many-tags', Tags: [{ Key: 'bad#key', Value: 'v' }] })))
    expect(badKey.code).toBe('ValidationError')
    expect(badKey.message).toContain("at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern")
  })
})
