/**
 * End to end through the real command (`node dist/cli/main.js webhook`, built by `npm run build`):
 * HTTPS with a self-signed certificate made here with openssl, AdmissionReviews sent with node's
 * https client, every upstream fixture (one server per distinct flag set), 415, v1beta1, and the
 * service-account file re-read while serving.
 */
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyJsonPatch, getPointer, loadFixtures, normalizeGo, removePointer, UPSTREAM_DROPS } from './fixtures.js'
import type { FixtureCase } from './fixtures.js'
import { review } from './helpers.js'
import type { ReviewResponse } from './helpers.js'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const run = promisify(execFile)
let dir = ''
let ca: Buffer
const servers: ChildProcess[] = []

async function startCli(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'webhook', '--host', '127.0.0.1', '--port', '0', '--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  servers.push(child)
  let out = ''
  let err = ''
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on (https:\/\/\S+)/.exec(out)
      if (m?.[1] !== undefined) resolve(m[1])
    })
    child.on('exit', (code) => reject(new Error(`irsa webhook exited ${code}: ${err}`)))
  })
}

function request(url: string, body: string, o: { path?: string; contentType?: string; method?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${url}${o.path ?? '/mutate'}`, { method: o.method ?? 'POST', ca, headers: { 'content-type': o.contentType ?? 'application/json' } }, (res) => {
      let data = ''
      res.on('data', (d: Buffer) => (data += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

function flagArgs(c: FixtureCase): string[] {
  const f = c.flags
  const args = [`--aws-default-region=${f.region ?? ''}`, `--sts-regional-endpoint=${f.stsRegionalEndpoint === true}`, `--token-expiration=${f.tokenExpiration ?? 86400}`]
  if (f.tokenMountPath !== undefined) args.push(`--token-mount-path=${f.tokenMountPath}`)
  const cc = f.containerCredentials
  if (cc !== undefined) {
    args.push(`--container-credentials-full-uri=${cc.fullUri}`, `--container-credentials-audience=${cc.audience}`, `--container-credentials-token-mount-path=${cc.mountPath}`, `--container-credentials-token-volume-name=${cc.volumeName}`, `--container-credentials-token-path=${cc.tokenPath}`)
  }
  return args
}

beforeAll(async () => {
  if (!existsSync(CLI) || !existsSync(join(CLI, '..', 'webhook.js'))) throw new Error('dist/cli/main.js with the webhook command is missing: run `npm run build` first')
  dir = await mkdtemp(join(tmpdir(), 'irsa-webhook-e2e-'))
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'])
  ca = await readFile(join(dir, 'tls.crt'))
})

afterAll(async () => {
  for (const s of servers) s.kill('SIGTERM')
  if (dir !== '') await rm(dir, { recursive: true, force: true })
})

describe('irsa webhook over HTTPS', () => {
  it('every upstream fixture patches to the expected pod', async () => {
    const cases = loadFixtures().filter((c) => !c.skip)
    // One namespace per fixture (its SA annotations), one server per distinct flag set.
    const groups = new Map<string, { c: FixtureCase; ns: string }[]>()
    cases.forEach((c, i) => {
      const key = flagArgs(c).join(' ')
      groups.set(key, [...(groups.get(key) ?? []), { c, ns: `fixture-${i}` }])
    })
    const items = cases.map((c, i) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: `fixture-${i}`, name: 'default', annotations: c.serviceAccount.annotations } }))
    await writeFile(join(dir, 'sa.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }))
    const identities = cases.flatMap((c, i) => (c.containerCredentials ? [{ namespace: `fixture-${i}`, serviceAccount: 'default' }] : []))
    await writeFile(join(dir, 'cc.json'), JSON.stringify({ identities }))
    await Promise.all(
      [...groups].map(async ([key, list]) => {
        const url = await startCli([...key.split(' '), '--service-accounts', join(dir, 'sa.json'), '--watch-container-credentials-config', join(dir, 'cc.json')])
        for (const { c, ns } of list) {
          const pod = { ...c.pod, metadata: { ...(c.pod.metadata as object), namespace: ns } }
          const res = await request(url, JSON.stringify(review(pod, { namespace: ns, uid: ns })))
          expect(res.status).toBe(200)
          const r = JSON.parse(res.body) as ReviewResponse
          expect(r.response).toMatchObject({ uid: ns, allowed: true, patchType: 'JSONPatch' })
          const patch = JSON.parse(Buffer.from(r.response.patch ?? '', 'base64').toString()) as { path: string; value: unknown }[]
          // The container-credentials jitter is really random here: check its range, then pin it.
          for (const op of patch) {
            const volume = Array.isArray(op.value) ? (op.value as unknown[])[0] : op.value
            const token = (volume as { projected?: { sources: { serviceAccountToken: { expirationSeconds: number } }[] } } | undefined)?.projected?.sources[0]?.serviceAccountToken
            const expected = JSON.stringify(c.expectedPatch).includes('"expirationSeconds":79200')
            if (token !== undefined && expected) {
              expect(token.expirationSeconds).toBeGreaterThanOrEqual(79200)
              expect(token.expirationSeconds).toBeLessThanOrEqual(86400)
              token.expirationSeconds = 79200
            }
          }
          const want = normalizeGo(applyJsonPatch({ ...c.pod, metadata: { ...(c.pod.metadata as object), namespace: ns } }, c.expectedPatch))
          let got: unknown = applyJsonPatch(pod, patch)
          for (const p of UPSTREAM_DROPS[c.name] ?? []) {
            expect(getPointer(got, p)).toBeDefined()
            got = removePointer(got, p)
          }
          expect(normalizeGo(got), c.name).toEqual(want)
        }
      }),
    )
  })

  it('415, v1beta1, /healthz, the upstream sample request, and the SA file re-read while serving', async () => {
    const file = join(dir, 'live.json')
    const role = 'arn:aws:iam::111122223333:role/live'
    await writeFile(file, JSON.stringify({ kind: 'List', items: [] }))
    const url = await startCli(['--service-accounts', file])
    expect((await request(url, JSON.stringify(review({})), { contentType: 'text/plain' })).status).toBe(415)
    expect(await request(url, '', { path: '/healthz', method: 'GET' })).toEqual({ status: 200, body: 'ok' })
    const sample = await readFile(fileURLToPath(new URL('./fixtures/admission/request.json', import.meta.url)), 'utf8')
    const before = JSON.parse((await request(url, sample)).body) as ReviewResponse
    expect(before).toEqual({ kind: 'AdmissionReview', response: { uid: '918ef1dc-928f-4525-99ef-988389f263c3', allowed: true } })
    await writeFile(file, JSON.stringify({ kind: 'List', items: [{ kind: 'ServiceAccount', metadata: { namespace: 'default', name: 'default', annotations: { 'eks.amazonaws.com/role-arn': role } } }] }))
    let after: ReviewResponse | undefined
    for (let i = 0; i < 100 && after?.response.patch === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50))
      after = JSON.parse((await request(url, sample)).body) as ReviewResponse
    }
    const patch = JSON.parse(Buffer.from(after?.response.patch ?? '', 'base64').toString()) as { path: string }[]
    expect(patch.map((p) => p.path)).toEqual(['/spec/volumes/0', '/spec/containers/0/env', '/spec/containers/0/volumeMounts/-'])
    const beta = JSON.parse((await request(url, JSON.stringify(review({ spec: { serviceAccountName: 'default', containers: [] } }, { apiVersion: 'admission.k8s.io/v1beta1', uid: 'b1' })))).body) as ReviewResponse
    expect(beta).toMatchObject({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', response: { uid: 'b1', allowed: true } })
    const bad = JSON.parse((await request(url, '{')).body) as ReviewResponse
    expect(bad.response.allowed).toBe(false)
  })

  it('a bad flag or unreadable certificate fails at start with a message', async () => {
    await expect(run(process.execPath, [CLI, 'webhook', '--tls-cert', '/nonexistent', '--tls-key', '/nonexistent', '--service-accounts', join(dir, 'sa.json')])).rejects.toMatchObject({ stderr: expect.stringMatching(/TLS certificate or key/) })
    await expect(run(process.execPath, [CLI, 'webhook', '--token-expiration', 'soon'])).rejects.toMatchObject({ stderr: expect.stringMatching(/whole number/) })
  })
})
