// SimulatePrincipalPolicy cannot stall the server: a real server on loopback, the JS SDK v3 as the
// client, and a /healthz poller in the same process (so any synchronous stretch of the server holds
// the poller too). The large requests answer their first page, or AWS's error, while the poller keeps
// getting answers; paging with Marker walks exactly the full result list; forged markers and
// over-limit lists are AWS errors; fuzzed parameters never get a 5xx.
import { IAMClient, PutRolePolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam'
import type { EvaluationResult, SimulatePrincipalPolicyCommandInput, SimulatePrincipalPolicyCommandOutput } from '@aws-sdk/client-iam'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { raw, REGION, sdkError, startSecServer } from './helpers.js'
import type { Credentials, SecServer } from './helpers.js'

let s: SecServer
let roleArn: string
let session: IAMClient

/** The only permission of the role: simulating itself. */
const selfOnly = (arn: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: arn }] })

beforeAll(async () => {
  s = await startSecServer()
  roleArn = await s.role('sim', 'ns', 'sim')
  await s.iam.send(new PutRolePolicyCommand({ RoleName: 'sim', PolicyName: 'simulate-self', PolicyDocument: selfOnly(roleArn) }))
  const creds: Credentials = await s.session(roleArn, 'ns', 'sim')
  session = new IAMClient({ endpoint: s.url, region: REGION, credentials: creds, maxAttempts: 1 })
  // Warm the code paths once, so the measurements below are not of the first compilation.
  await session.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ActionNames: ['s3:GetObject'] }))
}, 60_000)
afterAll(async () => {
  session?.destroy()
  await s?.close()
})

const simulate = (client: IAMClient, input: Omit<SimulatePrincipalPolicyCommandInput, 'PolicySourceArn'>): Promise<SimulatePrincipalPolicyCommandOutput> =>
  client.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ...input }))

const triple = (r: EvaluationResult): [string | undefined, string | undefined, string | undefined] => [r.EvalActionName, r.EvalResourceName, r.EvalDecision]

interface Liveness<T> {
  readonly result: T
  readonly ms: number
  /** /healthz answers during the request (a fast request may finish before the first one), all 200. */
  readonly polls: number
  readonly statuses: readonly number[]
  readonly maxLatency: number
  /** Longest stretch of the request without a /healthz answer (including its start and end). */
  readonly maxGap: number
}

/** Run `f` while /healthz is polled every 5 ms from this process. */
async function withPoller<T>(f: () => Promise<T>): Promise<Liveness<T>> {
  let stop = false
  const statuses: number[] = []
  const start = performance.now()
  let last = start
  let maxGap = 0
  let maxLatency = 0
  const poller = (async () => {
    while (!stop) {
      const t = performance.now()
      const r = await raw(s.url, { method: 'GET', path: '/healthz' })
      const now = performance.now()
      statuses.push(r.status)
      maxLatency = Math.max(maxLatency, now - t)
      maxGap = Math.max(maxGap, now - last)
      last = now
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })()
  try {
    const result = await f()
    const end = performance.now()
    maxGap = Math.max(maxGap, end - last)
    return { result, ms: end - start, polls: statuses.length, statuses, maxLatency, maxGap }
  } finally {
    stop = true
    await poller
  }
}

/**
 * The liveness property: the server kept answering /healthz while it worked. The bound is generous
 * (this is not a benchmark, and the machine may be busy): before the fix these requests held the
 * event loop for seconds to minutes; after it, for a few milliseconds at a time (the SDK client's own
 * work, on this same event loop, makes up most of what is measured here).
 */
function expectLive(l: Liveness<unknown>, what: string): void {
  console.log(`${what}: ${l.ms.toFixed(0)} ms, ${l.polls} /healthz answers, max latency ${l.maxLatency.toFixed(1)} ms, max gap ${l.maxGap.toFixed(1)} ms`)
  expect(l.statuses.every((st) => st === 200)).toBe(true)
  expect(l.maxGap, `${what}: the server held the event loop for ${l.maxGap.toFixed(0)} ms`).toBeLessThan(1000)
}

const ACTIONS = ['iam:SimulatePrincipalPolicy', ...Array.from({ length: 999 }, (_, i) => `s3:Action${i}`)]
const resourcesWith = (first: string): string[] => [first, ...Array.from({ length: 999 }, (_, i) => `arn:aws:s3:::bucket/key-${i}`)]

/**
 * A ~120 KB identity policy: 10,240 non-white characters (the inline quota) padded with whitespace.
 * The first statement allows every S3 action; the others deny actions that are never simulated.
 */
function paddedPolicy(): { text: string; firstLine: number; firstColumn: number } {
  const statements = [JSON.stringify({ Sid: 'AllS3', Effect: 'Allow', Action: 's3:*', Resource: '*' })]
  let size = 40 + (statements[0] as string).length
  for (let i = 0; size < 9800; i++) {
    const st = JSON.stringify({ Sid: `N${i}`, Effect: 'Deny', Action: Array.from({ length: 8 }, (_, j) => `ec2:Terminate${i}x${j}*`), Resource: '*' })
    statements.push(st)
    size += st.length + 1
  }
  const pad = ' '.repeat(Math.floor(110_000 / statements.length))
  return { text: `{"Version":"2012-10-17","Statement":[${statements.map((st) => `\n${pad}${st}`).join(',')}]}`, firstLine: 2, firstColumn: pad.length + 1 }
}

describe('SimulatePrincipalPolicy cannot stall the server (JS SDK v3, /healthz polled meanwhile)', () => {
  it('1,000 ActionNames × 1,000 ResourceArns answers its first page while /healthz keeps answering', async () => {
    const resources = resourcesWith(roleArn)
    const l = await withPoller(() => simulate(s.iam, { ActionNames: ACTIONS, ResourceArns: resources }))
    expectLive(l, '1,000 × 1,000')
    const page = l.result
    expect(page.IsTruncated).toBe(true)
    expect(page.EvaluationResults?.map(triple)).toEqual(
      resources.slice(0, 100).map((r, i) => ['iam:SimulatePrincipalPolicy', r, i === 0 ? 'allowed' : 'implicitDeny']),
    )
    // The next page continues where this one stopped, and MaxItems 1,000 is one page of 1,000.
    const next = await simulate(s.iam, { ActionNames: ACTIONS, ResourceArns: resources, Marker: page.Marker })
    expect(next.EvaluationResults?.map((r) => r.EvalResourceName)).toEqual(resources.slice(100, 200))
    // (Not polled: parsing a 1,000-result answer is the SDK's work, on this same event loop.)
    const big = await simulate(s.iam, { ActionNames: ACTIONS, ResourceArns: resources, MaxItems: 1000, Marker: next.Marker })
    expect(big.EvaluationResults?.map(triple)).toEqual(
      Array.from({ length: 1000 }, (_, k) => 200 + k).map((i) => [ACTIONS[Math.floor(i / 1000)], resources[i % 1000], i === 0 ? 'allowed' : 'implicitDeny']),
    )
  }, 60_000)

  it('a session allowed only to simulate its own role: 100 × 100 with a 120 KB PolicyInputList document', async () => {
    const doc = paddedPolicy()
    expect(doc.text.length).toBeGreaterThan(118_000)
    const actions = ACTIONS.slice(1, 101)
    const resources = resourcesWith('arn:aws:s3:::bucket/first').slice(0, 100)
    const l = await withPoller(() => simulate(session, { ActionNames: actions, ResourceArns: resources, PolicyInputList: [doc.text] }))
    expectLive(l, 'session 100 × 100 with a 120 KB input')
    const page = l.result
    expect(page.IsTruncated).toBe(true)
    expect(page.EvaluationResults).toHaveLength(100)
    for (const [i, r] of (page.EvaluationResults ?? []).entries()) {
      expect(triple(r)).toEqual([actions[0], resources[i], 'allowed'])
      expect(r.MatchedStatements).toEqual([
        { SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'none', StartPosition: { Line: doc.firstLine, Column: doc.firstColumn }, EndPosition: expect.objectContaining({ Line: doc.firstLine }) },
      ])
    }
    // The same session may not simulate another role.
    const other = await s.role('other', 'ns', 'other')
    expect(await sdkError(session.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: other, ActionNames: ['s3:GetObject'] })))).toMatchObject({ code: 'AccessDenied', status: 403 })
  }, 60_000)
})

describe('SimulatePrincipalPolicy paging and limits (JS SDK v3)', () => {
  // Decisions of the role `sim` (whose only policy allows iam:SimulatePrincipalPolicy on itself).
  const actions = ['iam:SimulatePrincipalPolicy', 's3:GetObject', 'iam:GetRole']
  const resources = () => [roleArn, '*', 'arn:aws:s3:::bucket/key', `${roleArn}-not`]
  const expected = () =>
    actions.flatMap((a) => resources().map((r) => [a, r, a === 'iam:SimulatePrincipalPolicy' && r === roleArn ? 'allowed' : 'implicitDeny']))

  it('walking every page with Marker gives exactly the full result list, for every MaxItems', async () => {
    const all = await simulate(s.iam, { ActionNames: actions, ResourceArns: resources(), MaxItems: 1000 })
    expect(all.IsTruncated).toBe(false)
    expect(all.Marker).toBeUndefined()
    expect(all.EvaluationResults?.map(triple)).toEqual(expected())
    for (let maxItems = 1; maxItems <= 13; maxItems++) {
      const walked: EvaluationResult[] = []
      let marker: string | undefined
      let pages = 0
      do {
        const page = await simulate(s.iam, { ActionNames: actions, ResourceArns: resources(), MaxItems: maxItems, Marker: marker })
        expect(page.EvaluationResults?.length).toBeLessThanOrEqual(maxItems)
        walked.push(...(page.EvaluationResults ?? []))
        marker = page.IsTruncated ? page.Marker : undefined
        expect(page.IsTruncated ? typeof page.Marker : 'none').toBe(page.IsTruncated ? 'string' : 'none')
        pages++
      } while (marker !== undefined)
      expect(pages).toBe(Math.ceil(12 / maxItems))
      expect(walked).toEqual(all.EvaluationResults)
    }
  }, 60_000)

  it('a forged, edited, foreign or stale Marker is InvalidInput, never a crash', async () => {
    const first = await simulate(s.iam, { ActionNames: actions, ResourceArns: resources(), MaxItems: 5 })
    const marker = first.Marker as string
    const [v, index, tag] = marker.split('.') as [string, string, string]
    const flip = (t: string): string => `${t.slice(0, 3)}${t[3] === 'A' ? 'B' : 'A'}${t.slice(4)}`
    const forged = [
      'bm90IGEgbWFya2Vy',
      `${v}.${index}`,
      `${v}.${(Number.parseInt(index, 36) + 1).toString(36)}.${tag}`,
      `${v}.0${index}.${tag}`,
      `${v}.${index}.${flip(tag)}`,
      `${v}.${index}.${tag.slice(0, -1)}`,
      `v2.${index}.${tag}`,
      `${v}.zzzzzzzzzzz.${tag}`,
      `${marker} `,
    ]
    for (const m of forged) {
      const e = await sdkError(simulate(s.iam, { ActionNames: actions, ResourceArns: resources(), MaxItems: 5, Marker: m }))
      expect(e, m).toMatchObject({ code: 'InvalidInput', status: 400, message: 'Invalid Marker.' })
    }
    // A marker only continues the request it came from: not one with other actions, resources or context.
    for (const other of [
      { ActionNames: [...actions, 's3:PutObject'], ResourceArns: resources() },
      { ActionNames: actions, ResourceArns: resources().slice(1) },
      { ActionNames: actions, ResourceArns: resources(), ContextEntries: [{ ContextKeyName: 'aws:SourceIp', ContextKeyValues: ['10.0.0.1'], ContextKeyType: 'ip' as const }] },
    ]) {
      expect(await sdkError(simulate(s.iam, { ...other, MaxItems: 5, Marker: marker }))).toMatchObject({ code: 'InvalidInput', message: 'Invalid Marker.' })
    }
    // AWS's own constraint on the parameter (1..320 characters, U+0020–U+00FF) comes first.
    expect(await sdkError(simulate(s.iam, { ActionNames: actions, MaxItems: 5, Marker: 'x'.repeat(321) }))).toMatchObject({ code: 'ValidationError', status: 400 })
    // The genuine marker still works, with another MaxItems.
    const rest = await simulate(s.iam, { ActionNames: actions, ResourceArns: resources(), MaxItems: 100, Marker: marker })
    expect(rest.EvaluationResults?.map(triple)).toEqual(expected().slice(5))
  }, 60_000)

  it("lists beyond the limits are AWS's ValidationError; so are MaxItems outside 1..1000 and oversized input documents", async () => {
    const tooMany = (field: string, max: number) => ({ code: 'ValidationError', status: 400, message: `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}` })
    expect(await sdkError(simulate(s.iam, { ActionNames: [...ACTIONS, 's3:OneMore'] }))).toMatchObject(tooMany('actionNames', 1000))
    expect(await sdkError(simulate(s.iam, { ActionNames: ['s3:GetObject'], ResourceArns: [...resourcesWith('*'), 'arn:aws:s3:::one-more'] }))).toMatchObject(tooMany('resourceArns', 1000))
    const input = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] })
    expect(await sdkError(simulate(s.iam, { ActionNames: ['s3:GetObject'], PolicyInputList: Array.from({ length: 11 }, () => input) }))).toMatchObject(tooMany('policyInputList', 10))
    const entries = Array.from({ length: 101 }, (_, i) => ({ ContextKeyName: `aws:Key${i}`, ContextKeyValues: ['v'], ContextKeyType: 'string' as const }))
    expect(await sdkError(simulate(s.iam, { ActionNames: ['s3:GetObject'], ContextEntries: entries }))).toMatchObject(tooMany('contextEntries', 100))
    const values = [{ ContextKeyName: 'aws:TagKeys', ContextKeyValues: Array.from({ length: 101 }, (_, i) => `k${i}`), ContextKeyType: 'stringList' as const }]
    expect(await sdkError(simulate(s.iam, { ActionNames: ['s3:GetObject'], ContextEntries: values }))).toMatchObject(tooMany('contextEntries.1.member.contextKeyValues', 100))
    const huge = `${input.slice(0, -1)}${' '.repeat(131_072)}}`
    expect(await sdkError(simulate(s.iam, { ActionNames: ['s3:GetObject'], PolicyInputList: [huge] }))).toMatchObject({
      code: 'ValidationError',
      message: expect.stringContaining("at 'policyInputList.1.member' failed to satisfy constraint: Member must have length between 1 and 131072"),
    })
    for (const maxItems of [0, 1001]) {
      expect(await sdkError(simulate(s.iam, { ActionNames: ['s3:GetObject'], MaxItems: maxItems }))).toMatchObject({ code: 'ValidationError', status: 400 })
    }
    // At the limits it answers.
    const ok = await simulate(s.iam, { ActionNames: ['s3:GetObject'], PolicyInputList: Array.from({ length: 10 }, () => input), ContextEntries: entries.slice(0, 100) })
    expect(ok.EvaluationResults?.map(triple)).toEqual([['s3:GetObject', '*', 'allowed']])
  }, 60_000)
})

describe('SimulatePrincipalPolicy fuzzing (fast-check, real server)', () => {
  const CODES = new Set(['ValidationError', 'InvalidInput', 'MalformedPolicyDocument', 'LimitExceeded', 'NoSuchEntity', 'MalformedQueryString'])
  const actionName = fc.oneof(fc.constantFrom('s3:GetObject', 'iam:SimulatePrincipalPolicy', 's3:*', 'ec2:Describe*', 'iam:GetRole'), fc.string({ maxLength: 140 }))
  const resourceArn = fc.oneof(fc.constantFrom('*', 'arn:aws:s3:::b/k', 'arn:aws:iam::111122223333:role/sim'), fc.string({ maxLength: 60 }), fc.constant(''))
  const contextEntry = fc.record(
    {
      ContextKeyName: fc.oneof(fc.constantFrom('aws:SourceIp', 'aws:TagKeys', 'AWS:sourceip', '__proto__', 'aws:CurrentTime'), fc.string({ maxLength: 20 })),
      ContextKeyValues: fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('10.0.0.1', '2020-01-01T00:00:00Z', 'true', '12', 'bm90')), { maxLength: 4 }),
      ContextKeyType: fc.constantFrom('string', 'stringList', 'numeric', 'numericList', 'boolean', 'booleanList', 'ip', 'ipList', 'binary', 'binaryList', 'date', 'dateList', 'bogus'),
    },
    { requiredKeys: ['ContextKeyName'] },
  )

  it('random ActionNames, ResourceArns, MaxItems, Marker and ContextEntries get a page or an AWS 4xx error, never a 5xx', async () => {
    const genuine = await simulate(s.iam, { ActionNames: ['s3:GetObject', 's3:PutObject'], ResourceArns: ['*', 'arn:aws:s3:::b/k'], MaxItems: 1 })
    const marker = fc.oneof(
      fc.constant(undefined),
      fc.constant(genuine.Marker),
      fc.string({ maxLength: 40 }),
      fc.tuple(fc.nat({ max: 40 }), fc.string({ minLength: 1, maxLength: 1 })).map(([i, c]) => {
        const m = genuine.Marker as string
        return `${m.slice(0, i)}${c}${m.slice(i + 1)}`
      }),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(actionName, { minLength: 0, maxLength: 6 }),
        fc.option(fc.array(resourceArn, { maxLength: 6 }), { nil: undefined }),
        fc.option(fc.integer({ min: -2, max: 1200 }), { nil: undefined }),
        marker,
        fc.option(fc.array(contextEntry, { maxLength: 4 }), { nil: undefined }),
        async (ActionNames, ResourceArns, MaxItems, Marker, ContextEntries) => {
          const input = { ActionNames, ResourceArns, MaxItems, Marker, ContextEntries } as Omit<SimulatePrincipalPolicyCommandInput, 'PolicySourceArn'>
          let page: SimulatePrincipalPolicyCommandOutput
          try {
            page = await simulate(s.iam, input)
          } catch (e) {
            const err = e as { name: string; Code?: string; $metadata?: { httpStatusCode?: number } }
            const code = err.Code ?? err.name.replace(/Exception$/, '')
            const status = err.$metadata?.httpStatusCode ?? 0
            expect(status >= 400 && status < 500, `${status} ${code} for ${JSON.stringify(input).slice(0, 300)}`).toBe(true)
            expect(CODES.has(code), `${code} for ${JSON.stringify(input).slice(0, 300)}`).toBe(true)
            return
          }
          const results = page.EvaluationResults ?? []
          expect(results.length).toBeLessThanOrEqual(MaxItems ?? 100)
          expect(results.length).toBeLessThanOrEqual(ActionNames.length * (ResourceArns === undefined ? 1 : ResourceArns.length))
          expect(page.IsTruncated === true).toBe(page.Marker !== undefined)
        },
      ),
      { seed: 20250611, numRuns: 250 },
    )
  }, 120_000)
})
