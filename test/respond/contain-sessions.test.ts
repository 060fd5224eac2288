// `irsa contain --session-name` / `--access-key-id` on a real server: a Deny on `aws:userid`
// (`<role id>:<session name>`) cuts off exactly the named sessions of a role; another session of the
// same role and service account keeps working, and `--undo` restores the named one.
import { GetRoleCommand, GetRolePolicyCommand, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runContain } from '../../src/cli/contain.js'
import { REVOKE_POLICY_NAME } from '../../src/respond/revoke-policy.js'
import { getRole, outcome, policy, startTestServer, trust } from './helpers.js'
import type { Credentials, TestServer } from './helpers.js'

let s: TestServer
let roleId: string

beforeAll(async () => {
  s = await startTestServer()
  await s.iam.send(new CreateRoleCommand({ RoleName: 'api', AssumeRolePolicyDocument: trust(s, ['shop/api']) }))
  await s.iam.send(new PutRolePolicyCommand({ RoleName: 'api', PolicyName: 'read', PolicyDocument: policy({ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }) }))
  roleId = (await s.iam.send(new GetRoleCommand({ RoleName: 'api' }))).Role?.RoleId ?? ''
  expect(roleId).toMatch(/^AROA/)
})
afterAll(async () => {
  await s?.close()
})

async function revokeDocument(): Promise<unknown> {
  return JSON.parse(decodeURIComponent((await s.iam.send(new GetRolePolicyCommand({ RoleName: 'api', PolicyName: REVOKE_POLICY_NAME }))).PolicyDocument ?? ''))
}

function containmentId(r: Awaited<ReturnType<typeof runContain>>): string {
  return r.action === 'contain' ? r.containment.id : ''
}

describe('contain one session of a role', () => {
  it('--session-name denies that session by aws:userid; another session of the same role keeps working', async () => {
    const a: Credentials = await s.assume('api', 'shop', 'api', { sessionName: 'api-a' })
    const b: Credentials = await s.assume('api', 'shop', 'api', { sessionName: 'api-b' })
    expect([await getRole(s, a, 'api'), await getRole(s, b, 'api')]).toEqual(['OK', 'OK'])

    const r = await runContain({ role: s.roleArn('api'), sessionName: ['api-a'], reason: 'INC-7', data: s.data })
    const id = containmentId(r)
    expect(r.action === 'contain' ? r.containment.sessions : undefined).toEqual([`${roleId}:api-a`])
    expect(await revokeDocument()).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: `IrsaContain${id.replace('-', '')}`, Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { StringEquals: { 'aws:userid': `${roleId}:api-a` } } }],
    })
    expect(await getRole(s, a, 'api')).toBe('AccessDenied')
    expect(await getRole(s, b, 'api')).toBe('OK')
    // A new session of the same service account under another name works; the named session stays cut off.
    expect(await getRole(s, await s.assume('api', 'shop', 'api', { sessionName: 'api-c' }), 'api')).toBe('OK')

    await runContain({ undo: id, data: s.data })
    expect(await getRole(s, a, 'api')).toBe('OK')
    expect(await outcome(s.iam.send(new GetRolePolicyCommand({ RoleName: 'api', PolicyName: REVOKE_POLICY_NAME })))).toBe('NoSuchEntity')
  })

  it('--access-key-id finds the session in the decision log', async () => {
    const a = await s.assume('api', 'shop', 'api', { sessionName: 'key-a' })
    const b = await s.assume('api', 'shop', 'api', { sessionName: 'key-b' })
    const r = await runContain({ role: s.roleArn('api'), accessKeyId: [b.accessKeyId], data: s.data })
    expect(r.action === 'contain' ? r.containment.sessions : undefined).toEqual([`${roleId}:key-b`])
    expect([await getRole(s, a, 'api'), await getRole(s, b, 'api')]).toEqual(['OK', 'AccessDenied'])
    await runContain({ undo: containmentId(r), data: s.data })
    expect(await getRole(s, b, 'api')).toBe('OK')
  })

  it('refuses an unknown key, a bad session name, and --all-sessions with names', async () => {
    await expect(runContain({ role: s.roleArn('api'), accessKeyId: ['ASIAUNKNOWNKEY000000'], data: s.data })).rejects.toMatchObject({ code: 'ERR_CLI_INPUT' })
    await expect(runContain({ role: s.roleArn('api'), sessionName: ['a b'], data: s.data })).rejects.toMatchObject({ code: 'ERR_CLI_USAGE' })
    await expect(runContain({ role: s.roleArn('api'), sessionName: ['api-a'], allSessions: true, data: s.data })).rejects.toMatchObject({ code: 'ERR_CLI_USAGE' })
    expect(await outcome(s.iam.send(new GetRolePolicyCommand({ RoleName: 'api', PolicyName: REVOKE_POLICY_NAME })))).toBe('NoSuchEntity')
  })

  it('--all-sessions with a service account revokes every older session of the role (aws:TokenIssueTime)', async () => {
    const a = await s.assume('api', 'shop', 'api', { sessionName: 'all-a' })
    const r = await runContain({ role: s.roleArn('api'), serviceAccount: 'other/thing', allSessions: true, data: s.data })
    const c = r.action === 'contain' ? r.containment : undefined
    expect(await revokeDocument()).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: `IrsaContain${(c?.id ?? '').replace('-', '')}`, Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { 'aws:TokenIssueTime': c?.issuedBefore } } }],
    })
    expect(await getRole(s, a, 'api')).toBe('AccessDenied')
    await runContain({ undo: c?.id ?? '', data: s.data })
  })
})
