// A scripted compromise against a real server: two service accounts share a role, the compromised
// one also reaches an admin role through a loose trust policy. `irsa investigate` (the CLI module,
// opening the same --data as the server) must list exactly what the script did; `irsa contain` must
// cut off exactly the compromised workload, at once, and `--undo` must restore it.
import { CreateRoleCommand, DeleteRoleCommand, GetRoleCommand, GetRolePolicyCommand, ListRolesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { containCommand, runContain } from '../../src/cli/contain.js'
import { investigateCommand, runInvestigation } from '../../src/cli/investigate.js'
import type { ContainmentRecord } from '../../src/respond/containment-store.js'
import type { Investigation } from '../../src/respond/investigate.js'
import { REVOKE_POLICY_NAME } from '../../src/respond/revoke-policy.js'
import { awsCli, getRole, outcome, policy, startTestServer, trust } from './helpers.js'
import type { Credentials, TestServer } from './helpers.js'

let s: TestServer
const trusts: Record<string, string> = {}

async function role(name: string, trustPolicy: string, permissions: string): Promise<void> {
  trusts[name] = trustPolicy
  await s.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustPolicy }))
  await s.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'permissions', PolicyDocument: permissions }))
}

async function investigation(flags: Parameters<typeof runInvestigation>[0]): Promise<Investigation> {
  let out = ''
  const code = await investigateCommand({ ...flags, data: s.data, format: 'json' }, { stdout: (x) => (out += x), now: () => Date.now() })
  expect(code).toBe(0)
  return JSON.parse(out) as Investigation
}

const READ_ROLES = policy({ Sid: 'ReadRoles', Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListRoles'], Resource: '*' })

beforeAll(async () => {
  s = await startTestServer()
  await role('payments', trust(s, ['shop/checkout', 'shop/ledger']), READ_ROLES)
  await role('payments-admin', trust(s, ['shop/*'], true), policy({ Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' }))
  await role('unrelated', trust(s, ['other/thing']), policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }))
  await role('batch', trust(s, ['jobs/a', 'jobs/b']), READ_ROLES)
  await s.serving.rt.store.putBinding({ namespace: 'shop', serviceAccount: 'checkout', roleArn: s.roleArn('payments'), audience: undefined })
  await s.serving.rt.store.putBinding({ namespace: 'shop', serviceAccount: 'ledger', roleArn: s.roleArn('payments'), audience: undefined })
})
afterAll(async () => {
  await s?.close()
})

describe('a scripted compromise of shop/checkout', () => {
  const sessions: Record<string, Credentials> = {}
  let started = 0
  let containment: ContainmentRecord

  it('stages the incident', async () => {
    started = Date.now()
    sessions.checkout = await s.assume('payments', 'shop', 'checkout', { pod: 'checkout-7d9f', sessionName: 'checkout-a' })
    expect(await outcome(s.assume('unrelated', 'shop', 'checkout', { pod: 'checkout-7d9f', sessionName: 'probe' }))).toBe('AccessDenied')
    sessions.escalated = await s.assume('payments-admin', 'shop', 'checkout', { pod: 'checkout-7d9f', sessionName: 'checkout-b' })
    sessions.ledger = await s.assume('payments', 'shop', 'ledger', { pod: 'ledger-0', sessionName: 'ledger-a' })
    expect(await outcome(s.client(sessions.checkout).send(new DeleteRoleCommand({ RoleName: 'unrelated' })))).toBe('AccessDenied')
  })

  it('investigate --service-account lists exactly the exchanges, sessions and reachable roles', async () => {
    const inv = await investigation({ serviceAccount: 'shop/checkout' })
    expect(inv.target).toEqual({ kind: 'service-account', namespace: 'shop', name: 'checkout', subject: 'system:serviceaccount:shop:checkout' })
    expect(inv.timeline.map((e) => [e.action, e.outcome, e.roleArn, e.sessionName])).toEqual([
      ['sts:AssumeRoleWithWebIdentity', 'Allow', s.roleArn('payments'), 'checkout-a'],
      ['sts:AssumeRoleWithWebIdentity', 'Deny', s.roleArn('unrelated'), 'probe'],
      ['sts:AssumeRoleWithWebIdentity', 'Allow', s.roleArn('payments-admin'), 'checkout-b'],
      ['iam:DeleteRole', 'Deny', s.roleArn('payments'), 'checkout-a'],
    ])
    for (const e of inv.timeline.slice(0, 3)) {
      expect(e.pod?.name).toBe('checkout-7d9f')
      expect(e.jti).toMatch(/^[0-9a-f-]{36}$/)
      expect(e.sourceIp).toBe('127.0.0.1')
    }
    expect(new Set(inv.timeline.slice(0, 3).map((e) => e.jti)).size).toBe(3)
    expect(inv.timeline[1]?.code).toBe('AccessDenied')
    expect(inv.liveSessions.map((x) => x.accessKeyId).sort()).toEqual([sessions.checkout?.accessKeyId, sessions.escalated?.accessKeyId].sort())
    expect(inv.sessions).toHaveLength(2)
    const live = inv.liveSessions.find((x) => x.accessKeyId === sessions.checkout?.accessKeyId)
    expect(live).toMatchObject({ roleArn: s.roleArn('payments'), sessionName: 'checkout-a', subject: 'system:serviceaccount:shop:checkout', pod: { name: 'checkout-7d9f' }, status: 'live', sourceIp: '127.0.0.1' })
    expect(inv.summary).toMatchObject({ decisions: 4, exchangesAllowed: 2, exchangesDenied: 1, otherDenials: 1, sessions: 2, liveSessions: 2, revokedSessions: 0, sourceIps: ['127.0.0.1'], pods: ['shop/checkout-7d9f'] })

    // Blast radius: the annotated role and the admin role its trust reaches, not the unrelated one.
    const b = inv.blastRadius.serviceAccounts[0]
    expect(b?.boundRole).toBe(s.roleArn('payments'))
    expect(b?.roles.map((r) => [r.arn, r.tier, r.admitted])).toEqual([
      [s.roleArn('payments-admin'), 'P0', true],
      [s.roleArn('payments'), 'P4', true],
    ])
    const admin = b?.roles[0]
    expect(admin?.via).toEqual(['trust admits it'])
    expect(admin?.sensitive[0]).toMatchObject({ category: 'admin (AllActionsOnAllResources)', action: expect.any(String) as string })
    expect(admin?.sensitive[0]?.statements[0]).toMatch(/Everything/)
    expect(b?.roles[1]?.via).toEqual(['annotation', 'trust admits it'])
    expect(b?.roles[1]?.statements.map((x) => x.sid)).toEqual(['ReadRoles'])
    expect(b?.byTier).toEqual({ P0: [s.roleArn('payments-admin')], P4: [s.roleArn('payments')] })
    expect(b?.highestTier).toBe('P0')
  })

  it('investigate --pod and --role narrow and widen the same log', async () => {
    const pod = await investigation({ pod: 'shop/checkout-7d9f' })
    expect(pod.timeline).toHaveLength(3)
    expect(pod.serviceAccounts).toEqual(['shop/checkout'])
    expect(pod.liveSessions).toHaveLength(2)

    const r = await investigation({ role: s.roleArn('payments'), since: '10m' })
    expect(r.timeline.map((e) => e.sessionName)).toEqual(['checkout-a', 'ledger-a', 'checkout-a'])
    expect(r.liveSessions.map((x) => x.accessKeyId).sort()).toEqual([sessions.checkout?.accessKeyId, sessions.ledger?.accessKeyId].sort())
    expect(r.serviceAccounts).toEqual(['shop/checkout', 'shop/ledger'])
    expect(r.blastRadius.role).toMatchObject({ role: s.roleArn('payments'), found: true, tier: 'P4' })
    expect(r.blastRadius.role?.whoCan.serviceAccounts.filter((x) => x.admitted).map((x) => x.name)).toEqual(['checkout', 'ledger'])

    // --since narrows the timeline, not the sessions that are still valid.
    const narrow = await investigation({ serviceAccount: 'shop/checkout', since: '0s' })
    expect(narrow.timeline).toEqual([])
    expect(narrow.liveSessions.map((x) => x.accessKeyId).sort()).toEqual([sessions.checkout?.accessKeyId, sessions.escalated?.accessKeyId].sort())

    let text = ''
    await investigateCommand({ serviceAccount: 'shop/checkout', data: s.data }, { stdout: (x) => (text += x), now: () => Date.now() })
    expect(text).toContain('Investigation of service-account shop/checkout')
    expect(text).toContain('P0 admin-equivalent')
    expect(text).toContain(sessions.escalated?.accessKeyId)
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  it('contain --service-account revokes its old session (AccessDenied in the AWS CLI) and only its', async () => {
    const before = await awsCli(s, sessions.checkout as Credentials, ['iam', 'get-role', '--role-name', 'payments'])
    expect(before.code).toBe(0)

    const r = await runContain({ role: s.roleArn('payments'), serviceAccount: 'shop/checkout', reason: 'INC-42 token exfiltrated', data: s.data })
    expect(r.action).toBe('contain')
    containment = (r as { containment: ContainmentRecord }).containment
    expect(containment.id).toMatch(/^ctn-[0-9a-f]{12}$/)

    // The old session of the contained account: refused on its next call, through the AWS CLI.
    const after = await awsCli(s, sessions.checkout as Credentials, ['iam', 'get-role', '--role-name', 'payments'])
    expect(after.code).not.toBe(0)
    expect(after.stderr).toMatch(/An error occurred \(AccessDenied\) when calling the GetRole operation: User: arn:aws:sts::\d{12}:assumed-role\/payments\/checkout-a is not authorized to perform: iam:GetRole .* with an explicit deny in an identity-based policy/)
    expect(await outcome(s.client(sessions.checkout as Credentials).send(new ListRolesCommand({})))).toBe('AccessDenied')

    // The other service account on the same role keeps working, old and new sessions alike.
    const other = await awsCli(s, sessions.ledger as Credentials, ['iam', 'get-role', '--role-name', 'payments'])
    expect(other.code).toBe(0)
    expect((JSON.parse(other.stdout) as { Role: { RoleName: string } }).Role.RoleName).toBe('payments')
    const ledgerNew = await s.assume('payments', 'shop', 'ledger', { sessionName: 'ledger-b' })
    expect(await getRole(s, ledgerNew, 'payments')).toBe('OK')

    // New exchanges by the contained account fail at STS.
    expect(await outcome(s.assume('payments', 'shop', 'checkout', { pod: 'checkout-7d9f', sessionName: 'checkout-c' }))).toBe('AccessDenied')
    // The containment is on one role: its session on another role is untouched (and shown live below).
    expect(await getRole(s, sessions.escalated as Credentials, 'payments')).toBe('OK')

    // What changed: the AWS-shaped revoke policy and a trust deny for that one subject.
    const doc = JSON.parse(decodeURIComponent((await s.iam.send(new GetRolePolicyCommand({ RoleName: 'payments', PolicyName: REVOKE_POLICY_NAME }))).PolicyDocument ?? '')) as {
      Statement: { Effect: string; Action: string[]; Resource: string[]; Condition: Record<string, Record<string, string>> }[]
    }
    // One statement for its IRSA sessions (by subject), one for its Pod Identity sessions (by session tags).
    expect(doc.Statement).toHaveLength(2)
    for (const st of doc.Statement) {
      expect(st).toMatchObject({ Effect: 'Deny', Action: ['*'], Resource: ['*'] })
      expect(st.Condition.DateLessThan?.['aws:TokenIssueTime']).toBe(containment.issuedBefore)
    }
    expect(Object.values(doc.Statement[0]?.Condition.StringEquals ?? {})).toEqual(['system:serviceaccount:shop:checkout'])
    expect(doc.Statement[1]?.Condition.StringEquals).toEqual({ 'aws:PrincipalTag/kubernetes-namespace': 'shop', 'aws:PrincipalTag/kubernetes-service-account': 'checkout' })
    const trustNow = decodeURIComponent((await s.iam.send(new GetRoleCommand({ RoleName: 'payments' }))).Role?.AssumeRolePolicyDocument ?? '')
    expect(trustNow).toContain('"Effect":"Deny"')
  })

  it('the investigation shows the session revoked, the containment, and the refused exchange', async () => {
    const inv = await investigation({ serviceAccount: 'shop/checkout' })
    const byKey = new Map(inv.sessions.map((x) => [x.accessKeyId, x]))
    expect(byKey.get(sessions.checkout?.accessKeyId ?? '')).toMatchObject({ status: 'revoked', revokedBy: containment.id })
    expect(byKey.get(sessions.escalated?.accessKeyId ?? '')?.status).toBe('live')
    expect(inv.liveSessions.map((x) => x.accessKeyId)).toEqual([sessions.escalated?.accessKeyId])
    expect(inv.containments.map((c) => c.id)).toEqual([containment.id])
    const tail = inv.timeline.slice(4).map((e) => [e.action, e.outcome, e.sessionName ?? null, e.containmentId ?? null])
    expect(tail).toEqual([
      ['irsa:Contain', 'Allow', null, containment.id],
      ['iam:GetRole', 'Deny', 'checkout-a', null],
      ['iam:ListRoles', 'Deny', 'checkout-a', null],
      ['sts:AssumeRoleWithWebIdentity', 'Deny', 'checkout-c', null],
    ])
    expect(inv.timeline[4]?.reason).toBe('INC-42 token exfiltrated')
    // The trust deny takes the role out of the account's reach; the annotation still names it.
    const payments = inv.blastRadius.serviceAccounts[0]?.roles.find((r) => r.arn === s.roleArn('payments'))
    expect(payments?.admitted).toBe(false)
  })

  it('contain --undo restores exactly the previous policies and the workload', async () => {
    let out = ''
    expect(await containCommand({ undo: containment.id, reason: 'INC-42 keys rotated', data: s.data, format: 'json' }, { stdout: (x) => (out += x), now: () => Date.now() })).toBe(0)
    const undone = JSON.parse(out) as ContainmentRecord
    expect(undone.undo).toEqual({ revokePolicy: 'restored', trustPolicy: 'restored' })
    expect(await getRole(s, sessions.checkout as Credentials, 'payments')).toBe('OK')
    const fresh = await s.assume('payments', 'shop', 'checkout', { sessionName: 'checkout-d' })
    expect(await getRole(s, fresh, 'payments')).toBe('OK')
    expect((await s.iam.send(new GetRoleCommand({ RoleName: 'payments' }))).Role?.AssumeRolePolicyDocument).toBe(encodeURIComponent(trusts.payments as string))
    expect(await outcome(s.iam.send(new GetRolePolicyCommand({ RoleName: 'payments', PolicyName: REVOKE_POLICY_NAME })))).toBe('NoSuchEntity')
    const log = await s.serving.rt.store.listDecisions({ roleArn: s.roleArn('payments'), limit: 1000 })
    expect(log.filter((d) => d.action.startsWith('irsa:')).map((d) => [d.action, d.reason, d.detail?.containmentId])).toEqual([
      ['irsa:Contain', 'INC-42 token exfiltrated', containment.id],
      ['irsa:Undo', 'INC-42 keys rotated', containment.id],
    ])
    await expect(runContain({ undo: containment.id, data: s.data })).rejects.toMatchObject({ code: 'ERR_CLI_INPUT' })
    const listed = await runContain({ list: true, data: s.data })
    expect(listed.action === 'list' ? listed.containments.map((c) => [c.id, c.undoneAt !== undefined]) : []).toEqual([[containment.id, true]])
  })
})

describe('containment without --service-account, and overlapping containments', () => {
  it('revokes every older session of the role, as AWS does; sessions obtained afterwards work', async () => {
    const a1 = await s.assume('batch', 'jobs', 'a')
    const b1 = await s.assume('batch', 'jobs', 'b')
    const r = await runContain({ role: s.roleArn('batch'), reason: 'rotate everything', data: s.data })
    const id = r.action === 'contain' ? r.containment.id : ''
    expect(await getRole(s, a1, 'batch')).toBe('AccessDenied')
    expect(await getRole(s, b1, 'batch')).toBe('AccessDenied')
    const a2 = await s.assume('batch', 'jobs', 'a')
    expect(await getRole(s, a2, 'batch')).toBe('OK')
    await runContain({ undo: id, data: s.data })
    expect(await getRole(s, a1, 'batch')).toBe('OK')
  })

  it('undoing one of two containments leaves the other in force', async () => {
    const a = await s.assume('batch', 'jobs', 'a')
    const b = await s.assume('batch', 'jobs', 'b')
    const c1 = await runContain({ role: s.roleArn('batch'), serviceAccount: 'jobs/a', data: s.data })
    const c2 = await runContain({ role: s.roleArn('batch'), serviceAccount: 'jobs/b', data: s.data })
    expect([await getRole(s, a, 'batch'), await getRole(s, b, 'batch')]).toEqual(['AccessDenied', 'AccessDenied'])
    const u1 = await runContain({ undo: c1.action === 'contain' ? c1.containment.id : '', data: s.data })
    expect(u1.action === 'undo' ? u1.containment.undo : undefined).toEqual({ revokePolicy: 'removed', trustPolicy: 'removed' })
    expect([await getRole(s, a, 'batch'), await getRole(s, b, 'batch')]).toEqual(['OK', 'AccessDenied'])
    expect(await outcome(s.assume('batch', 'jobs', 'a'))).toBe('OK')
    expect(await outcome(s.assume('batch', 'jobs', 'b'))).toBe('AccessDenied')
    await runContain({ undo: c2.action === 'contain' ? c2.containment.id : '', data: s.data })
    expect(await getRole(s, b, 'batch')).toBe('OK')
    expect((await s.iam.send(new GetRoleCommand({ RoleName: 'batch' }))).Role?.AssumeRolePolicyDocument).toBe(encodeURIComponent(trusts.batch as string))
    expect(await outcome(s.iam.send(new GetRolePolicyCommand({ RoleName: 'batch', PolicyName: REVOKE_POLICY_NAME })))).toBe('NoSuchEntity')
  })

  it('refuses bad usage with ERR_CLI_USAGE / ERR_CLI_INPUT', async () => {
    await expect(runContain({ data: s.data })).rejects.toMatchObject({ code: 'ERR_CLI_USAGE' })
    await expect(runContain({ role: s.roleArn('batch'), serviceAccount: 'no-slash', data: s.data })).rejects.toMatchObject({ code: 'ERR_CLI_USAGE' })
    await expect(runContain({ role: s.roleArn('missing'), data: s.data })).rejects.toMatchObject({ code: 'ERR_CLI_INPUT' })
    await expect(runInvestigation({ serviceAccount: 'shop/checkout', role: s.roleArn('batch'), data: s.data })).rejects.toMatchObject({ code: 'ERR_CLI_USAGE' })
    await expect(runInvestigation({ serviceAccount: 'shop/checkout', since: 'yesterday', data: s.data })).rejects.toMatchObject({ code: 'ERR_CLI_USAGE' })
  })

  it('is wired into the built CLI (exit 0 with JSON; exit 2 on bad usage)', () => {
    // Like test/cli, this runs dist/ (npm test builds it first).
    const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
    const irsa = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
      const r = spawnSync(process.execPath, [cli, ...args, '--data', s.data], { encoding: 'utf8' })
      return { code: r.status, stdout: r.stdout, stderr: r.stderr }
    }
    const inv = irsa(['investigate', '--service-account', 'shop/ledger', '--format', 'json'])
    expect(inv.code).toBe(0)
    expect((JSON.parse(inv.stdout) as Investigation).target).toMatchObject({ kind: 'service-account', name: 'ledger' })
    const list = irsa(['contain', '--list', '--format', 'json'])
    expect(list.code).toBe(0)
    expect((JSON.parse(list.stdout) as ContainmentRecord[]).length).toBeGreaterThanOrEqual(4)
    const bad = irsa(['contain', '--service-account', 'shop/checkout'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe('irsa: --service-account needs --role ARN\n')
  })
})
