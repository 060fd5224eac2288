// /readyz: 200 while the store answers and a signing key is loaded; 503 with a JSON reason when the
// store is gone or the replica is draining, while /healthz (liveness) keeps answering 200. While
// draining, Query API requests get a retryable AWS ServiceUnavailable the SDK understands.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterEach, describe, expect, it } from 'vitest'
import { ADMIN, startInProcess } from './helpers.js'
import type { InProcess } from './helpers.js'

let s: InProcess | undefined
afterEach(async () => {
  await s?.close()
  s = undefined
})

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url)
  return { status: r.status, body: (await r.json()) as Record<string, unknown> }
}

describe('GET /readyz', () => {
  it('is 200 when the store answers and a key is loaded, 503 once the store is closed', async () => {
    s = await startInProcess()
    const url = s.serving.url
    expect(await get(`${url}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } })
    await s.serving.rt.store.close()
    const down = await get(`${url}/readyz`)
    expect(down.status).toBe(503)
    expect(down.body).toEqual({ status: 'unavailable', reason: 'store-unreachable', message: 'the sqlite store did not answer' })
    expect((await get(`${url}/healthz`)).status).toBe(200)
  })

  it('is 503 "draining" during shutdown; new Query API requests get a retryable ServiceUnavailable', async () => {
    s = await startInProcess()
    const url = s.serving.url
    s.serving.app.lifecycle.draining = true
    const r = await get(`${url}/readyz`)
    expect(r).toMatchObject({ status: 503, body: { reason: 'draining' } })
    expect((await get(`${url}/healthz`)).status).toBe(200)
    const sts = new STSClient({ endpoint: url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 })
    try {
      const e = (await sts.send(new GetCallerIdentityCommand({})).catch((x: unknown) => x)) as { name?: string; $metadata?: { httpStatusCode?: number; requestId?: string } }
      expect(e.name).toBe('ServiceUnavailable')
      expect(e.$metadata?.httpStatusCode).toBe(503)
      expect(e.$metadata?.requestId).toMatch(/^[0-9a-f-]{36}$/)
    } finally {
      sts.destroy()
    }
    const raw = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' })
    expect(raw.headers.get('retry-after')).toBe('1')
    expect(raw.headers.get('connection')).toBe('close')
    expect(await raw.text()).toContain('<Code>ServiceUnavailable</Code>')
  })
})
