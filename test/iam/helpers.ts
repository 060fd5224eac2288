// A real irsa server on loopback, and the three clients the IAM tests drive it with: the AWS CLI v1
// (spawned), boto3 (spawned Python scripts) and @aws-sdk/client-iam (in-process).
import { spawn } from 'node:child_process'
import type { IAMClient } from '@aws-sdk/client-iam'
import { STSClient, AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts'
import type { Serving } from '../../src/cli/serve.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'
import { awsCliBatch } from '../support/aws-cli-batch.js'
import { startLoopbackServer } from '../support/test-server.js'
import type { AwsKeys } from '../support/test-server.js'
import type { AwsCliBatchResult } from '../support/aws-cli-batch.js'

export const ADMIN = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }

export type Credentials = AwsKeys

export interface TestServer {
  readonly serving: Serving
  readonly url: string
  readonly home: string
  readonly iam: IAMClient
  /** An IAM client signing with the given credentials. */
  client(creds: Credentials): IAMClient
  close(): Promise<void>
}

export async function startTestServer(): Promise<TestServer> {
  const base = await startLoopbackServer({ prefix: 'irsa-iam-', admin: ADMIN })
  return { serving: base.serving, url: base.url, home: base.dir, iam: base.client(ADMIN), client: base.client, close: base.close }
}

function env(s: TestServer, creds: Credentials): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...(process.env.PYENV_ROOT === undefined ? {} : { PYENV_ROOT: process.env.PYENV_ROOT }),
    HOME: s.home,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    ...(creds.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: creds.sessionToken }),
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_MAX_ATTEMPTS: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
    PYTHONIOENCODING: 'utf-8',
  }
}

export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export function run(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; input?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
}

/** One `aws …` process (the CLI's own launcher script), JSON output. */
export async function aws(s: TestServer, args: readonly string[], creds: Credentials = ADMIN): Promise<Run & { json: unknown }> {
  const r = await run('aws', [...args, '--endpoint-url', s.url, '--region', 'us-east-1', '--output', 'json'], { env: env(s, creds) })
  return { ...r, json: r.code === 0 && r.stdout.trim() !== '' ? (JSON.parse(r.stdout) as unknown) : undefined }
}

export type CliResult = AwsCliBatchResult

/**
 * Several AWS CLI v1 commands in one Python process (each runs through the CLI driver exactly as the
 * `aws` script runs it: argument parsing, botocore, output formatting and error printing).
 */
export async function awsBatch(s: TestServer, commands: readonly (readonly string[])[], creds: Credentials = ADMIN): Promise<CliResult[]> {
  return awsCliBatch(
    commands.map((c) => [...c, '--endpoint-url', s.url, '--region', 'us-east-1', '--output', 'json']),
    env(s, creds),
  )
}

/**
 * A boto3 script. The script gets `iam` (a boto3 IAM client for the server) and `emit(value)`, which
 * records a JSON-serialisable value; `call(fn, **kw)` returns the response or `{"Error": {...}}`.
 */
export async function boto3(s: TestServer, body: string, creds: Credentials = ADMIN): Promise<unknown[]> {
  const script = [
    'import json, sys, boto3, botocore',
    'from botocore.config import Config',
    `iam = boto3.client("iam", endpoint_url=${JSON.stringify(s.url)}, region_name="us-east-1", config=Config(retries={"max_attempts": 1, "mode": "standard"}))`,
    'out = []',
    'def emit(v): out.append(v)',
    'def call(fn, **kw):',
    '    try:',
    '        r = fn(**kw)',
    '        r.pop("ResponseMetadata", None)',
    '        return r',
    '    except botocore.exceptions.ClientError as e:',
    '        return {"Error": e.response["Error"], "Status": e.response["ResponseMetadata"]["HTTPStatusCode"]}',
    body,
    'print(json.dumps(out, default=str))',
  ].join('\n')
  const r = await run('python3', ['-c', script], { env: env(s, creds) })
  if (r.code !== 0) throw new Error(`boto3 script failed (${r.code}): ${r.stderr}`)
  return JSON.parse(r.stdout) as unknown[]
}

/** A trust policy admitting one service account of this server's own issuer (as the demo role's). */
export function serviceAccountTrust(s: TestServer, namespace: string, serviceAccount: string): string {
  const rt = s.serving.rt
  const key = issuerHostPath(rt.issuer)
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

/** Mint a projected service-account token and exchange it at STS for session credentials. */
export async function sessionFor(s: TestServer, roleArn: string, namespace: string, serviceAccount: string): Promise<Credentials> {
  const { token } = await issueServiceAccountToken(s.serving.rt, { namespace, serviceAccount })
  const sts = new STSClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 })
  try {
    const r = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'test-session', WebIdentityToken: token }))
    const c = r.Credentials
    if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined) throw new Error('no credentials')
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }
  } finally {
    sts.destroy()
  }
}

export const ALLOW_ALL_S3 = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] })

export function policy(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements })
}

/** The code and message the CLI printed for a failed call. */
export function cliError(r: CliResult): { code: string; operation: string; message: string } | undefined {
  const m = /An error occurred \(([^)]+)\) when calling the (\w+) operation: (.*)/.exec(r.err)
  return m === null ? undefined : { code: m[1] as string, operation: m[2] as string, message: (m[3] as string).trim() }
}

/** The AWS error an SDK v3 call failed with (name without the SDK's `Exception` suffix). */
export async function sdkError(p: Promise<unknown>): Promise<{ code: string; message: string; status: number | undefined }> {
  try {
    await p
  } catch (e) {
    const err = e as { name: string; Code?: string; message: string; $metadata?: { httpStatusCode?: number } }
    return { code: err.Code ?? err.name.replace(/Exception$/, ''), message: err.message, status: err.$metadata?.httpStatusCode }
  }
  throw new Error('expected the call to fail')
}
