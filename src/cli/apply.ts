/**
 * `irsa apply FILE`: apply a declarative config to a running server through its IAM, EKS and
 * bindings APIs (or, with `--local`, to the state store directly), and report what was created,
 * updated or left unchanged; with `--dry-run`, read the current state, print the plan and change
 * nothing. Also the file loading shared with `irsa serve --config`.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { IrsaError } from '../errors.js'
import { applyConfig, formatApplyReport } from '../config/apply.js'
import type { ApplyReport } from '../config/apply.js'
import { parseConfig } from '../config/config-file.js'
import type { IrsaConfig } from '../config/config-file.js'
import { readCurrentState } from '../config/current-state.js'
import { plan } from '../config/plan.js'
import type { Plan } from '../config/plan.js'
import { formatPlan, planDocument } from '../config/plan-format.js'
import { storeTarget } from '../config/store-target.js'
import { DEFAULT_PORT, openRuntime } from './bootstrap.js'
import { openStore, storeLocation } from '../store/open-store.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import { withState } from './state.js'

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
  /** The state store for `local` (`postgres://…`, `sqlite:PATH`); default SQLite under `data`. */
  readonly store?: string
  /** Apply to the state store directly instead of a running server. */
  readonly local?: boolean
  /** Read and plan only: change nothing. */
  readonly dryRun?: boolean
  readonly env?: Readonly<Record<string, string | undefined>>
}

/** What `irsa apply` did: the plan of a dry run, or the report of an apply. */
export type ApplyOutcome = { readonly dryRun: true; readonly plan: Plan } | { readonly dryRun: false; readonly report: ApplyReport }

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

export async function applyCommand(file: string, o: ApplyCommandOptions): Promise<ApplyOutcome> {
  const config = await loadConfigFile(file)
  if (o.local === true) {
    if (o.endpoint !== undefined) throw new IrsaError('ERR_CLI_USAGE', '--local applies to the state store, --endpoint to a running server: give one of them')
    const state = { data: o.data, ...(o.store === undefined ? {} : { store: o.store }) }
    if (o.dryRun === true) return { dryRun: true, plan: await planOnStore(config, state) }
    return { dryRun: false, report: await withState(state, (rt) => rt.store.transaction(() => applyConfig(config, storeTarget(rt)))) }
  }
  const env = o.env ?? process.env
  const endpoint = o.endpoint ?? (await recordedEndpoint(o.data)) ?? `http://127.0.0.1:${DEFAULT_PORT}`
  if (!/^https?:$/.test(URL.parse(endpoint)?.protocol ?? '')) throw new IrsaError('ERR_CLI_USAGE', `--endpoint ${JSON.stringify(endpoint)} is not an http:// or https:// URL`)
  // irsa supports Node 20; the SDK's notice about its own future requirement is not for irsa's users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  // Loaded on demand: the AWS SDK's IAM client is only needed by this command.
  const { remoteTarget } = await import('../config/remote-target.js')
  const target = await remoteTarget({ endpoint, ...(await credentials(o.data, env)) })
  try {
    // A dry run calls only the target's read methods (Get/List over IAM, EKS and the bindings endpoint).
    if (o.dryRun === true) return { dryRun: true, plan: plan(config, await readCurrentState(config, target)) }
    return { dryRun: false, report: await applyConfig(config, target) }
  } finally {
    target.close()
  }
}

const ROLLBACK = Symbol('dry run')

/**
 * Plan against the state store without changing it: a missing SQLite file is an error (opening it
 * would create it), and opening the state and reading it run in one transaction that is always
 * rolled back, so whatever opening initialises is not kept either.
 */
async function planOnStore(config: IrsaConfig, o: { data: string; store?: string }): Promise<Plan> {
  const location = storeLocation(o.store, o.data)
  if (location.kind === 'sqlite' && !existsSync(location.file)) throw new IrsaError('ERR_CLI_USAGE', `no irsa state at ${location.file} (give --data or --store of an existing state, or --endpoint of a running server)`)
  const store = await openStore(location)
  let planned: Plan | undefined
  try {
    await store.transaction(async () => {
      const { rt } = await openRuntime({ store, data: o.data, needsAdmin: false })
      planned = plan(config, await readCurrentState(config, storeTarget(rt)))
      throw ROLLBACK
    })
  } catch (e) {
    if (e !== ROLLBACK) throw e
  } finally {
    await store.close()
  }
  return planned as Plan
}

/** The outcome as printed: the plan or the report, as text lines or one JSON document. */
export function formatApplyOutcome(outcome: ApplyOutcome, format: 'text' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(outcome.dryRun ? planDocument(outcome.plan) : outcome.report)}\n`
  return `${(outcome.dryRun ? formatPlan(outcome.plan) : formatApplyReport(outcome.report)).join('\n')}\n`
}
