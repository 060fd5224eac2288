// No token or secret ever reaches a log line or the state on disk: `irsa serve --log` runs as a
// child process (the real CLI and its logger), gets the requests that carry credentials — web
// identity tokens in bodies and query strings, session tokens in headers and presigned URLs,
// signatures, wrong secrets — and then its whole stdout/stderr and every file of its data directory
// are searched for each of them, raw and URL-encoded.
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { presign } from '../sts/helpers.js'
import { ADMIN, FORM, raw, REGION, sdkError } from './helpers.js'

const MAIN = join(process.cwd(), 'dist/cli/main.js')
const ACCOUNT = '111122223333'

let dir: string
let child: ChildProcess
let output = ''
let url = ''
const clients: { destroy(): void }[] = []
/** Every credential the requests below carried or received. */
const needles = new Map<string, string>()

function node(args: string[]): string {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, IRSA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, IRSA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey } })
  if (r.status !== 0) throw new Error(`irsa ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-sec-logs-'))
  // The most verbose logging this build offers.
  const verbose = node(['serve', '--help']).includes('--log-level') ? ['--log-level', 'trace'] : []
  child = spawn(process.execPath, [MAIN, 'serve', '--log', ...verbose, '--host', '127.0.0.1', '--port', '0', '--data', join(dir, 'data')], {
    env: { ...process.env, IRSA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, IRSA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d))
  url = await new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /irsa listening on (http:\/\/\S+)/.exec(output)
      if (m !== null) {
        clearInterval(t)
        resolve(m[1] as string)
      }
    }, 50)
    child.once('exit', (code) => {
      clearInterval(t)
      reject(new Error(`irsa serve exited (${code}): ${output}`))
    })
  })
}, 60_000)

afterAll(async () => {
  for (const c of clients) c.destroy()
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

function remember(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new Error(`no ${name}`)
  needles.set(name, value)
  return value
}

describe('irsa serve --log', () => {
  it('never writes a token, secret, session token or signature to its log or its data directory', async () => {
    const admin = new IAMClient({ endpoint: url, region: REGION, credentials: ADMIN, maxAttempts: 1 })
    const anon = new STSClient({ endpoint: url, region: REGION, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 })
    clients.push(admin, anon)
    remember('admin secret access key', ADMIN.secretAccessKey)
    const issuer = new URL(url).host
    await admin.send(
      new CreateRoleCommand({
        RoleName: 'app',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer}` },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringEquals: { [`${issuer}:sub`]: 'system:serviceaccount:default:app' } },
            },
          ],
        }),
      }),
    )
    const token = remember('web identity token', node(['token', '--data', join(dir, 'data'), '--namespace', 'default', '--service-account', 'app', '--expiration', '3600']).trim())
    remember('web identity token signature', token.split('.')[2])
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/app`

    // Exchanges: accepted (body), refused (tampered token), and the token in a GET query string.
    const ok = await anon.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'logs', WebIdentityToken: token }))
    const session = {
      accessKeyId: ok.Credentials?.AccessKeyId ?? '', // an identifier, not a secret: the decision log records it (as CloudTrail does)
      secretAccessKey: remember('session secret access key', ok.Credentials?.SecretAccessKey),
      sessionToken: remember('session token', ok.Credentials?.SessionToken),
    }
    const tampered = `${token.slice(0, -6)}AAAAAA`
    expect(await sdkError(anon.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'logs', WebIdentityToken: tampered })))).toMatchObject({ code: 'InvalidIdentityToken' })
    const query = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: 'logs-get', WebIdentityToken: token })
    expect((await raw(url, { method: 'GET', path: `/?${query.toString()}` })).status).toBe(200)

    // Signed calls: session credentials in headers, a presigned URL, a wrong secret, an IAM call.
    const sts = new STSClient({ endpoint: url, region: REGION, credentials: session, maxAttempts: 1 })
    clients.push(sts)
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/app/logs`)
    const presigned = await presign({ ...session, region: REGION, date: new Date(), method: 'GET', host: new URL(url).host, query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, expiresIn: 60 })
    remember('presigned signature', /X-Amz-Signature=([0-9a-f]{64})/.exec(presigned.query)?.[1])
    expect((await raw(url, { method: 'GET', path: `/?${presigned.query}` })).status).toBe(200)
    const wrong = new STSClient({ endpoint: url, region: REGION, credentials: { ...session, secretAccessKey: 'wrongSecretwrongSecretwrongSecretwrongSecr' }, maxAttempts: 1 })
    clients.push(wrong)
    remember('wrong secret', 'wrongSecretwrongSecretwrongSecretwrongSecr')
    expect(await sdkError(wrong.send(new GetCallerIdentityCommand({})))).toMatchObject({ code: 'SignatureDoesNotMatch' })
    await admin.send(new ListRolesCommand({}))
    // A malformed request carrying the token, and an oversized one.
    expect((await raw(url, { headers: FORM, body: `Action=AssumeRoleWithWebIdentity&WebIdentityToken=${token}&WebIdentityToken=${token}` })).status).toBe(400)
    expect((await raw(url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ WebIdentityToken: token, SessionToken: session.sessionToken }) })).status).toBe(415)

    // Stop the server so every log line is flushed, then search everything it wrote.
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
    const lines = output.split('\n').filter((l) => l.startsWith('{'))
    expect(lines.length, output).toBeGreaterThanOrEqual(10) // logging really was on: one line per request at least
    const files = readdirSync(join(dir, 'data')).map((f) => ({ f, text: readFileSync(join(dir, 'data', f)).toString('latin1') }))
    expect(files.length).toBeGreaterThan(0)
    for (const [name, value] of needles) {
      for (const form of new Set([value, encodeURIComponent(value), new URLSearchParams({ x: value }).toString().slice(2)])) {
        expect(output.includes(form), `${name} appears in the log`).toBe(false)
        for (const { f, text } of files) expect(text.includes(form), `${name} appears in ${f}`).toBe(false)
      }
    }
  }, 60_000)
})
