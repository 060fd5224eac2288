// A real irsa server on loopback for the Pod Identity tests, with the clients they drive it with:
// the AWS CLI v1 and boto3 (spawned), @aws-sdk/client-eks and client-iam (in-process).
import { execFile, execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { EKSClient } from '@aws-sdk/client-eks'
import type { IAMClient} from '@aws-sdk/client-iam';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import type { Serving } from '../../src/cli/serve.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { startLoopbackServer } from '../support/test-server.js'
import { awsCliBatch } from '../support/aws-cli-batch.js'

export const ADMIN = { accessKeyId: 'AKIAIRSAPODIDENTITY1', secretAccessKey: 'podIdentitySecretKeypodIdentitySecretKey' }
export const REGION = 'us-west-2'
export const CLUSTER = 'test-cluster'
export const BOTO3_SCRIPT = join(process.cwd(), 'test/eks/boto3_pod_identity.py')
export const MAIN = join(process.cwd(), 'dist/cli/main.js')

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

export const POD_IDENTITY_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
}

export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

export interface TestServer {
  readonly serving: Serving
  readonly url: string
  readonly dir: string
  readonly account: string
  readonly iam: IAMClient
  readonly eks: EKSClient
  /** Milliseconds added to the server's clock. */
  offsetMs: number
  token(o: { namespace: string; serviceAccount: string; pod?: string; audience?: string; expirationSeconds?: number }): Promise<string>
  file(name: string, text: string): string
  roleArn(name: string): string
  /** Create a role through the IAM API, with an optional inline policy. */
  createRole(name: string, trust: object, policy?: object): Promise<string>
  close(): Promise<void>
}

export async function startTestServer(): Promise<TestServer> {
  const clock = { offsetMs: 0 }
  const base = await startLoopbackServer({ prefix: 'irsa-eks-', admin: ADMIN, region: REGION, clusterName: CLUSTER, clock: { now: () => Date.now() + clock.offsetMs } })
  const { serving, dir } = base
  const rt = serving.rt
  const iam = base.client(ADMIN)
  const eks = base.track(new EKSClient({ endpoint: serving.url, region: REGION, credentials: ADMIN, maxAttempts: 1 }))
  const t: TestServer = {
    serving,
    url: serving.url,
    dir,
    account: rt.account,
    iam,
    eks,
    get offsetMs() {
      return clock.offsetMs
    },
    set offsetMs(v: number) {
      clock.offsetMs = v
    },
    async token(o) {
      const issued = await issueServiceAccountToken(rt, {
        namespace: o.namespace,
        serviceAccount: o.serviceAccount,
        audience: [o.audience ?? 'pods.eks.amazonaws.com'],
        ...(o.pod === undefined ? {} : { pod: o.pod }),
        ...(o.expirationSeconds === undefined ? {} : { expirationSeconds: o.expirationSeconds }),
      })
      return issued.token
    },
    file(name, text) {
      const p = join(dir, name)
      writeFileSync(p, text)
      return p
    },
    roleArn: (name) => `arn:aws:iam::${rt.account}:role/${name}`,
    async createRole(name, trust, policy) {
      const r = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }))
      if (policy !== undefined) await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'permissions', PolicyDocument: JSON.stringify(policy) }))
      return r.Role?.Arn ?? ''
    },
    close: base.close,
  }
  return t
}

export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1
      resolve({ code, stdout, stderr })
    })
    if (input !== undefined) child.stdin?.end(input)
  })
}

/** A clean environment for spawned clients: no ambient AWS configuration, a private HOME. */
export function baseEnv(t: TestServer, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...(process.env.PYENV_ROOT === undefined ? {} : { PYENV_ROOT: process.env.PYENV_ROOT }),
    HOME: t.dir,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_DEFAULT_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    PYTHONIOENCODING: 'utf-8',
    ...extra,
  }
}

export function adminEnv(t: TestServer): NodeJS.ProcessEnv {
  return baseEnv(t, { AWS_ACCESS_KEY_ID: ADMIN.accessKeyId, AWS_SECRET_ACCESS_KEY: ADMIN.secretAccessKey })
}

export interface CliResult {
  readonly code: number
  readonly json: unknown
  readonly stderr: string
}

/**
 * Several `aws …` (CLI v1) commands against the server with the admin credentials, in one Python
 * process through the CLI's own driver; parses each JSON stdout.
 */
export async function awsCli(t: TestServer, commands: readonly (readonly string[])[]): Promise<CliResult[]> {
  const results = await awsCliBatch(
    commands.map((c) => [...c, '--endpoint-url', t.url, '--output', 'json']),
    adminEnv(t),
    PYTHON,
  )
  return results.map((x) => ({ code: x.rc, json: x.json, stderr: x.err }))
}

export async function boto3(t: TestServer, request: object, env: NodeJS.ProcessEnv = adminEnv(t)): Promise<Record<string, unknown>> {
  const r = await run(PYTHON, [BOTO3_SCRIPT], { ...env, IRSA_ENDPOINT: t.url }, JSON.stringify(request))
  if (r.code !== 0) throw new Error(`boto3 script failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as Record<string, unknown>
}

/** Several boto3 requests in one Python process. */
export async function boto3Batch(t: TestServer, requests: readonly object[], env: NodeJS.ProcessEnv = adminEnv(t)): Promise<Record<string, unknown>[]> {
  const r = await run(PYTHON, [BOTO3_SCRIPT], { ...env, IRSA_ENDPOINT: t.url }, JSON.stringify(requests))
  if (r.code !== 0) throw new Error(`boto3 script failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as Record<string, unknown>[]
}
