// Decision-log retention. A soak-style run against a real server (bounded: 20 rounds of real SDK
// exchanges, the server's clock moved forward two minutes a round, retention ten minutes): after
// each retention pass the log holds at most the last ten minutes of decisions, however long it runs.
// Then the bound on one pass's work, and `irsa log prune` / `irsa log export` through the built CLI.
import { execFile } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { CreateRoleCommand } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveOpsSettings } from '../../src/cli/serve.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { DecisionRetention } from '../../src/core/decision-retention.js'
import type { DecisionRecord } from '../../src/store/decision-log.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'
import { startLoopbackServer } from '../support/test-server.js'
import type { LoopbackServer } from '../support/test-server.js'

const execFileP = promisify(execFile)
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const ADMIN = { accessKeyId: 'AKIAIRSARETENTION001', secretAccessKey: 'retentionSecretKeyretentionSecretKey01' }
const MINUTE = 60_000

let now = Date.now()
const clock = { now: () => now }
let s: LoopbackServer
let sts: STSClient

async function rows(): Promise<DecisionRecord[]> {
  return s.serving.rt.store.listDecisions({ limit: 1_000_000 })
}

beforeAll(async () => {
  s = await startLoopbackServer({ prefix: 'irsa-retention-', admin: ADMIN, clock, decisionLogRetentionMs: 10 * MINUTE })
  sts = s.track(new STSClient({ endpoint: s.url, region: s.region, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 }))
  const rt = s.serving.rt
  const key = issuerHostPath(rt.issuer)
  await s.client(ADMIN).send(
    new CreateRoleCommand({
      RoleName: 'worker',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Federated: rt.ownProviderArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${key}:sub`]: 'system:serviceaccount:jobs:worker' } } }],
      }),
    }),
  )
})
afterAll(async () => {
  await s?.close()
})

describe('decision log retention', () => {
  it('keeps the log bounded while a server runs for hours (of its clock)', async () => {
    const retention = s.serving.retention as DecisionRetention
    expect(retention).toBeInstanceOf(DecisionRetention)
    const perRound = 8
    const counts: number[] = []
    let written = 0
    for (let round = 0; round < 20; round++) {
      now += 2 * MINUTE
      for (let i = 0; i < perRound; i++) {
        const { token } = await issueServiceAccountToken(s.serving.rt, { namespace: 'jobs', serviceAccount: 'worker', expirationSeconds: 3600 })
        const r = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${s.serving.rt.account}:role/worker`, RoleSessionName: `r${round}-${i}`, WebIdentityToken: token }))
        expect(r.Credentials?.AccessKeyId).toMatch(/^ASIA/)
        written++
      }
      await retention.pass()
      const left = await rows()
      counts.push(left.length)
      // Only the last ten minutes are kept.
      for (const d of left) expect(d.at).toBeGreaterThanOrEqual(now - 10 * MINUTE)
    }
    expect(written).toBe(160)
    // Ten minutes are five rounds of two minutes: at most six rounds' decisions (with the one at the edge) remain.
    expect(Math.max(...counts)).toBeLessThanOrEqual(6 * perRound + 1)
    expect(counts[counts.length - 1]).toBeGreaterThanOrEqual(5 * perRound)
    expect(retention.deleted).toBeGreaterThan(100)
  })

  it('bounds the work of one pass, and the next pass continues', async () => {
    const store = s.serving.rt.store
    for (let i = 0; i < 25; i++) await store.appendDecision({ at: now - 60 * MINUTE - i, action: 'iam:GetRole', outcome: 'Allow' })
    const small = new DecisionRetention(store, clock, { retentionMs: 10 * MINUTE, batch: 5, maxBatches: 2 })
    expect(await small.pass()).toBe(10)
    expect(await small.pass()).toBe(10)
    expect(await small.pass()).toBe(5)
    expect(await small.pass()).toBe(0)
  })

  it('parses --decision-log-retention as a duration', () => {
    expect(serveOpsSettings({ decisionLogRetention: 30 * 86_400_000 })).toEqual({ decisionLogRetentionMs: 30 * 86_400_000 })
  })

  it('irsa log export archives a window and irsa log prune deletes what is older', async () => {
    const store = s.serving.rt.store
    const realNow = Date.now()
    const old = [realNow - 3 * 86_400_000, realNow - 2 * 86_400_000]
    for (const at of old) await store.appendDecision({ at, action: 'iam:DeleteRole', outcome: 'Deny', code: 'AccessDenied', requestId: `old-${at}` })
    const file = join(s.dir, 'old.jsonl.gz')
    await execFileP(process.execPath, [CLI, 'log', 'export', '--since', '4d', '--until', '1d', '--format', 'jsonl', '--output', file, '--data', s.data])
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const archived = gunzipSync(await readFile(file)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as DecisionRecord)
    expect(archived.map((d) => d.requestId)).toEqual(old.map((at) => `old-${at}`))
    const { stdout } = await execFileP(process.execPath, [CLI, 'log', 'prune', '--older-than', '1d', '--data', s.data])
    expect(stdout).toMatch(/^pruned 2 decisions older than /)
    expect((await store.listDecisions({ before: realNow - 86_400_000, limit: 100 })).length).toBe(0)
  })
})
