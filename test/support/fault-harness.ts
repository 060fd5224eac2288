// Fault tests' harness: real `irsa serve` processes (the built CLI), a client that retries what a
// real SDK caller would retry (connection errors, 5xx) and fails over to another replica, a bounded
// concurrent load loop, and counters for the one-line summary each fault test prints.
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
export const ADMIN = { accessKeyId: 'AKIAIRSAFAULTSTEST01', secretAccessKey: 'faultsSecretKeyfaultsSecretKeyfaultsSe01' }
export const ADMIN_ENV = { IRSA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, IRSA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey }

/** The environment for the built CLI: no inherited store or admin settings, no SDK version warning. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env }
  delete base.IRSA_STORE
  delete base.IRSA_ADMIN_ACCESS_KEY_ID
  delete base.IRSA_ADMIN_SECRET_ACCESS_KEY
  return { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra }
}

export interface ServerProcess {
  readonly url: string
  readonly port: number
  readonly pid: number
  readonly proc: ChildProcessWithoutNullStreams
  /** Everything it printed so far (stdout and stderr). */
  output(): string
  /** Resolves with the exit code or signal once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals | null>
  /** SIGKILL: no shutdown code runs, in-flight requests and open transactions die with it. */
  kill9(): Promise<void>
  /** SIGTERM and wait (a no-op when it already exited). */
  stop(): Promise<void>
}

export interface ServeArgs {
  /** `postgres://…` or `sqlite:PATH`. */
  readonly store: string
  /** Explicit and shared, so replicas (and a restart on another port) agree on the issuer. */
  readonly issuer: string
  readonly port?: number
  /** State directory (admin credentials file for SQLite); a temp dir. */
  readonly data: string
}

/** Spawn `irsa serve`, wait for its endpoint line, then until `/healthz` answers 200. */
export async function spawnServer(a: ServeArgs): Promise<ServerProcess> {
  const args = [CLI, 'serve', '--store', a.store, '--issuer', a.issuer, '--port', String(a.port ?? 0), '--data', a.data]
  const proc = spawn(process.execPath, args, { env: cliEnv(ADMIN_ENV) })
  let out = ''
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()))
  let expected = false
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    proc.once('exit', (code, signal) => {
      // A server dying on its own is the bug these tests look for: say what it printed.
      if (!expected) process.stderr.write(`[faults] irsa serve (pid ${proc.pid}) exited by itself (${signal ?? code}):\n${out}\n`)
      resolve(signal ?? code)
    }),
  )
  const deadline = Date.now() + 30_000
  const ready = async (): Promise<boolean> => {
    const endpoint = /irsa listening on (\S+)/.exec(out)?.[1]
    if (endpoint === undefined) return false
    try {
      const res = await fetch(`${endpoint}/healthz`)
      await res.arrayBuffer()
      return res.ok
    } catch {
      return false
    }
  }
  while (!(await ready())) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`irsa serve exited before listening:\n${out}`)
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`irsa serve did not start within 30 s:\n${out}`)
    }
    await sleep(25)
  }
  const url = /irsa listening on (\S+)/.exec(out)?.[1]
  if (url === undefined) throw new Error(`no endpoint in:\n${out}`)
  const gone = (): boolean => proc.exitCode !== null || proc.signalCode !== null
  return {
    url,
    port: Number(new URL(url).port),
    pid: proc.pid ?? -1,
    proc,
    output: () => out,
    exited,
    async kill9() {
      expected = true
      if (!gone()) proc.kill('SIGKILL')
      await exited
    },
    async stop() {
      expected = true
      if (!gone()) proc.kill('SIGTERM')
      await exited
    },
  }
}

/** Run the built CLI to completion without blocking the event loop (load keeps running meanwhile). */
export function irsa(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env) })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    p.once('error', reject)
    p.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** What the clients saw, for assertions and the one-line summary. */
export class LoadStats {
  operations = 0
  succeeded = 0
  attempts = 0
  retries = 0
  /** Operations that finally failed, with why. */
  readonly failures: { op: string; error: string }[] = []
  /** Every retryable failure seen (connection error or 5xx), by kind. */
  readonly retryable = new Map<string, number>()
  /** Every 5xx answer: its status, AWS code and Retry-After header. */
  readonly serverErrors: { status: number; code: string; retryAfter: string | undefined; at: number }[] = []
  /** Times of the first and last failed attempt (ms since epoch). */
  firstFailureAt: number | undefined
  lastFailureAt: number | undefined

  noteFailure(kind: string): void {
    this.retryable.set(kind, (this.retryable.get(kind) ?? 0) + 1)
    const now = Date.now()
    this.firstFailureAt ??= now
    this.lastFailureAt = now
  }

  /** How long clients saw failures (first to last failed attempt), in ms. */
  outageMs(): number {
    return this.firstFailureAt === undefined || this.lastFailureAt === undefined ? 0 : this.lastFailureAt - this.firstFailureAt
  }

  summary(label: string, extra: Record<string, string | number> = {}): string {
    const kinds = [...this.retryable].map(([k, n]) => `${k}=${n}`).join(',') || 'none'
    const more = Object.entries(extra).map(([k, v]) => ` ${k}=${v}`).join('')
    return `[faults] ${label}: operations=${this.operations} succeeded=${this.succeeded} failed=${this.failures.length} attempts=${this.attempts} retries=${this.retries} retryable=${kinds} client-visible-outage-ms=${this.outageMs()}${more}`
  }
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_SOCKET'])

/** A retryable failure's kind (`ECONNRESET`, `503 ServiceUnavailable`, …), or undefined when it is final. */
export function retryableKind(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  if (status !== undefined && status >= 500) return `${status} ${e.name}`
  const code = (e as NodeJS.ErrnoException).code
  if (code !== undefined && NETWORK.has(code)) return code
  if (status === undefined && (e.name === 'TimeoutError' || /socket hang up/i.test(e.message))) return 'socket-hang-up'
  return undefined
}

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  return `${e.name}${status === undefined ? '' : ` (${status})`}: ${e.message}`
}

export interface SessionCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken: string
}

/** SDK clients for one server: admin IAM, anonymous STS (AssumeRoleWithWebIdentity), and per-session STS. */
export class Endpoint {
  readonly url: string
  readonly iam: IAMClient
  readonly sts: STSClient

  constructor(url: string) {
    this.url = url
    // maxAttempts 1: FailoverClient does the retrying, so it can count retries and switch replicas.
    this.iam = new IAMClient({ endpoint: url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 })
    this.sts = new STSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 })
  }

  /** GetCallerIdentity signed with a role session's credentials (a client made for the call). */
  async callerArn(credentials: SessionCredentials): Promise<string | undefined> {
    const c = new STSClient({ endpoint: this.url, region: 'us-east-1', credentials, maxAttempts: 1 })
    try {
      return (await c.send(new GetCallerIdentityCommand({}))).Arn
    } finally {
      c.destroy()
    }
  }

  /** AssumeRoleWithWebIdentity; the credentials and the request id the decision log keys it by. */
  async assume(roleArn: string, token: string, sessionName = 'faults'): Promise<{ credentials: SessionCredentials; requestId: string }> {
    const r = await this.sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: sessionName, WebIdentityToken: token }))
    const c = r.Credentials
    const requestId = r.$metadata.requestId
    if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined || requestId === undefined) throw new Error('AssumeRoleWithWebIdentity answered without credentials or request id')
    return { credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, requestId }
  }

  destroy(): void {
    this.iam.destroy()
    this.sts.destroy()
  }
}

export interface FailoverOptions {
  /** Give up on one operation after this long; default 30 s. */
  readonly deadlineMs?: number
  /** First back-off; doubles up to 500 ms (Retry-After, when sent, is honoured instead). */
  readonly backoffMs?: number
  /** Retry at all; false makes every failure final (for the "zero failures" tests). Default true. */
  readonly retry?: boolean
}

/**
 * Runs one logical operation against a list of replicas: a retryable failure is retried (with
 * back-off, honouring Retry-After) on the next replica; the replica that last answered is tried
 * first next time. `fn` receives the retry flag so an operation can treat "already exists" after a
 * lost response as its own earlier success.
 */
export class FailoverClient {
  readonly endpoints: Endpoint[]
  readonly stats: LoadStats
  private preferred = 0
  private readonly o: Required<FailoverOptions>

  constructor(urls: readonly string[], stats: LoadStats, o: FailoverOptions = {}) {
    this.endpoints = urls.map((u) => new Endpoint(u))
    this.stats = stats
    this.o = { deadlineMs: o.deadlineMs ?? 30_000, backoffMs: o.backoffMs ?? 50, retry: o.retry ?? true }
  }

  async call<T>(op: string, fn: (e: Endpoint, retried: boolean) => Promise<T>): Promise<T> {
    const s = this.stats
    s.operations++
    const deadline = Date.now() + this.o.deadlineMs
    let backoff = this.o.backoffMs
    let retried = false
    let index = this.preferred
    for (;;) {
      const endpoint = this.endpoints[index % this.endpoints.length] as Endpoint
      s.attempts++
      try {
        const result = await fn(endpoint, retried)
        this.preferred = index % this.endpoints.length
        s.succeeded++
        return result
      } catch (e) {
        const kind = retryableKind(e)
        if (kind !== undefined) s.noteFailure(kind)
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
        const retryAfter = (e as { $response?: { headers?: Record<string, string> } }).$response?.headers?.['retry-after']
        if (status !== undefined && status >= 500) s.serverErrors.push({ status, code: (e as Error).name, retryAfter, at: Date.now() })
        if (kind === undefined || !this.o.retry || Date.now() > deadline) {
          s.failures.push({ op, error: describeError(e) })
          throw e
        }
        s.retries++
        retried = true
        index++
        const seconds = Number(retryAfter)
        await sleep(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : backoff)
        backoff = Math.min(backoff * 2, 500)
      }
    }
  }

  destroy(): void {
    for (const e of this.endpoints) e.destroy()
  }
}

/**
 * Run `workers` loops concurrently, each calling `step(worker, i)` for i = 0, 1, … until it has done
 * `iterations` steps or `stop()` says so. Bounded in count; a step that throws ends its worker (its
 * failure is already in the stats) and the error is rethrown once all workers are done.
 */
export async function runLoad(workers: number, iterations: number, step: (worker: number, i: number) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  const errors: unknown[] = []
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; i < iterations && !stop(); i++) {
        try {
          await step(w, i)
        } catch (e) {
          errors.push(e)
          return
        }
      }
    }),
  )
  // A compact error: an SDK error's own serialisation carries the whole HTTP response.
  if (errors.length > 0) throw new Error(`${errors.length} load step(s) failed; first: ${describeError(errors[0])}`)
}

/** Resolve once `cond()` holds, polling; rejects after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** A trust policy admitting one service account of one OIDC provider. */
export function trustFor(providerArn: string, issuerHostPath: string, namespace: string, serviceAccount: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${issuerHostPath}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${issuerHostPath}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  })
}

/** What the server acknowledged (answered 200 for): each must survive the fault. */
export class Acks {
  readonly roles: string[] = []
  readonly policies: { role: string; name: string; document: string }[] = []
  /** Request ids of acknowledged AssumeRoleWithWebIdentity calls (the decision log keeps them). */
  readonly exchanges: string[] = []
  /** CreateRole answered EntityAlreadyExists on a retry: the lost-response attempt had committed. */
  ambiguousCreates = 0

  snapshot(): { roles: string[]; policies: { role: string; name: string; document: string }[]; exchanges: string[] } {
    return { roles: [...this.roles], policies: [...this.policies], exchanges: [...this.exchanges] }
  }
}

/** CreateRole; on a retry, EntityAlreadyExists means our own earlier attempt committed (its answer was lost). */
export async function createRole(c: FailoverClient, acks: Acks, name: string, trust: string): Promise<void> {
  await c.call('CreateRole', async (e, retried) => {
    try {
      await e.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }))
    } catch (err) {
      if (!(retried && err instanceof Error && err.name === 'EntityAlreadyExistsException')) throw err
      acks.ambiguousCreates++
    }
  })
  acks.roles.push(name)
}

export async function putRolePolicy(c: FailoverClient, acks: Acks, role: string, name: string, document: string): Promise<void> {
  await c.call('PutRolePolicy', (e) => e.iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: name, PolicyDocument: document })))
  acks.policies.push({ role, name, document })
}

export async function exchange(c: FailoverClient, acks: Acks, roleArn: string, token: string): Promise<SessionCredentials> {
  const { credentials, requestId } = await c.call('AssumeRoleWithWebIdentity', (e) => e.assume(roleArn, token))
  acks.exchanges.push(requestId)
  return credentials
}

/** A small identity policy naming its own bucket, so each acknowledged document is recognisable. */
export function bucketPolicy(bucket: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] })
}
