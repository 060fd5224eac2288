// One shape for both worlds: a real server is driven with the SDK (exchanges allowed and denied, IAM
// calls made with the sessions), its decision log is exported as CloudTrail by the built CLI
// (`irsa log export --format cloudtrail --output FILE.gz`, and `irsa log --format cloudtrail`), and
// `irsa investigate --cloudtrail` over the export must find the same sessions, keys and calls as
// `irsa investigate` on the store. The export must never carry a session's secret or token.
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { CreateRoleCommand, DeleteRoleCommand, GetRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCloudTrailInvestigation } from '../../src/cli/investigate-cloudtrail.js'
import { runInvestigation } from '../../src/cli/investigate.js'
import type { CloudTrailInvestigation } from '../../src/respond/cloudtrail/investigation.js'
import type { CloudTrailRecord } from '../../src/respond/cloudtrail/record.js'
import { ADMIN, awsCli, outcome, policy, startTestServer, trust } from './helpers.js'
import type { Credentials, TestServer } from './helpers.js'

const execFileP = promisify(execFile)
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

let s: TestServer
const sessions: Record<string, Credentials> = {}
const roleIds: Record<string, string> = {}

async function irsa(args: readonly string[]): Promise<string> {
  const { stdout } = await execFileP(process.execPath, [CLI, ...args, '--data', s.data], { maxBuffer: 64 << 20 })
  return stdout
}

async function fromCloudTrail(path: string, serviceAccount?: string): Promise<CloudTrailInvestigation> {
  const io = { stdout: () => {}, stderr: () => {}, now: () => new Date(), isTTY: false }
  return runCloudTrailInvestigation({ cloudtrail: [path], progress: false, ...(serviceAccount === undefined ? {} : { serviceAccount }) }, io as never)
}

beforeAll(async () => {
  s = await startTestServer()
  const read = policy({ Effect: 'Allow', Action: ['iam:GetRole'], Resource: '*' })
  for (const [name, subs] of [['payments', ['shop/checkout', 'shop/ledger']], ['reports', ['shop/checkout']], ['unrelated', ['other/thing']]] as const) {
    const r = await s.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust(s, subs) }))
    roleIds[name] = r.Role?.RoleId as string
    await s.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'read', PolicyDocument: read }))
  }
  sessions.checkout = await s.assume('payments', 'shop', 'checkout', { pod: 'checkout-1', sessionName: 'checkout-a' })
  expect(await outcome(s.assume('unrelated', 'shop', 'checkout', { sessionName: 'probe' }))).toBe('AccessDenied')
  sessions.reports = await s.assume('reports', 'shop', 'checkout', { sessionName: 'checkout-b' })
  sessions.ledger = await s.assume('payments', 'shop', 'ledger', { sessionName: 'ledger-a' })
  expect(await outcome(s.client(sessions.checkout).send(new DeleteRoleCommand({ RoleName: 'unrelated' })))).toBe('AccessDenied')
  expect(await outcome(s.client(sessions.ledger).send(new DeleteRoleCommand({ RoleName: 'payments' })))).toBe('AccessDenied')
  expect(await outcome(s.client(sessions.ledger).send(new GetRoleCommand({ RoleName: 'payments' })))).toBe('OK')
  await s.serving.rt.flushDecisions()
})
afterAll(async () => {
  await s?.close()
})

describe('irsa log --format cloudtrail round trip', () => {
  let file: string
  let records: CloudTrailRecord[]

  it('exports CloudTrail records with AWS field names, gzipped, without any secret', async () => {
    file = join(s.dir, 'archive.json.gz')
    await irsa(['log', 'export', '--since', '1d', '--format', 'cloudtrail', '--output', file])
    const text = gunzipSync(await readFile(file)).toString('utf8')
    records = (JSON.parse(text) as { Records: CloudTrailRecord[] }).Records
    for (const c of Object.values(sessions)) {
      expect(text).not.toContain(c.secretAccessKey)
      expect(text).not.toContain(c.sessionToken as string)
    }
    const exchanges = records.filter((r) => r.eventName === 'AssumeRoleWithWebIdentity')
    expect(exchanges).toHaveLength(4)
    const ok = exchanges.find((r) => r.requestParameters?.roleSessionName === 'checkout-a') as CloudTrailRecord
    expect(ok).toMatchObject({
      eventSource: 'sts.amazonaws.com',
      awsRegion: s.serving.rt.region,
      sourceIPAddress: '127.0.0.1',
      recipientAccountId: s.account,
      userIdentity: { type: 'WebIdentityUser', userName: 'system:serviceaccount:shop:checkout', identityProvider: s.serving.rt.ownProviderArn, principalId: `${s.serving.rt.ownProviderArn}:sts.amazonaws.com:system:serviceaccount:shop:checkout` },
      requestParameters: { roleArn: s.roleArn('payments'), roleSessionName: 'checkout-a', durationSeconds: 3600 },
      responseElements: {
        credentials: { accessKeyId: sessions.checkout?.accessKeyId },
        subjectFromWebIdentityToken: 'system:serviceaccount:shop:checkout',
        assumedRoleUser: { assumedRoleId: `${roleIds.payments}:checkout-a`, arn: `arn:aws:sts::${s.account}:assumed-role/payments/checkout-a` },
        provider: s.serving.rt.ownProviderArn,
        audience: 'sts.amazonaws.com',
      },
    })
    expect(Object.keys((ok.responseElements as { credentials: object }).credentials).sort()).toEqual(['accessKeyId', 'expiration'])
    expect(ok.userAgent).toMatch(/aws-sdk-js/)
    expect(ok.eventID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const denied = exchanges.find((r) => r.requestParameters?.roleSessionName === 'probe')
    expect(denied).toMatchObject({ errorCode: 'AccessDenied', responseElements: null })
    expect(typeof denied?.errorMessage).toBe('string')
    // The denied IAM call, made with the checkout session's key.
    const call = records.find((r) => r.eventSource === 'iam.amazonaws.com' && r.userIdentity?.accessKeyId === sessions.checkout?.accessKeyId)
    expect(call).toMatchObject({
      eventName: 'DeleteRole',
      errorCode: 'AccessDenied',
      readOnly: false,
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${s.account}:assumed-role/payments/checkout-a`,
        principalId: `${roleIds.payments}:checkout-a`,
        sessionContext: { sessionIssuer: { type: 'Role', arn: s.roleArn('payments'), principalId: roleIds.payments, userName: 'payments', accountId: s.account } },
      },
    })
    // `irsa log --format cloudtrail` writes the same records (newest N) as one {"Records": […]} document.
    const listed = JSON.parse(await irsa(['log', '--format', 'cloudtrail', '--limit', '1000'])) as { Records: CloudTrailRecord[] }
    expect(listed.Records.map((r) => r.eventID)).toEqual(records.map((r) => r.eventID))
  })

  it('irsa investigate --cloudtrail over the export finds the sessions irsa investigate finds on the store', async () => {
    for (const sa of ['shop/checkout', 'shop/ledger']) {
      const store = await runInvestigation({ serviceAccount: sa, data: s.data })
      const trail = await fromCloudTrail(file, sa)
      const fromStore = store.sessions.map((x) => ({ accessKeyId: x.accessKeyId, roleArn: x.roleArn, sessionName: x.sessionName, subject: x.subject, sourceIp: x.sourceIp }))
      const fromTrail = trail.sessions.map((x) => ({ accessKeyId: x.accessKeyId, roleArn: x.roleArn, sessionName: x.sessionName, subject: x.subject, sourceIp: x.sourceIPAddress }))
      const byKey = (a: { accessKeyId: string }, b: { accessKeyId: string }): number => a.accessKeyId.localeCompare(b.accessKeyId)
      expect(fromTrail.sort(byKey)).toEqual(fromStore.sort(byKey))
      expect(fromStore.length).toBeGreaterThan(0)
      // The calls each key made: the store's timeline (its non-exchange decisions, by the caller's key) and the trail's events.
      const storeCalls = store.timeline.filter((e) => e.action !== 'sts:AssumeRoleWithWebIdentity').map((e) => [e.action, e.code ?? 'OK'])
      const trailCalls = trail.sessions.flatMap((x) => x.events.map((e) => [e.action, e.errorCode ?? 'OK']))
      expect(trailCalls).toEqual(storeCalls)
      expect(trailCalls).toEqual([['iam:DeleteRole', 'AccessDenied']])
    }
    const checkout = await fromCloudTrail(file, 'shop/checkout')
    expect(checkout.sessions.map((x) => x.assumedRoleId).sort()).toEqual([`${roleIds.payments}:checkout-a`, `${roleIds.reports}:checkout-b`].sort())
    expect(checkout.sessions.find((x) => x.accessKeyId === sessions.checkout?.accessKeyId)?.events[0]?.eventName).toBe('DeleteRole')
  })

  it('answers aws cloudtrail lookup-events (AWS CLI v1) from the decision log, paging, filtered and authorized', async () => {
    const byUser = await awsCli(s, ADMIN, ['cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=Username,AttributeValue=system:serviceaccount:shop:checkout', '--page-size', '1'])
    expect(byUser.code, byUser.stderr).toBe(0)
    const out = JSON.parse(byUser.stdout) as { Events: { EventId: string; EventName: string; Username: string; CloudTrailEvent: string }[] }
    // The CLI followed NextToken one event at a time: the three exchanges of shop/checkout, newest first.
    expect(out.Events.map((e) => JSON.parse(e.CloudTrailEvent).requestParameters.roleSessionName)).toEqual(['checkout-b', 'probe', 'checkout-a'])
    expect(new Set(out.Events.map((e) => e.EventId))).toEqual(new Set(records.filter((r) => r.userIdentity?.userName === 'system:serviceaccount:shop:checkout').map((r) => r.eventID)))
    const byKey = await awsCli(s, ADMIN, ['cloudtrail', 'lookup-events', '--lookup-attributes', `AttributeKey=AccessKeyId,AttributeValue=${sessions.checkout?.accessKeyId}`])
    expect((JSON.parse(byKey.stdout) as { Events: { EventName: string }[] }).Events.map((e) => e.EventName)).toEqual(['DeleteRole'])
    const later = await awsCli(s, ADMIN, ['cloudtrail', 'lookup-events', '--start-time', new Date(Date.now() + 3_600_000).toISOString()])
    expect((JSON.parse(later.stdout) as { Events: unknown[] }).Events).toEqual([])
    // `irsa investigate --cloudtrail` reads the lookup-events output like the export.
    const all = await awsCli(s, ADMIN, ['cloudtrail', 'lookup-events'])
    const saved = join(s.dir, 'lookup-events.json')
    await writeFile(saved, all.stdout)
    const a = await fromCloudTrail(saved)
    const b = await fromCloudTrail(file)
    expect(a.sessions.map((x) => [x.accessKeyId, x.events.length])).toEqual(b.sessions.map((x) => [x.accessKeyId, x.events.length]))
    // A session its policies do not allow cloudtrail:LookupEvents is refused, in CloudTrail's JSON error shape.
    const refused = await awsCli(s, sessions.ledger as Credentials, ['cloudtrail', 'lookup-events'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/AccessDenied/)
    const bad = await awsCli(s, ADMIN, ['cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=A', 'AttributeKey=EventName,AttributeValue=B'])
    expect(bad.stderr).toMatch(/InvalidLookupAttributesException/)
  })
})
