/**
 * `irsa apply FILE`: apply a declarative config to a running server through its IAM API and
 * bindings endpoint, and report what was created, updated or left unchanged. Also the file loading
 * shared with `irsa serve --config`.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { IrsaError } from '../errors.js'
import { applyConfig } from '../config/apply.js'
import type { ApplyReport } from '../config/apply.js'
import { parseConfig } from '../config/config-file.js'
import type { IrsaConfig } from '../config/config-file.js'
import { DEFAULT_PORT } from './bootstrap.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'

/** Read and validate a config file; any problem is ERR_CLI_INPUT (exit 2) with the file and line. */
export async function loadConfigFile(file: string): Promise<IrsaConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw new IrsaError('ERR_CLI_INPUT', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e })
  }
  return parseConfig(text, file)
}

export interface ApplyCommandOptions {
  readonly endpoint?: string
  readonly data: string
  readonly env?: Readonly<Record<string, string | undefined>>
}

/** The admin credentials: IRSA_ADMIN_* first, then `<data>/admin-credentials.json`, then AWS_* keys. */
async function credentials(data: string, env: Readonly<Record<string, string | undefined>>): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  if (env.IRSA_ADMIN_ACCESS_KEY_ID && env.IRSA_ADMIN_SECRET_ACCESS_KEY) return { accessKeyId: env.IRSA_ADMIN_ACCESS_KEY_ID, secretAccessKey: env.IRSA_ADMIN_SECRET_ACCESS_KEY }
  const file = join(data, 'admin-credentials.json')
  if (existsSync(file)) {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { accessKeyId?: unknown; secretAccessKey?: unknown }
    if (typeof parsed.accessKeyId === 'string' && typeof parsed.secretAccessKey === 'string') return { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey }
  }
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
  throw new IrsaError('ERR_CLI_USAGE', `no admin credentials: set IRSA_ADMIN_ACCESS_KEY_ID and IRSA_ADMIN_SECRET_ACCESS_KEY, or point --data at the server's state directory`)
}

/** The endpoint the server recorded in its state directory, if any. */
async function recordedEndpoint(data: string): Promise<string | undefined> {
  const db = join(data, 'irsa.db')
  if (!existsSync(db)) return undefined
  const store = await openSqliteStore({ file: db })
  try {
    return await store.getSetting('endpoint')
  } finally {
    await store.close()
  }
}

export async function applyCommand(file: string, o: ApplyCommandOptions): Promise<ApplyReport> {
  const config = await loadConfigFile(file)
  const env = o.env ?? process.env
  const endpoint = o.endpoint ?? (await recordedEndpoint(o.data)) ?? `http://127.0.0.1:${DEFAULT_PORT}`
  // irsa supports Node 20; the SDK's notice about its own future requirement is not for irsa's users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  // Loaded on demand: the AWS SDK's IAM client is only needed by this command.
  const { remoteTarget } = await import('../config/remote-target.js')
  const target = await remoteTarget({ endpoint, ...(await credentials(o.data, env)) })
  try {
    return await applyConfig(config, target)
  } finally {
    target.close()
  }
}
