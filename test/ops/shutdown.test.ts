// Graceful shutdown of the real CLI server: a batch of concurrent AssumeRoleWithWebIdentity requests,
// SIGTERM while they are in flight. Every request that got an answer got a correct one (credentials,
// or a retryable 503 ServiceUnavailable once draining), every answered decision is in the SQLite file
// afterwards, and the process exits 0.
import http from 'node:http'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRole, startCli } from './helpers.js'
import type { CliServer } from './helpers.js'

const REQUESTS = 240

interface Outcome {
  readonly status: number
  readonly body: string
  readonly requestId: string | undefined
  readonly retryAfter: string | undefined
  readonly error?: string
}

function post(agent: http.Agent, url: URL, body: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: '/', method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            requestId: res.headers['x-amzn-requestid'] as string | undefined,
            retryAfter: res.headers['retry-after'] as string | undefined,
          }),
        )
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, body: '', requestId: undefined, retryAfter: undefined, error: e.code ?? e.message }))
      },
    )
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, body: '', requestId: undefined, retryAfter: undefined, error: e.code ?? e.message }))
    req.end(body)
  })
}

let server: CliServer
let outcomes: Outcome[]
let exitCode: number | string
let rows: { request_id: string; outcome: string }[]

beforeAll(async () => {
  const started = await startCli(['--shutdown-timeout', '20'], { tokens: 8 })
  server = started.server
  const roleArn = await createRole(server.url, started.issuer, started.providerArn)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 24 })
  const url = new URL(server.url)
  let answered = 0
  let signalled: Promise<number | string> | undefined
  outcomes = await Promise.all(
    Array.from({ length: REQUESTS }, async (_, i) => {
      const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: `drain-${i}`, WebIdentityToken: started.tokens[i % started.tokens.length] as string }).toString()
      const r = await post(agent, url, body)
      // SIGTERM once a third have been answered: the rest are queued or in flight.
      if (++answered === REQUESTS / 3) signalled = server.stop('SIGTERM')
      return r
    }),
  )
  agent.destroy()
  exitCode = await (signalled ?? server.stop('SIGTERM'))
  const db = new Database(join(server.dir, 'data', 'irsa.db'), { readonly: true })
  rows = db.prepare("SELECT request_id, outcome FROM decisions WHERE action = 'sts:AssumeRoleWithWebIdentity'").all() as typeof rows
  db.close()
}, 120_000)

afterAll(async () => {
  await server?.cleanup()
})

describe('SIGTERM with requests in flight', () => {
  it('answers every request it answers correctly: credentials, or a retryable 503 while draining', () => {
    const answered = outcomes.filter((o) => o.status !== 0)
    expect(answered.length).toBeGreaterThanOrEqual(REQUESTS / 3)
    for (const o of answered) {
      if (o.status === 200) {
        expect(o.body).toMatch(/<AccessKeyId>ASIA[A-Z0-9]{16}<\/AccessKeyId>/)
        expect(o.body).toContain(`<RequestId>${o.requestId ?? 'missing'}</RequestId>`)
      } else {
        expect(o.status).toBe(503)
        expect(o.body).toContain('<Code>ServiceUnavailable</Code>')
        expect(o.retryAfter).toBe('1')
      }
    }
    // The rest found the listener closed: refused or reset, never a wrong answer.
    for (const o of outcomes.filter((x) => x.status === 0)) expect(o.error).toMatch(/ECONNREFUSED|ECONNRESET|EPIPE|socket hang up/)
  })

  it('has every acknowledged decision in the store after exit', () => {
    const ok = outcomes.filter((o) => o.status === 200)
    expect(ok.length).toBeGreaterThan(0)
    const stored = new Map(rows.map((r) => [r.request_id, r.outcome]))
    for (const o of ok) expect(stored.get(o.requestId ?? '')).toBe('Allow')
  })

  it('exits 0', () => {
    expect(exitCode).toBe(0)
  })
})
