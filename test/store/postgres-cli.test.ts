// The built CLI with a PostgreSQL store: `irsa serve --store`, and `irsa keys`, `irsa token`,
// `irsa log`, `irsa apply` reaching the same state through --store or IRSA_STORE.
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testPostgres } from '../support/postgres.js'
import type { TestPostgres } from '../support/postgres.js'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const ADMIN = { IRSA_ADMIN_ACCESS_KEY_ID: 'AKIAIRSAPGCLITEST001', IRSA_ADMIN_SECRET_ACCESS_KEY: 'pgclitestsecretpgclitestsecretpgclitest1' }

let pg: TestPostgres
let url: string
let dir: string
let server: ChildProcessWithoutNullStreams | undefined

function irsa(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const base = { ...process.env }
  delete base.IRSA_STORE
  delete base.IRSA_ADMIN_ACCESS_KEY_ID
  delete base.IRSA_ADMIN_SECRET_ACCESS_KEY
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, env: { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(async () => {
  pg = await testPostgres()
  url = await pg.createDatabase()
  dir = mkdtempSync(join(tmpdir(), 'irsa-pg-cli-'))
}, 120_000)

afterAll(async () => {
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((r) => server?.once('exit', r))
    server.kill('SIGTERM')
    await exited
  }
  await pg?.stop()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('CLI with --store postgres://', () => {
  it('serve, then keys, token, log and apply share the PostgreSQL state', async () => {
    server = spawn(process.execPath, [CLI, 'serve', '--store', url, '--port', '0', '--data', join(dir, 'unused')], { cwd: dir, env: { ...process.env, ...ADMIN } })
    let out = ''
    server.stdout.on('data', (d: Buffer) => (out += d.toString()))
    server.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const deadline = Date.now() + 20_000
    while (!out.includes('health') && Date.now() < deadline && server.exitCode === null) await new Promise((r) => setTimeout(r, 50))
    expect(out).toContain('store postgres')
    expect(out).not.toContain('Admin credentials were generated')
    const endpoint = /irsa listening on (\S+)/.exec(out)?.[1] ?? ''

    const rotated = irsa(['keys', 'rotate', '--store', url, '--algorithm', 'ES256', '--format', 'json'])
    expect(rotated.stderr).toBe('')
    const { kid } = JSON.parse(rotated.stdout) as { kid: string }
    const listed = JSON.parse(irsa(['keys', 'list', '--format', 'json'], { IRSA_STORE: url }).stdout) as { kid: string; active: boolean }[]
    expect(listed.filter((k) => k.active).map((k) => k.kid)).toEqual([kid])

    const token = irsa(['token', '--namespace', 'ns', '--service-account', 'sa'], { IRSA_STORE: url }).stdout.trim()
    expect(decodeProtectedHeader(token).kid).toBe(kid)
    expect(decodeJwt(token).iss).toBe(endpoint)

    const config = join(dir, 'irsa.yaml')
    writeFileSync(config, 'roles:\n  - name: from-cli\n    serviceAccounts: [ns/sa]\n')
    // No --endpoint: the endpoint the server recorded in the store.
    const applied = irsa(['apply', config, '--store', url, '--format', 'json'], ADMIN)
    expect(applied.stderr).toBe('')
    expect(applied.code).toBe(0)
    const log = irsa(['log', '--store', url, '--format', 'json'])
    expect(log.code).toBe(0)
    expect(log.stdout).toContain('irsa:PutBindings')

    expect(irsa(['keys', 'list', '--store', 'mysql://x'])).toMatchObject({ code: 1, stderr: expect.stringContaining('postgres://') })
  }, 60_000)
})
