// Authorization of IAM calls made with role-session credentials: a service-account token of the
// server's own issuer is exchanged at STS (AssumeRoleWithWebIdentity), and the session's IAM calls
// are judged by the engine against the role's policies and permissions boundary.
import { CreatePolicyCommand, CreateRoleCommand, DeleteRoleCommand, GetRoleCommand, ListRolesCommand, PutRolePolicyCommand, TagRoleCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { awsBatch, cliError, policy, sdkError, serviceAccountTrust, sessionFor, startTestServer } from './helpers.js'
import type { Credentials, TestServer } from './helpers.js'

const ACCOUNT = '111122223333'
const TARGET = `arn:aws:iam::${ACCOUNT}:role/target`

let s: TestServer
const sessions: Record<string, Credentials> = {}

async function role(name: string, permissions: string, boundaryArn?: string): Promise<void> {
  await s.iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: serviceAccountTrust(s, 'apps', name), ...(boundaryArn === undefined ? {} : { PermissionsBoundary: boundaryArn }) }),
  )
  await s.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'permissions', PolicyDocument: permissions }))
  sessions[name] = await sessionFor(s, `arn:aws:iam::${ACCOUNT}:role/${name}`, 'apps', name)
}

beforeAll(async () => {
  s = await startTestServer()
  await s.iam.send(new CreateRoleCommand({ RoleName: 'target', AssumeRolePolicyDocument: serviceAccountTrust(s, 'apps', 'target') }))
  await role('reader', policy({ Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListRoles'], Resource: '*' }))
  await role('s3-only', policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }))
  await role(
    'admin-but',
    policy({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:DeleteRole', Resource: TARGET }),
  )
  const boundary = await s.iam.send(new CreatePolicyCommand({ PolicyName: 'get-only', PolicyDocument: policy({ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }) }))
  await role('bounded', policy({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }), boundary.Policy?.Arn)
  // Delegated administration: may create roles only with the get-only boundary, and read only
  // roles tagged team=blue.
  await role(
    'delegated',
    policy(
      { Effect: 'Allow', Action: 'iam:CreateRole', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': boundary.Policy?.Arn } } },
      { Effect: 'Allow', Action: 'iam:GetRole', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } } },
      { Effect: 'Allow', Action: 'iam:TagRole', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } } },
    ),
  )
  boundaryArn = boundary.Policy?.Arn as string
})
let boundaryArn = ''
afterAll(async () => {
  await s.close()
})

const session = (name: string): string => `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/test-session`

describe('IAM calls signed with role-session credentials', () => {
  it('a role allowed iam:GetRole can call it', async () => {
    const c = s.client(sessions.reader as Credentials)
    expect((await c.send(new GetRoleCommand({ RoleName: 'target' }))).Role?.Arn).toBe(TARGET)
    expect((await c.send(new ListRolesCommand({}))).Roles?.length).toBeGreaterThan(1)
  })

  it('a role without it gets AccessDenied, naming caller, action and resource', async () => {
    const c = s.client(sessions['s3-only'] as Credentials)
    expect(await sdkError(c.send(new GetRoleCommand({ RoleName: 'target' })))).toEqual({
      code: 'AccessDenied',
      status: 403,
      message: `User: ${session('s3-only')} is not authorized to perform: iam:GetRole on resource: ${TARGET} because no identity-based policy allows the iam:GetRole action`,
    })
    // Authorization comes before existence: no probing for role names.
    expect((await sdkError(c.send(new GetRoleCommand({ RoleName: 'no-such-role' })))).code).toBe('AccessDenied')
    expect((await sdkError(c.send(new ListRolesCommand({})))).message).toBe(
      `User: ${session('s3-only')} is not authorized to perform: iam:ListRoles on resource: * because no identity-based policy allows the iam:ListRoles action`,
    )
  })

  it('an explicit Deny wins over an Allow', async () => {
    const c = s.client(sessions['admin-but'] as Credentials)
    expect((await c.send(new GetRoleCommand({ RoleName: 'target' }))).Role?.RoleName).toBe('target')
    expect(await sdkError(c.send(new DeleteRoleCommand({ RoleName: 'target' })))).toEqual({
      code: 'AccessDenied',
      status: 403,
      message: `User: ${session('admin-but')} is not authorized to perform: iam:DeleteRole on resource: ${TARGET} with an explicit deny in an identity-based policy`,
    })
    expect((await s.iam.send(new GetRoleCommand({ RoleName: 'target' }))).Role).toBeDefined()
  })

  it('a permissions boundary limits what the role policy allows', async () => {
    const c = s.client(sessions.bounded as Credentials)
    expect((await c.send(new GetRoleCommand({ RoleName: 'target' }))).Role?.RoleName).toBe('target')
    expect((await sdkError(c.send(new ListRolesCommand({})))).message).toBe(
      `User: ${session('bounded')} is not authorized to perform: iam:ListRoles on resource: * because no permissions boundary allows the iam:ListRoles action`,
    )
  })

  it('request and resource condition keys: iam:PermissionsBoundary, aws:ResourceTag, aws:TagKeys', async () => {
    const c = s.client(sessions.delegated as Credentials)
    const trust = serviceAccountTrust(s, 'apps', 'x')
    expect((await sdkError(c.send(new CreateRoleCommand({ RoleName: 'unbounded', AssumeRolePolicyDocument: trust })))).code).toBe('AccessDenied')
    const made = await c.send(new CreateRoleCommand({ RoleName: 'bounded-child', AssumeRolePolicyDocument: trust, PermissionsBoundary: boundaryArn, Tags: [{ Key: 'team', Value: 'blue' }] }))
    expect(made.Role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(boundaryArn)
    expect((await c.send(new GetRoleCommand({ RoleName: 'bounded-child' }))).Role?.RoleName).toBe('bounded-child')
    expect((await sdkError(c.send(new GetRoleCommand({ RoleName: 'target' })))).code).toBe('AccessDenied')
    await c.send(new TagRoleCommand({ RoleName: 'bounded-child', Tags: [{ Key: 'team', Value: 'green' }] }))
    expect((await sdkError(c.send(new TagRoleCommand({ RoleName: 'bounded-child', Tags: [{ Key: 'owner', Value: 'me' }] })))).code).toBe('AccessDenied')
    // Now tagged team=green: the resource tag no longer allows reading it.
    expect((await sdkError(c.send(new GetRoleCommand({ RoleName: 'bounded-child' })))).code).toBe('AccessDenied')
  })

  it('the CLI signs with the session token too', async () => {
    const [ok, denied] = await awsBatch(s, [['iam', 'get-role', '--role-name', 'target'], ['iam', 'list-policies']], sessions.reader as Credentials)
    expect((ok?.json as { Role: { Arn: string } }).Role.Arn).toBe(TARGET)
    expect(cliError(denied!)).toEqual({
      code: 'AccessDenied',
      operation: 'ListPolicies',
      message: `User: ${session('reader')} is not authorized to perform: iam:ListPolicies on resource: * because no identity-based policy allows the iam:ListPolicies action`,
    })
  })
})
