// A real irsa server on loopback for the incident-response tests: admin credentials from the
// environment, a temp data directory the CLI commands open too (as `--data`), SDK v3 clients for STS
// and IAM, and the AWS CLI v1 with an isolated HOME for the AccessDenied checks.
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import type { IAMClient } from '@aws-sdk/client-iam';
import { GetRoleCommand } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import type { Serving } from '../../src/cli/serve.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'
import { startLoopbackServer } from '../support/test-server.js'
import type { AwsKeys } from '../support/test-server.js'

const execFileP = promisify(execFile)

export const ADMIN = { accessKeyId: 'AKIAIRSARESPONDTEST1', secretAccessKey: 'respondSecretKeyrespondSecretKeyrespond1' }

export type Credentials = AwsKeys

export interface TestServer {
  readonly serving: Serving
  readonly url: string
  readonly dir: string
  /** The state directory: pass as `data` to the CLI commands. */
  readonly data: string
  readonly account: string
  readonly iam: IAMClient
  client(creds: Credentials): IAMClient
  /** Mint a token for NS/NAME (optionally bound to a pod) and exchange it; throws the STS error. */
  assume(roleName: string, namespace: string, serviceAccount: string, o?: { pod?: string; sessionName?: string }): Promise<Credentials>
  roleArn(name: string): string
  close(): Promise<void>
}

export async function startTestServer(): Promise<TestServer> {
  const base = await startLoopbackServer({ prefix: 'irsa-respond-', admin: ADMIN })
  const serving = base.serving
  const sts = base.track(new STSClient({ endpoint: serving.url, region: base.region, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 }))
  const account = serving.rt.account
  const roleArn = (name: string): string => `arn:aws:iam::${account}:role/${name}`
  return {
    serving,
    url: serving.url,
    dir: base.dir,
    data: base.data,
    account,
    iam: base.client(ADMIN),
    client: base.client,
    roleArn,
    async assume(roleName, namespace, serviceAccount, o = {}) {
      const { token } = await issueServiceAccountToken(serving.rt, { namespace, serviceAccount, expirationSeconds: 3600, ...(o.pod === undefined ? {} : { pod: o.pod }) })
      const r = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn(roleName), RoleSessionName: o.sessionName ?? `${serviceAccount}-session`, WebIdentityToken: token }))
      const c = r.Credentials
      if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined) throw new Error('no credentials')
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }
    },
    close: base.close,
  }
}

/** A trust policy admitting the given service accounts of the server's own issuer (StringEquals or StringLike). */
export function trust(s: TestServer, subs: readonly string[], like = false): string {
  const rt = s.serving.rt
  return webIdentityTrust({ arn: rt.ownProviderArn, host: issuerHostPath(rt.issuer) }, subs, like)
}

/** A trust policy admitting the given service accounts (`NS/NAME`) through one OIDC provider (its ARN and `host/path`). */
export function webIdentityTrust(provider: { readonly arn: string; readonly host: string }, subs: readonly string[], like = false): string {
  const key = provider.host
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: provider.arn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { [like ? 'StringLike' : 'StringEquals']: { [`${key}:sub`]: subs.map((x) => `system:serviceaccount:${x.replace('/', ':')}`), [`${key}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  })
}

export function policy(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements })
}

/** The AWS error an SDK v3 call failed with, or 'OK'. */
export async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'OK'
  } catch (e) {
    const err = e as { name: string; Code?: string }
    return err.Code ?? err.name.replace(/Exception$/, '')
  }
}

/** `iam get-role` with session credentials through the SDK: 'OK' or the error code. */
export function getRole(s: TestServer, creds: Credentials, name: string): Promise<string> {
  return outcome(s.client(creds).send(new GetRoleCommand({ RoleName: name })))
}

/** The real executable behind a pyenv shim (the shim costs ~0.2 s per call), else the name. */
function resolveBin(name: string): string {
  try {
    return execFileSync('pyenv', ['which', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || name
  } catch {
    return name
  }
}
const AWS = resolveBin('aws')

/** One AWS CLI v1 command with the given credentials; HOME and config isolated. */
export async function awsCli(s: TestServer, creds: Credentials, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...(process.env.PYENV_ROOT === undefined ? {} : { PYENV_ROOT: process.env.PYENV_ROOT }),
    HOME: s.dir,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    ...(creds.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: creds.sessionToken }),
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_MAX_ATTEMPTS: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
  }
  try {
    const r = await execFileP(AWS, [...args, '--endpoint-url', s.url, '--output', 'json'], { env, timeout: 30_000 })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }
  }
}
