/**
 * `irsa exec`: run a command as a pod with IRSA would run: a projected token in a file (refreshed
 * before it expires), AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the STS endpoint and region, so any
 * AWS SDK in the command assumes the role through irsa.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IrsaError } from '../errors.js'
import { issueServiceAccountToken } from '../server/issue-token.js'
import type { Runtime } from '../server/runtime.js'

export interface ExecOptions {
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn?: string
  readonly audience?: string
  readonly expiration?: number
  readonly pod?: string
  readonly endpoint?: string
}

export async function execCommand(rt: Runtime, o: ExecOptions, argv: readonly string[]): Promise<number> {
  const [cmd, ...args] = argv
  if (cmd === undefined) throw new IrsaError('ERR_CLI_USAGE', 'give the command to run after --')
  let roleArn = o.roleArn
  let audience = o.audience
  if (roleArn === undefined) {
    const binding = (await rt.store.listBindings()).find((b) => b.namespace === o.namespace && b.serviceAccount === o.serviceAccount)
    if (binding === undefined) {
      throw new IrsaError('ERR_CLI_USAGE', `service account ${o.namespace}/${o.serviceAccount} is bound to no role: pass --role-arn or bind it in the config`)
    }
    roleArn = binding.roleArn
    audience ??= binding.audience
  }
  const endpoint = o.endpoint ?? (await rt.store.getSetting('endpoint'))
  if (endpoint === undefined) throw new IrsaError('ERR_CLI_USAGE', 'no STS endpoint known: start `irsa serve` first or pass --endpoint')
  const dir = mkdtempSync(join(tmpdir(), 'irsa-exec-'))
  const file = join(dir, 'token')
  const expiration = o.expiration ?? 3600
  const write = async (): Promise<number> => {
    const t = await issueServiceAccountToken(rt, {
      namespace: o.namespace,
      serviceAccount: o.serviceAccount,
      audience: [audience ?? 'sts.amazonaws.com'],
      expirationSeconds: expiration,
      ...(o.pod === undefined ? {} : { pod: o.pod }),
    })
    // Write then rename: a reader never sees a half-written token (the kubelet does the same).
    writeFileSync(`${file}.tmp`, t.token, { mode: 0o600 })
    renameSync(`${file}.tmp`, file)
    return t.expiresAt
  }
  await write()
  // The kubelet refreshes at 80% of the lifetime.
  const timer = setInterval(() => void write().catch(() => undefined), Math.max(1000, expiration * 800))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ROLE_ARN: roleArn,
    AWS_WEB_IDENTITY_TOKEN_FILE: file,
    AWS_ROLE_SESSION_NAME: process.env.AWS_ROLE_SESSION_NAME ?? `irsa-${o.namespace}-${o.serviceAccount}`.slice(0, 64),
    AWS_ENDPOINT_URL_STS: endpoint,
    AWS_REGION: rt.region,
    AWS_DEFAULT_REGION: rt.region,
    AWS_STS_REGIONAL_ENDPOINTS: 'regional',
  }
  // Static keys would win over web identity in every SDK: a pod has none.
  delete env.AWS_ACCESS_KEY_ID
  delete env.AWS_SECRET_ACCESS_KEY
  delete env.AWS_SESSION_TOKEN
  delete env.AWS_PROFILE
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: 'inherit', env })
      child.on('error', (e) => reject(new IrsaError('ERR_CLI_INPUT', `cannot run ${cmd}: ${e.message}`)))
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
    })
  } finally {
    clearInterval(timer)
    rmSync(dir, { recursive: true, force: true })
  }
}
