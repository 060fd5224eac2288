// `irsa serve --log-level debug` as a real process: requests carrying a web identity token (in a form
// body and in a query string), session credentials, admin SigV4 signatures and a security token are
// logged as JSON lines with the request id the client saw — and none of those secrets appears anywhere
// in the process output.
import { randomBytes } from 'node:crypto'
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, createRole, startCli } from './helpers.js'
import type { CliServer } from './helpers.js'

let server: CliServer
let token: string
let roleArn: string
let exitCode: number | string
let output: string
const secrets: string[] = []
let deniedRequestId = ''

beforeAll(async () => {
  const started = await startCli(['--log-level', 'debug'], { tokens: 1 })
  server = started.server
  token = started.tokens[0] as string
  roleArn = await createRole(server.url, started.issuer, started.providerArn)
  const url = server.url

  const sts = new STSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 })
  const r = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'logged', WebIdentityToken: token }))
  const session = { accessKeyId: r.Credentials?.AccessKeyId ?? '', secretAccessKey: r.Credentials?.SecretAccessKey ?? '', sessionToken: r.Credentials?.SessionToken ?? '' }
  secrets.push(token, ...token.split('.'), session.secretAccessKey, session.sessionToken, ADMIN.secretAccessKey)

  // The token in a query string, as GET AssumeRoleWithWebIdentity sends it.
  const q = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: 'query', WebIdentityToken: token })
  expect((await fetch(`${url}/?${q}`)).status).toBe(200)

  const withSession = new STSClient({ endpoint: url, region: 'us-east-1', credentials: session, maxAttempts: 1 })
  await withSession.send(new GetCallerIdentityCommand({}))
  const iam = new IAMClient({ endpoint: url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 })
  await iam.send(new GetRoleCommand({ RoleName: 'ops-role' }))

  // A forged request: its signature and security token are secrets too; its request id is what the client sees.
  const signature = randomBytes(32).toString('hex')
  const securityToken = `FwoGZXIvYXdzE${randomBytes(24).toString('base64url')}`
  secrets.push(signature, securityToken)
  const forged = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${session.accessKeyId}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
      'x-amz-date': '20260101T000000Z',
      'x-amz-security-token': securityToken,
    },
    body: `Action=GetCallerIdentity&Version=2011-06-15&SecretAccessKey=${encodeURIComponent(session.secretAccessKey)}`,
  })
  expect(forged.status).toBeGreaterThanOrEqual(400)
  deniedRequestId = forged.headers.get('x-amzn-requestid') ?? ''
  expect(await forged.text()).toContain(`<RequestId>${deniedRequestId}</RequestId>`)

  // A JSON body is refused (415) — and its contents are not logged either.
  expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ WebIdentityToken: token }) })).status).toBe(415)

  sts.destroy()
  withSession.destroy()
  iam.destroy()
  exitCode = await server.stop('SIGTERM')
  output = server.output()
}, 60_000)

afterAll(async () => {
  await server?.cleanup()
})

function jsonLines(): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

describe('irsa serve --log-level debug', () => {
  it('never writes a token, secret key, session token, signature or security token', () => {
    expect(output.length).toBeGreaterThan(0)
    for (const s of secrets) {
      expect(s.length).toBeGreaterThan(8)
      expect(output.includes(s), `output contains a secret of ${s.length} chars`).toBe(false)
    }
    expect(output).not.toMatch(/WebIdentityToken|X-Amz-Security-Token|authorization/i)
  })

  it('logs one JSON line per request with id, method, route, action, status and latency', () => {
    const requests = jsonLines().filter((l) => l.msg === 'request')
    const actions = requests.filter((l) => l.route === '/').map((l) => `${String(l.action)} ${String(l.status)}`)
    expect(actions).toEqual(expect.arrayContaining(['AssumeRoleWithWebIdentity 200', 'GetCallerIdentity 200', 'GetRole 200']))
    for (const l of requests) {
      expect(l).toMatchObject({ level: expect.any(Number), time: expect.any(String), reqId: expect.stringMatching(/^[0-9a-f-]{36}$/), method: expect.any(String), route: expect.any(String), status: expect.any(Number), latencyMs: expect.any(Number) })
    }
  })

  it("uses the client's x-amzn-RequestId as the log line's reqId", () => {
    const line = jsonLines().find((l) => l.reqId === deniedRequestId)
    expect(line).toMatchObject({ msg: 'request', route: '/', action: 'GetCallerIdentity', method: 'POST' })
    expect(line?.status).toBeGreaterThanOrEqual(400)
  })

  it('exits 0 on SIGTERM after logging the shutdown', () => {
    expect(exitCode).toBe(0)
    expect(jsonLines().some((l) => l.msg === 'shut down' && l.drained === true)).toBe(true)
  })
})
