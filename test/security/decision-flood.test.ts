// Unauthenticated traffic must not grow the decision log without bound: a flood of garbage
// AssumeRoleWithWebIdentity requests writes the first few denials and then one counted summary row
// per window (written when the window closes, or on flush), whose count adds up; allows are never
// suppressed; `irsa log` shows the summary; and the counters themselves are bounded in memory.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DenialSummary, OVERFLOW_ACTION } from '../../src/core/denial-summary.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import type { DecisionRecord } from '../../src/store/decision-log.js'
import { startLoopbackServer } from '../support/test-server.js'
import type { LoopbackServer } from '../support/test-server.js'
import { raw, trustFor } from './helpers.js'

const ADMIN = { accessKeyId: 'AKIAIRSAFLOODTEST001', secretAccessKey: 'floodTestSecretKeyfloodTestSecretKey0001' }
const MAIN = join(process.cwd(), 'dist/cli/main.js')
const WEB_IDENTITY = 'sts:AssumeRoleWithWebIdentity'

let s: LoopbackServer
const clock = { offsetMs: 0 }
let roleArn: string

const garbage = (): string =>
  new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: 'flood', WebIdentityToken: 'garbage-not-a-jwt' }).toString()

/** `n` garbage exchanges, `concurrency` at a time; every one must be refused as STS refuses it. */
async function flood(n: number, concurrency = 16): Promise<void> {
  let next = 0
  const statuses = new Map<number, number>()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next += 1
        const r = await raw(s.url, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: garbage() })
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
        expect(r.body).toContain('<Code>InvalidIdentityToken</Code>')
      }
    }),
  )
  expect([...statuses]).toEqual([[400, n]])
}

const denials = async (): Promise<DecisionRecord[]> =>
  (await s.serving.rt.store.listDecisions({ limit: 100_000 })).filter((d) => d.action === WEB_IDENTITY && d.outcome === 'Deny')

beforeAll(async () => {
  s = await startLoopbackServer({ prefix: 'irsa-flood-', admin: ADMIN, clock: { now: () => Date.now() + clock.offsetMs } })
  const { CreateRoleCommand } = await import('@aws-sdk/client-iam')
  roleArn = (await s.client(ADMIN).send(new CreateRoleCommand({ RoleName: 'flooded', AssumeRolePolicyDocument: trustFor(s.serving, 'shop', 'app') }))).Role?.Arn ?? ''
})
afterAll(async () => s?.close())

describe('a flood of refused exchanges', () => {
  it('2,000 garbage requests write a bounded number of rows; the summary count adds up; allows still write', async () => {
    const before = (await s.serving.rt.store.listDecisions({ limit: 100_000 })).length
    await flood(1000)
    // An allow in the middle of the flood is written (and acknowledged only once written), as always.
    const { token } = await issueServiceAccountToken(s.serving.rt, { namespace: 'shop', serviceAccount: 'app', expirationSeconds: 3600 })
    const sts = s.track(new STSClient({ endpoint: s.url, region: s.region, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 }))
    const ok = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'legit', WebIdentityToken: token }))
    await flood(1000)
    const all = await s.serving.rt.store.listDecisions({ limit: 100_000 })
    expect(all.filter((d) => d.action === WEB_IDENTITY && d.outcome === 'Allow').map((d) => d.detail?.accessKeyId)).toEqual([ok.Credentials?.AccessKeyId])
    // The first 5 denials of the window are written; the other 1,995 are counted, not written.
    expect(all.length - before).toBeLessThanOrEqual(10)
    expect(await denials()).toHaveLength(5)

    // The window closes (the clock moves past it) and the next denial writes the summary first.
    clock.offsetMs += 61_000
    await flood(1, 1)
    const rows = await denials()
    expect(rows).toHaveLength(7)
    const summary = rows.find((d) => typeof d.detail?.suppressed === 'number')
    expect(summary).toMatchObject({ code: 'InvalidIdentityToken', roleArn, sourceIp: '127.0.0.1', detail: { suppressed: 1995, writtenIndividually: 5 } })
    expect(summary?.reason).toMatch(/^1995 more identical denials suppressed from \S+Z to \S+Z \(after the first 5 in 60 s\): token rejected/)
    expect(rows.filter((d) => d.detail?.suppressed === undefined)).toHaveLength(6)
    expect(rows.reduce((n, d) => n + (typeof d.detail?.suppressed === 'number' ? d.detail.suppressed : 1), 0)).toBe(2001)

    // `irsa log` shows the summary row with its count.
    const out = await promisify(execFile)(process.execPath, [MAIN, 'log', '--data', s.data, '--outcome', 'Deny'], { timeout: 30_000 })
    const line = out.stdout.split('\n').find((l) => l.includes('suppressed')) ?? ''
    expect(line).toMatch(/ DENY {2}×1995 sts:AssumeRoleWithWebIdentity - → arn:aws:iam::\d{12}:role\/flooded InvalidIdentityToken — 1995 more identical denials suppressed/)
  })

  it('a flush (shutdown) writes the summary of a window still open', async () => {
    await flood(20)
    const rows = await denials()
    // The window opened by the last denial of the previous test: 4 more written, 16 counted.
    expect(rows).toHaveLength(11)
    await s.serving.rt.flushDecisions()
    const after = await denials()
    expect(after).toHaveLength(12)
    expect(after.at(-1)?.detail).toMatchObject({ suppressed: 16 })
  })
})

describe('the counters are bounded', () => {
  const deny = (at: number, roleArn: string, sourceIp = '10.0.0.1'): DecisionRecord => ({ at, action: WEB_IDENTITY, outcome: 'Deny', code: 'InvalidIdentityToken', roleArn, sourceIp, reason: 'token rejected' })

  it('groups beyond maxKeys go into one overflow row; allows and errors always pass', () => {
    const d = new DenialSummary({ windowMs: 1000, perKey: 2, maxKeys: 3 })
    let written = 0
    for (let i = 0; i < 1000; i++) if (d.admit(deny(i % 10, `arn:aws:iam::111122223333:role/r${i}`))) written++
    expect(written).toBe(3) // three groups tracked, one row each; the other 997 groups overflow
    expect(d.admit({ at: 5, action: WEB_IDENTITY, outcome: 'Allow' })).toBe(true)
    expect(d.admit({ at: 5, action: WEB_IDENTITY, outcome: 'Error' })).toBe(true)
    expect(d.take(500)).toEqual([])
    const rows = d.take(10_000)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ action: OVERFLOW_ACTION, outcome: 'Deny', detail: { suppressed: 997, overflow: true, actions: { [WEB_IDENTITY]: 997 } } })
    expect(d.pending).toBe(false)
  })

  it('per group: the first perKey written per window, the rest counted, a new window starts fresh', () => {
    const d = new DenialSummary({ windowMs: 1000, perKey: 2, maxKeys: 10 })
    const role = 'arn:aws:iam::111122223333:role/x'
    expect([0, 1, 2, 3].map((t) => d.admit(deny(t, role)))).toEqual([true, true, false, false])
    expect(d.admit(deny(4, role, '10.0.0.2'))).toBe(true) // another source is another group
    expect(d.admit(deny(1000, role))).toBe(true) // the window closed: written again, the summary is ready
    expect(d.hasClosed).toBe(true)
    expect(d.take(1000).map((r) => [r.sourceIp, r.detail?.suppressed])).toEqual([['10.0.0.1', 2]])
    expect(d.take(0, true)).toEqual([]) // nothing counted in the open windows
  })
})
