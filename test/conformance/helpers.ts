// Shared plumbing for the conformance suite: one real server per file on loopback, the AWS CLI v1,
// boto3 and the JS SDK as clients, and token minting (valid and hostile) with jose.
import { execFile, execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { base64url, importJWK, SignJWT } from 'jose'
import type { JWK } from 'jose'
import { startServer } from '../../src/cli/serve.js'
import type { Serving } from '../../src/cli/serve.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import type { IssueTokenInput } from '../../src/cli/issue-token.js'

const run = promisify(execFile)

export const ADMIN = {
  IRSA_ADMIN_ACCESS_KEY_ID: 'AKIAIRSACONFORMANCE1',
  IRSA_ADMIN_SECRET_ACCESS_KEY: 'conformanceSecretKeyconformanceSecretKey',
} as const
export const REGION = 'us-west-2'
export const MAIN = join(process.cwd(), 'dist/cli/main.js')
export const BOTO3_SCRIPT = join(process.cwd(), 'test/conformance/boto3_client.py')

/** The real executable behind a pyenv shim (the shim costs ~0.2 s per call), else the name. */
function resolveBin(name: string): string {
  try {
    return execFileSync('pyenv', ['which', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || name
  } catch {
    return name
  }
}
export const PYTHON = resolveBin('python3')
export const AWS = resolveBin('aws')

/** A server whose clock can be moved forward (to expire sessions without waiting). */
export interface TestServer {
  readonly serving: Serving
  readonly url: string
  readonly dir: string
  readonly data: string
  /** Milliseconds added to the server's clock. */
  offsetMs: number
  token(input: Partial<IssueTokenInput> & { namespace: string; serviceAccount: string }): Promise<string>
  /** Write a file under the test directory; returns its path. */
  file(name: string, text: string): string
  /** A fresh HOME (the AWS CLI caches web-identity credentials under ~/.aws/cli/cache by role ARN). */
  home(): string
  close(): Promise<void>
}

export async function startTestServer(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-conf-'))
  const data = join(dir, 'data')
  const clock = { offsetMs: 0 }
  const serving = await startServer(
    { host: '127.0.0.1', port: 0, data, env: { ...ADMIN }, region: REGION, clock: { now: () => Date.now() + clock.offsetMs } },
    () => {},
  )
  let homes = 0
  const t: TestServer = {
    serving,
    url: serving.url,
    dir,
    data,
    get offsetMs() {
      return clock.offsetMs
    },
    set offsetMs(v: number) {
      clock.offsetMs = v
    },
    async token(input) {
      return (await issueServiceAccountToken(serving.rt, { expirationSeconds: 3600, ...input })).token
    },
    file(name, text) {
      const p = join(dir, name)
      writeFileSync(p, text)
      return p
    },
    home() {
      const h = join(dir, `home-${++homes}`)
      mkdirSync(h, { recursive: true })
      return h
    },
    async close() {
      await serving.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return t
}

/** The environment of a client process: nothing from the outer shell's AWS setup leaks in. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('IRSA_')) env[k] = v
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra }
}

/** The AWS CLI with the administrator's keys against the server (IAM setup). */
export function adminEnv(t: TestServer, home: string): NodeJS.ProcessEnv {
  return cleanEnv({
    HOME: home,
    AWS_ACCESS_KEY_ID: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: ADMIN.IRSA_ADMIN_SECRET_ACCESS_KEY,
    AWS_ENDPOINT_URL: t.url,
    AWS_DEFAULT_REGION: REGION,
  })
}

/** The environment the EKS webhook injects, pointed at the server. */
export function irsaEnv(t: TestServer, o: { roleArn: string; tokenFile: string; home: string; sessionName?: string }): NodeJS.ProcessEnv {
  return cleanEnv({
    HOME: o.home,
    AWS_ROLE_ARN: o.roleArn,
    AWS_WEB_IDENTITY_TOKEN_FILE: o.tokenFile,
    AWS_ENDPOINT_URL_STS: t.url,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_STS_REGIONAL_ENDPOINTS: 'regional',
    ...(o.sessionName === undefined ? {} : { AWS_ROLE_SESSION_NAME: o.sessionName }),
  })
}

export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Run a command; never throws on a non-zero exit. */
export async function sh(command: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<Ran> {
  const cmd = command === 'aws' ? AWS : command === 'python3' ? PYTHON : command
  const p = run(cmd, args as string[], { env, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 })
  if (input !== undefined) {
    p.child.stdin?.end(input)
  }
  try {
    const r = await p
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }
  }
}

/** One boto3 operation (see boto3_client.py); the result is what botocore reported. */
export type Boto3Op =
  | { op: 'chain'; env: Record<string, string> }
  | { op: 'assume'; params: Record<string, unknown> }
  | { op: 'gci'; credentials?: { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string }; unsigned?: boolean }
  | { op: 'iam'; method: string; params: Record<string, unknown>; credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string } }

export type Boto3Result =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; code: string; message: string; status: number; exception: string }

/** Run many boto3 operations in one Python process (startup costs ~0.5 s). */
export async function boto3(t: TestServer, ops: readonly Boto3Op[]): Promise<Boto3Result[]> {
  const r = await sh(PYTHON, [BOTO3_SCRIPT], cleanEnv({ HOME: t.home(), IRSA_ENDPOINT: t.url, AWS_DEFAULT_REGION: REGION }), JSON.stringify(ops))
  if (r.code !== 0) throw new Error(`boto3 script failed (${r.code}): ${r.stderr}`)
  return JSON.parse(r.stdout) as Boto3Result[]
}

export function roleArn(t: TestServer, name: string): string {
  return `arn:aws:iam::${t.serving.rt.account}:role/${name}`
}

export function assumedArn(t: TestServer, role: string, session: string): string {
  return `arn:aws:sts::${t.serving.rt.account}:assumed-role/${role}/${session}`
}

/** An IRSA trust policy for one service account on the server's own issuer. */
export function trustFor(t: TestServer, namespace: string, serviceAccount: string): string {
  const rt = t.serving.rt
  const key = rt.issuer.replace(/^https?:\/\//, '')
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: rt.ownProviderArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${key}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${key}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  })
}

/** Sign arbitrary claims with a private JWK (for hostile or expired tokens). */
export async function signJwt(privateJwk: JWK, header: { alg: string; kid?: string }, claims: Record<string, unknown>): Promise<string> {
  const key = await importJWK(privateJwk, header.alg)
  return new SignJWT(claims).setProtectedHeader({ ...header, typ: 'JWT' }).sign(key)
}

/** Kubernetes-shaped claims for a service account. */
export function saClaims(iss: string, namespace: string, name: string, o: { now?: number; exp?: number; aud?: string[] } = {}): Record<string, unknown> {
  const now = o.now ?? Math.floor(Date.now() / 1000)
  return {
    aud: o.aud ?? ['sts.amazonaws.com'],
    exp: o.exp ?? now + 3600,
    iat: now,
    iss,
    jti: randomUUID(),
    'kubernetes.io': { namespace, serviceaccount: { name, uid: randomUUID() } },
    nbf: now,
    sub: `system:serviceaccount:${namespace}:${name}`,
  }
}

/** A compact JWS with an arbitrary header and an arbitrary (or empty) signature. */
export function unsignedJwt(header: Record<string, unknown>, claims: Record<string, unknown>, signature = ''): string {
  const enc = (v: unknown): string => base64url.encode(JSON.stringify(v))
  return `${enc(header)}.${enc(claims)}.${signature}`
}

/** Parse an AWS Query XML error body into its parts. */
export function xmlError(body: string): { type?: string; code?: string; message?: string; requestId?: string } {
  const pick = (tag: string): string | undefined => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(body)?.[1]
  const out: { type?: string; code?: string; message?: string; requestId?: string } = {}
  const type = pick('Type')
  const code = pick('Code')
  const message = pick('Message')
  const requestId = pick('RequestId')
  if (type !== undefined) out.type = type
  if (code !== undefined) out.code = code
  if (message !== undefined) out.message = message
  if (requestId !== undefined) out.requestId = requestId
  return out
}
