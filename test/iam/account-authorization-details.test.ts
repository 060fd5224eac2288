// GetAccountAuthorizationDetails: the exact shape `aws iam get-account-authorization-details` prints
// (the auditor reads it), filters, and pagination.
import { AttachRolePolicyCommand, CreatePolicyCommand, CreatePolicyVersionCommand, CreateRoleCommand, GetAccountAuthorizationDetailsCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { awsBatch, cliError, policy, sdkError, serviceAccountTrust, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

const ACCOUNT = '111122223333'
const READ = policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' })
const WRITE = policy({ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' })
const BOUNDARY = policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' })

let s: TestServer
let trust: string
beforeAll(async () => {
  s = await startTestServer()
  trust = serviceAccountTrust(s, 'ns', 'app')
  const boundary = await s.iam.send(new CreatePolicyCommand({ PolicyName: 'boundary', Path: '/guard/', PolicyDocument: BOUNDARY }))
  const read = await s.iam.send(new CreatePolicyCommand({ PolicyName: 'read', PolicyDocument: READ, Description: 'read b' }))
  await s.iam.send(new CreatePolicyVersionCommand({ PolicyArn: read.Policy?.Arn, PolicyDocument: WRITE }))
  await s.iam.send(
    new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust, PermissionsBoundary: boundary.Policy?.Arn, Tags: [{ Key: 'team', Value: 'a' }] }),
  )
  await s.iam.send(new CreateRoleCommand({ RoleName: 'bare', Path: '/svc/', AssumeRolePolicyDocument: trust }))
  await s.iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'write', PolicyDocument: WRITE }))
  await s.iam.send(new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: read.Policy?.Arn }))
})
afterAll(async () => {
  await s.close()
})

describe('GetAccountAuthorizationDetails', () => {
  it('prints roles and policies in the CLI shape, documents decoded', async () => {
    const [all, rolesOnly, localOnly, paged, bad] = await awsBatch(s, [
      ['iam', 'get-account-authorization-details'],
      ['iam', 'get-account-authorization-details', '--filter', 'Role'],
      ['iam', 'get-account-authorization-details', '--filter', 'LocalManagedPolicy', 'User'],
      ['iam', 'get-account-authorization-details', '--page-size', '1'],
      ['iam', 'get-account-authorization-details', '--filter', 'Robots'],
    ])
    const out = all?.json as Record<string, unknown>
    expect(Object.keys(out)).toEqual(['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'])
    expect(out.UserDetailList).toEqual([])
    expect(out.GroupDetailList).toEqual([])
    const roles = out.RoleDetailList as Record<string, unknown>[]
    expect(roles.map((r) => r.RoleName)).toEqual(['app', 'bare'])
    const app = roles[0] as Record<string, unknown>
    expect(Object.keys(app)).toEqual([
      'Path', 'RoleName', 'RoleId', 'Arn', 'CreateDate', 'AssumeRolePolicyDocument', 'InstanceProfileList', 'RolePolicyList',
      'AttachedManagedPolicies', 'PermissionsBoundary', 'Tags', 'RoleLastUsed',
    ])
    expect(app).toMatchObject({
      Path: '/',
      Arn: `arn:aws:iam::${ACCOUNT}:role/app`,
      AssumeRolePolicyDocument: JSON.parse(trust) as unknown,
      InstanceProfileList: [],
      RolePolicyList: [{ PolicyName: 'write', PolicyDocument: JSON.parse(WRITE) as unknown }],
      AttachedManagedPolicies: [{ PolicyName: 'read', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/read` }],
      PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/guard/boundary` },
      Tags: [{ Key: 'team', Value: 'a' }],
      RoleLastUsed: {},
    })
    expect(roles[1]).toMatchObject({ Path: '/svc/', RolePolicyList: [], AttachedManagedPolicies: [], Tags: [] })
    expect(roles[1]).not.toHaveProperty('PermissionsBoundary')

    const policies = out.Policies as Record<string, unknown>[]
    expect(policies.map((p) => p.PolicyName)).toEqual(['boundary', 'read'])
    const read = policies[1] as Record<string, unknown>
    expect(Object.keys(read)).toEqual([
      'PolicyName', 'PolicyId', 'Arn', 'Path', 'DefaultVersionId', 'AttachmentCount', 'PermissionsBoundaryUsageCount', 'IsAttachable',
      'Description', 'CreateDate', 'UpdateDate', 'PolicyVersionList',
    ])
    expect(read).toMatchObject({ DefaultVersionId: 'v1', AttachmentCount: 1, PermissionsBoundaryUsageCount: 0, IsAttachable: true, Description: 'read b' })
    expect(read.PolicyVersionList).toEqual([
      { Document: JSON.parse(WRITE) as unknown, VersionId: 'v2', IsDefaultVersion: false, CreateDate: expect.any(String) as unknown },
      { Document: JSON.parse(READ) as unknown, VersionId: 'v1', IsDefaultVersion: true, CreateDate: expect.any(String) as unknown },
    ])
    expect(policies[0]).toMatchObject({ AttachmentCount: 0, PermissionsBoundaryUsageCount: 1 })

    expect((rolesOnly?.json as Record<string, unknown[]>).RoleDetailList).toHaveLength(2)
    expect((rolesOnly?.json as Record<string, unknown[]>).Policies).toEqual([])
    expect((localOnly?.json as Record<string, unknown[]>).RoleDetailList).toEqual([])
    expect((localOnly?.json as Record<string, unknown[]>).Policies).toHaveLength(2)
    // The CLI follows markers page by page and merges the lists: the same document.
    expect(paged?.json).toEqual(all?.json)
    expect(cliError(bad!)?.code).toBe('ValidationError')
  })

  it('pages with MaxItems and Marker across roles and policies (SDK v3)', async () => {
    const seen: string[] = []
    let marker: string | undefined
    let pages = 0
    do {
      const page = await s.iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 3, Marker: marker }))
      pages++
      seen.push(...(page.RoleDetailList ?? []).map((r) => `role:${r.RoleName}`), ...(page.Policies ?? []).map((p) => `policy:${p.PolicyName}`))
      expect(page.UserDetailList).toEqual([])
      marker = page.IsTruncated ? page.Marker : undefined
    } while (marker !== undefined)
    expect(pages).toBe(2)
    expect(seen).toEqual(['role:app', 'role:bare', 'policy:boundary', 'policy:read'])
    const first = await s.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }))
    expect(decodeURIComponent(first.RoleDetailList?.[0]?.RolePolicyList?.[0]?.PolicyDocument ?? '')).toBe(WRITE)
    expect(await sdkError(s.iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1001 })))).toMatchObject({ code: 'ValidationError' })
  })
})
