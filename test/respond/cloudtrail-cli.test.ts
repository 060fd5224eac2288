/**
 * `irsa investigate --cloudtrail` through the built CLI: the same investigation from a gzipped S3
 * tree, from `aws cloudtrail lookup-events` output and from CloudTrail Lake JSON Lines; text, JSON
 * and a self-contained HTML timeline; one-line errors with exit 2 for bad input.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ROLE, CLUSTER_CIDR, KEYS, scenario, writeLakeJsonl, writeLookupEvents, writeS3Tree } from './cloudtrail-fixtures.js'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const ESTATE = fileURLToPath(new URL('../audit/fixtures/estate/', import.meta.url))

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'investigate', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

let dir: string
let inputs: Record<'s3' | 'lookup' | 'lake', string>
const s = scenario()
const target = ['--service-account', 'payments/payments-api', '--cluster-cidrs', CLUSTER_CIDR]

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-cloudtrail-'))
  inputs = { s3: writeS3Tree(dir, s.records), lookup: writeLookupEvents(dir, s.records), lake: writeLakeJsonl(dir, s.records) }
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('irsa investigate --cloudtrail', () => {
  it('gives the same investigation from an S3 tree, lookup-events output and Lake JSON Lines', () => {
    const results = (['s3', 'lookup', 'lake'] as const).map((k) => {
      const r = run(['--cloudtrail', inputs[k], ...target, '--format', 'json'])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      return JSON.parse(r.stdout) as { sessions: { accessKeyId: string; events: { eventId: string }[] }[]; anomalies: { kind: string; accessKeyIds: string[]; eventIds: string[] }[]; inputs: { records: number }; generatedAt: string }
    })
    for (const r of results) {
      expect(r.inputs.records).toBe(s.records.length)
      expect(r.sessions.map((x) => x.accessKeyId)).toEqual([KEYS.payments, KEYS.chained])
      expect(r.sessions.map((x) => x.events.map((e) => e.eventId))).toEqual([s.paymentsEvents, s.chainedEvents])
      expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: 'off-cluster-use', accessKeyIds: [KEYS.payments], eventIds: s.attackerEvents }))
      expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: 'role-chaining', accessKeyIds: [KEYS.payments, KEYS.chained], eventIds: [s.chainEventId] }))
    }
    const strip = (x: (typeof results)[number]) => ({ ...x, generatedAt: '', inputs: { ...x.inputs, files: 0 } })
    expect(strip(results[1] as (typeof results)[number])).toEqual(strip(results[0] as (typeof results)[number]))
    expect(strip(results[2] as (typeof results)[number])).toEqual(strip(results[0] as (typeof results)[number]))
  })

  it('JSON for a SIEM: sessions, anomalies, blast radius from --iam/--kubernetes, recommendations', () => {
    const r = run(['--cloudtrail', inputs.s3, ...target, '--format', 'json', '--iam', join(ESTATE, 'aws', 'authorization-details.json'), '--kubernetes', join(ESTATE, 'k8s')])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const inv = JSON.parse(r.stdout) as Record<string, unknown> & { sessions: Record<string, unknown>[]; blastRadius: { serviceAccounts: { serviceAccount: string; boundRole: string }[]; roles: { role: string; found: boolean; tier: string }[] }; recommendations: { command: string }[] }
    expect(Object.keys(inv.sessions[0] as object)).toEqual(expect.arrayContaining(['accessKeyId', 'roleArn', 'subject', 'sourceIPAddress', 'userAgent', 'issued', 'events']))
    expect(Object.keys((inv.sessions[0]?.events as object[])[0] as object)).toEqual(expect.arrayContaining(['eventTime', 'eventSource', 'eventName']))
    expect(inv.blastRadius.serviceAccounts).toEqual([expect.objectContaining({ serviceAccount: 'payments/payments-api', boundRole: 'arn:aws:iam::111122223333:role/payments-reader' })])
    expect(inv.blastRadius.roles.find((x) => x.role === ADMIN_ROLE)).toMatchObject({ found: true, tier: 'P0' })
    expect(inv.recommendations[0]?.command).toContain('--session-name')
  })

  it('text for a terminal', () => {
    const r = run(['--cloudtrail', inputs.lookup, ...target])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^CloudTrail investigation of service account payments\/payments-api/)
    expect(r.stdout).toMatch(/off-cluster-use {2}payments\/payments-api/)
    expect(r.stdout).toMatch(/role-chaining {2}payments\/payments-api/)
    expect(r.stdout).toContain(`${KEYS.chained}  payments/payments-api → ${ADMIN_ROLE} session=pivot`)
    expect(r.stdout).toContain('irsa contain --aws --role')
    expect(r.stdout).not.toContain(KEYS.decoy)
  })

  it('HTML: a self-contained timeline', () => {
    const r = run(['--cloudtrail', inputs.lake, ...target, '--format', 'html'])
    expect(r.code).toBe(0)
    const html = r.stdout
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain(`id="ev-${s.chainEventId}"`)
    expect(html).not.toMatch(/<script[^>]*src=|<link[^>]*href=|@import|src="http/i)
    const withoutLibrary = html.replace(/<script id="cytoscape-lib">[\s\S]*?<\/script>/, '')
    expect(withoutLibrary).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
  })

  it('bad input: one line naming the file and position, exit 2', () => {
    const truncated = join(dir, 'truncated.json.gz')
    writeFileSync(truncated, gzipSync(JSON.stringify({ Records: s.records.slice(0, 3) }).slice(0, 900)))
    const badEvent = join(dir, 'bad-lookup.json')
    writeFileSync(badEvent, JSON.stringify({ Events: [{ EventId: 'x', CloudTrailEvent: JSON.stringify(s.records[0]) }, { EventId: 'y', CloudTrailEvent: '{"eventTime": ' }] }))
    const badLine = join(dir, 'bad.jsonl')
    writeFileSync(badLine, `${JSON.stringify(s.records[0])}\n{"eventName": "x"}\n`)
    const notGzip = join(dir, 'not.json.gz')
    writeFileSync(notGzip, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]))
    const cases: [string, RegExp][] = [
      [truncated, /truncated\.json\.gz: (offset \d+: the JSON document ends early|Records\[\d+\] at offset \d+: not valid JSON)/],
      [badEvent, /bad-lookup\.json: Events\[2\] at offset \d+: CloudTrailEvent is not valid JSON/],
      [badLine, /bad\.jsonl: line 2: not a CloudTrail record \(no eventTime\)/],
      [notGzip, /not\.json\.gz: not a valid gzip file/],
      [join(dir, 'missing'), /cannot read .*missing/],
    ]
    for (const [file, message] of cases) {
      const r = run(['--cloudtrail', file])
      expect(r.code, file).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
    const usage = run(['--cloudtrail', inputs.lake, '--cluster-cidrs', '10.0.0.0/33'])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/--cluster-cidrs: "10.0.0.0\/33" is not a CIDR range/)
  })
})
