// Helpers for the operations tests: an in-process server (startServer) with a role a service
// account may assume, the `irsa serve` CLI as a child process, and a Prometheus text parser.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { startServer } from '../../src/cli/serve.js'
import type { ServeOptions, Serving } from '../../src/cli/serve.js'
import { openRuntime } from '../../src/cli/bootstrap.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'
import { mintServiceAccountToken } from '../../src/tokens/service-account-token.js'
import { freePort } from '../support/free-port.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
export const ADMIN = { accessKeyId: 'AKIAIRSAOPSTEST00001', secretAccessKey: 'opsAdminSecretKeyopsAdminSecretKey000001' }
export const ADMIN_ENV = { IRSA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, IRSA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey }
export const NS = 'ops'
export const SA = 'app'
export const ROLE = 'ops-role'

export function trustFor(issuer: string, providerArn: string): string {
  const host = issuerHostPath(issuer)
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${host}:sub`]: `system:serviceaccount:${NS}:${SA}`, [`${host}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  })
}

/** Create the role a service account assumes, allowed to read roles. Returns its ARN. */
export async function createRole(url: string, issuer: string, providerArn: string): Promise<string> {
  const iam = new IAMClient({ endpoint: url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 })
  try {
    const r = await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: trustFor(issuer, providerArn) }))
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: ROLE,
        PolicyName: 'read',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListRoles'], Resource: '*' }] }),
      }),
    )
    return r.Role?.Arn ?? ''
  } finally {
    iam.destroy()
  }
}

export interface InProcess {
  readonly serving: Serving
  readonly dir: string
  close(): Promise<void>
}

export async function startInProcess(extra: Partial<ServeOptions> = {}): Promise<InProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'irsa-ops-'))
  const serving = await startServer({ host: '127.0.0.1', port: 0, data: join(dir, 'data'), env: ADMIN_ENV, ...extra }, () => {})
  return {
    serving,
    dir,
    async close() {
      await serving.close().catch(() => {})
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Parse Prometheus text exposition into `name{labels}` → value (labels as written, sorted). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`not a metrics line: ${line}`)
    const labels = m[3] === undefined ? [] : [...m[3].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => `${x[1]}="${x[2]}"`).sort()
    out.set(labels.length === 0 ? (m[1] as string) : `${m[1]}{${labels.join(',')}}`, Number(m[4]))
  }
  return out
}

/** A series key as parseMetrics writes it. */
export function series(name: string, labels: Record<string, string> = {}): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
  return l.length === 0 ? name : `${name}{${l.join(',')}}`
}

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const r = await fetch(`${url}/metrics`, { headers })
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`)
  return parseMetrics(await r.text())
}

export interface CliServer {
  readonly child: ChildProcess
  readonly url: string
  readonly dir: string
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string
  /** SIGTERM and wait; resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>
  cleanup(): Promise<void>
}

/**
 * Initialise a SQLite state for a fixed port (so tokens can be minted before the server runs),
 * mint `tokens` service-account tokens, then start `irsa serve` on it as a child process.
 */
export async function startCli(args: string[], options: { tokens?: number } = {}): Promise<{ server: CliServer; tokens: string[]; issuer: string; providerArn: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'irsa-ops-cli-'))
  const data = join(dir, 'data')
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}`
  const { rt } = await openRuntime({ data, issuer, port, env: ADMIN_ENV })
  const key = await rt.activeSigningKey()
  const providerArn = rt.ownProviderArn
  await rt.store.close()
  const now = Math.floor(Date.now() / 1000)
  const tokens: string[] = []
  for (let i = 0; i < (options.tokens ?? 1); i++) {
    const uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
    tokens.push(
      await mintServiceAccountToken(
        { issuer, audiences: ['sts.amazonaws.com'], namespace: NS, serviceAccount: { name: SA, uid: '11111111-2222-4333-8444-555555555555' }, pod: { name: `app-${i}`, uid }, now, expirationSeconds: 3600, jti: uid },
        key,
      ),
    )
  }
  const child = spawn(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', data, '--issuer', issuer, ...args], {
    env: { ...process.env, ...ADMIN_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  const url = issuer
  for (;;) {
    if (child.exitCode !== null) throw new Error(`irsa serve exited early (${child.exitCode}): ${out}`)
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) break
    await new Promise((r) => setTimeout(r, 100))
  }
  const server: CliServer = {
    child,
    url,
    dir,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
  return { server, tokens, issuer, providerArn }
}
