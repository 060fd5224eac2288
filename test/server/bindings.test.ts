// The bindings endpoint: SigV4 for service `irsa`, administrator only, strict JSON, atomic updates.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signedHeaders } from '../../src/aws/sigv4/sign.js'
import { parseConfig } from '../../src/config/config-file.js'
import { startServer } from '../../src/cli/serve.js'
import type { Serving } from '../../src/cli/serve.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'

const ADMIN = { IRSA_ADMIN_ACCESS_KEY_ID: 'AKIAIRSABINDINGS0001', IRSA_ADMIN_SECRET_ACCESS_KEY: 'bindingsSecretKeybindingsSecretKey123456' }
let dir: string
let s: Serving

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-bindings-'))
  const config = parseConfig('roles:\n  - name: app\n    serviceAccounts: [default/app]\n')
  s = await startServer({ host: '127.0.0.1', port: 0, data: dir, env: ADMIN, config }, () => {})
})
afterAll(async () => {
  await s?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function call(method: 'GET' | 'PUT', payload: unknown, creds = { accessKeyId: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN.IRSA_ADMIN_SECRET_ACCESS_KEY, sessionToken: undefined as string | undefined }, service = 'irsa'): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL('/irsa/v1/bindings', s.url)
  const body = payload === undefined ? '' : JSON.stringify(payload)
  const headers = signedHeaders({ method, url, body, ...(payload === undefined ? {} : { contentType: 'application/json' }), accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken === undefined ? {} : { sessionToken: creds.sessionToken }), region: 'us-east-1', service }, new Date())
  const res = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body }) })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

describe('/irsa/v1/bindings', () => {
  const roleArn = (): string => `arn:aws:iam::${s.rt.account}:role/app`

  it('GET lists, PUT upserts and removes atomically', async () => {
    expect(await call('GET', undefined)).toEqual({ status: 200, json: { bindings: [{ namespace: 'default', serviceAccount: 'app', roleArn: roleArn() }] } })
    const put = await call('PUT', { bindings: [{ namespace: 'team-a', serviceAccount: 'worker', roleArn: roleArn(), audience: 'sts.amazonaws.com' }], remove: [{ namespace: 'default', serviceAccount: 'app' }] })
    expect(put).toEqual({ status: 200, json: { bindings: [{ namespace: 'team-a', serviceAccount: 'worker', roleArn: roleArn(), audience: 'sts.amazonaws.com' }] } })
  })

  it('rejects bad bodies without changing anything', async () => {
    const bad = await call('PUT', { bindings: [{ namespace: 'team-a', serviceAccount: 'Bad_Name', roleArn: roleArn() }] })
    expect(bad.status).toBe(400)
    expect(bad.json).toEqual({ error: { code: 'ValidationError', message: 'bindings[0].serviceAccount must be a Kubernetes service account name' } })
    expect((await call('PUT', { bindings: [], extra: 1 })).json).toEqual({ error: { code: 'ValidationError', message: 'Unknown field "extra"' } })
    expect(((await call('GET', undefined)).json.bindings as unknown[]).length).toBe(1)
  })

  it('authenticates: wrong service scope, wrong secret, role sessions', async () => {
    expect((await call('GET', undefined, undefined, 'iam')).json).toMatchObject({ error: { code: 'SignatureDoesNotMatch' } })
    expect((await call('GET', undefined, { accessKeyId: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID, secretAccessKey: 'x'.repeat(40), sessionToken: undefined })).json).toMatchObject({ error: { code: 'SignatureDoesNotMatch' } })
    // A role session (its trust was generated for default/app) is authenticated but not the administrator.
    const appToken = (await issueServiceAccountToken(s.rt, { namespace: 'default', serviceAccount: 'app' })).token
    const res = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${encodeURIComponent(roleArn())}&RoleSessionName=sess&WebIdentityToken=${appToken}`,
    })
    const xml = await res.text()
    const pick = (tag: string): string => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1] ?? ''
    expect(res.status).toBe(200)
    const session = { accessKeyId: pick('AccessKeyId'), secretAccessKey: pick('SecretAccessKey'), sessionToken: pick('SessionToken') }
    const denied = await call('GET', undefined, session)
    expect(denied.status).toBe(403)
    expect(denied.json).toEqual({ error: { code: 'AccessDenied', message: `User: arn:aws:sts::${s.rt.account}:assumed-role/app/sess is not authorized to manage irsa bindings: only the administrator is` } })
  })
})
