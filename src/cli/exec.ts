/**
 * `irsa exec`: run a command as a pod with IRSA would run: a projected token in a file (refreshed
 * before it expires), AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the STS endpoint and region, so any
 * AWS SDK in the command assumes the role through irsa.
 *
 * With `--pod-identity`, as a pod with EKS Pod Identity runs instead: a token for audience
 * `pods.eks.amazonaws.com`, AWS_CONTAINER_CREDENTIALS_FULL_URI pointing at the server's agent
 * endpoint and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE; the service account needs an association.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ownCluster } from '../eks/cluster.js'
import { IrsaError } from '../errors.js'
import { AGENT_CREDENTIALS_PATH } from '../server/pod-identity-agent.js'
import { issueServiceAccountToken } from './issue-token.js'
import type { Runtime } from '../core/runtime.js'
import { POD_IDENTITY_SERVICE, STS_AUDIENCE } from '../model/aws-names.js'

export interface ExecOptions {
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn?: string
  readonly audience?: string
  readonly expiration?: number
  readonly pod?: string
  readonly endpoint?: string
  /** Run as EKS Pod Identity instead of IRSA. */
  readonly podIdentity?: boolean
}

export async function execCommand(rt: Runtime, o: ExecOptions, argv: readonly string[]): Promise<number> {
  const [cmd, ...args] = argv
  if (cmd === undefined) throw new IrsaError('ERR_CLI_USAGE', 'give the command to run after --')
  if (o.podIdentity === true && (o.roleArn !== undefined || o.audience !== undefined)) {
    throw new IrsaError('ERR_CLI_USAGE', '--pod-identity takes the role from the pod identity association: drop --role-arn and --audience')
  }
  let roleArn = o.roleArn
  let audience = o.podIdentity === true ? POD_IDENTITY_SERVICE : o.audience
  let pod = o.pod
  if (o.podIdentity === true) {
    const cluster = await ownCluster(rt)
    const association = (await rt.store.listPodIdentityAssociations(cluster.name)).find((a) => a.namespace === o.namespace && a.serviceAccount === o.serviceAccount)
    if (association === undefined) {
      throw new IrsaError('ERR_CLI_USAGE', `service account ${o.namespace}/${o.serviceAccount} has no pod identity association in cluster ${cluster.name}: create one (aws eks create-pod-identity-association, or podIdentityAssociations in the config)`)
    }
    // The agent's credentials name the pod: a Pod Identity token is always bound to one.
    pod ??= `${o.serviceAccount}-exec`.slice(0, 253)
  } else if (roleArn === undefined) {
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
      audience: [audience ?? STS_AUDIENCE],
      expirationSeconds: expiration,
      ...(pod === undefined ? {} : { pod }),
    })
    // Write then rename: a reader never sees a half-written token (the kubelet does the same).
    writeFileSync(`${file}.tmp`, t.token, { mode: 0o600 })
    renameSync(`${file}.tmp`, file)
    return t.expiresAt
  }
  await write()
  // The kubelet refreshes at 80% of the lifetime.
  const timer = setInterval(() => void write().catch(() => undefined), Math.max(1000, expiration * 800))
  const env: NodeJS.ProcessEnv =
    o.podIdentity === true
      ? {
          ...process.env,
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.replace(/\/+$/, '')}${AGENT_CREDENTIALS_PATH}`,
          AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
          AWS_ENDPOINT_URL_STS: endpoint,
          // Every service through irsa: its own APIs, and the gateway (serve --backend) for the rest.
          AWS_ENDPOINT_URL: endpoint,
          AWS_REGION: rt.region,
          AWS_DEFAULT_REGION: rt.region,
        }
      : {
          ...process.env,
          AWS_ROLE_ARN: roleArn,
          AWS_WEB_IDENTITY_TOKEN_FILE: file,
          AWS_ROLE_SESSION_NAME: process.env.AWS_ROLE_SESSION_NAME ?? `irsa-${o.namespace}-${o.serviceAccount}`.slice(0, 64),
          AWS_ENDPOINT_URL_STS: endpoint,
          AWS_ENDPOINT_URL: endpoint,
          AWS_REGION: rt.region,
          AWS_DEFAULT_REGION: rt.region,
          AWS_STS_REGIONAL_ENDPOINTS: 'regional',
        }
  if (o.podIdentity === true) {
    // Web identity comes before the container provider in every SDK, and a relative URI or an inline
    // token would take precedence over ours: a Pod Identity pod has none of them.
    for (const k of ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_SESSION_NAME', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN']) delete env[k]
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
