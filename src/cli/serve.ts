/** `irsa serve`: open the state, start the server, print endpoints (and generated admin credentials once). */
import { freePort } from './free-port.js'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../server/app.js'
import { setupUi, uiBanner } from '../server/ui.js'
import { openRuntime } from './bootstrap.js'
import type { OpenOptions } from './bootstrap.js'
import type { Runtime } from '../core/runtime.js'
import { applyDemo } from './demo.js'
import type { DemoResult } from './demo.js'
import { applyBackendDemo } from './demo-backend.js'
import type { BackendDemo } from './demo-backend.js'
import { applyConfig, formatApplyReport } from '../config/apply.js'
import type { ApplyReport } from '../config/apply.js'
import type { IrsaConfig } from '../config/config-file.js'
import { storeTarget } from '../config/store-target.js'
import { InvalidArgumentError, Option } from 'commander'
import { createLogger, flushLogger, LOG_FORMATS, LOG_LEVELS } from '../server/logging.js'
import type { LogFormat } from '../server/logging.js'
import { closeGracefully, DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../server/shutdown.js'
import type { LevelWithSilent } from 'pino'
import { initCluster } from '../eks/cluster.js'
import { WEBHOOK_TOKEN_ENV } from '../webhook/bearer-auth.js'
import { startBackend } from './gateway-backend.js'
import type { BackendSettings, RunningBackend } from './gateway-backend.js'
import { DecisionRetention } from '../core/decision-retention.js'
import { parseDuration } from './log.js'

export interface ServeOptions extends OpenOptions {
  readonly host: string
  readonly port: number
  readonly demo?: boolean
  /** The dashboard's token (`--ui-token`; default IRSA_UI_TOKEN); `--demo` generates one when unset. */
  readonly uiToken?: string
  readonly logger?: boolean
  /** Log level; setting it (other than `silent`) turns request logging on. Default `info` with `logger`. */
  readonly logLevel?: LevelWithSilent
  /** `json` (default) or `pretty`. */
  readonly logFormat?: LogFormat
  /** Require `Authorization: Bearer <token>` on GET /metrics. */
  readonly metricsToken?: string
  /** How long shutdown waits for in-flight requests; default 10 000 ms. */
  readonly shutdownTimeoutMs?: number
  /** A parsed config file, applied to the store before the server listens. */
  readonly config?: IrsaConfig
  /** The bearer token POST /mutate requires (`--webhook-token`; default IRSA_WEBHOOK_TOKEN); unset, /mutate is refused. */
  readonly webhookToken?: string
  /** More `Host` names accepted when listening on loopback (`--allowed-host`). */
  readonly allowedHosts?: readonly string[]
  /** The EKS cluster this server emulates (DescribeCluster, pod identity); default the stored one, else `irsa`. */
  readonly clusterName?: string
  /** Enforce the issued credentials on AWS services and forward to this backend (`--backend URL|moto`); default the config's `backend:`. */
  readonly backend?: BackendSettings
  /** Delete decisions older than this (milliseconds), periodically (`--decision-log-retention`); unset, the log is kept. */
  readonly decisionLogRetentionMs?: number
}

export interface Serving {
  readonly app: FastifyInstance
  readonly rt: Runtime
  readonly url: string
  /** The gateway's backend, when one is configured. */
  readonly backend?: RunningBackend
  /** The decision log's retention, when one is configured. */
  readonly retention?: DecisionRetention
  close(): Promise<void>
}

export async function startServer(options: ServeOptions, print: (line: string) => void): Promise<Serving> {
  const o = options.port === 0 ? { ...options, port: await freePort(options.host) } : options
  const opened = await openRuntime(o)
  const { rt } = opened
  const cluster = await initCluster(rt, o.clusterName).catch(async (e: unknown) => {
    await rt.store.close()
    throw e
  })
  let applied: ApplyReport | undefined
  if (o.config !== undefined) {
    const config = o.config
    try {
      applied = await rt.store.transaction(() => applyConfig(config, storeTarget(rt)))
    } catch (e) {
      await rt.store.close()
      throw e
    }
  }
  const level = o.logLevel ?? (o.logger ? 'info' : 'silent')
  const log = level === 'silent' ? undefined : createLogger({ level, format: o.logFormat ?? 'json' })
  const ui = setupUi(rt, { token: o.uiToken ?? (o.env ?? process.env).IRSA_UI_TOKEN, demo: o.demo === true })
  const webhookToken = o.webhookToken ?? (o.env ?? process.env)[WEBHOOK_TOKEN_ENV]
  let backend: RunningBackend | undefined
  // --backend wins over the config file's `backend:` (and brings only its own credentials).
  const backendSettings = o.backend ?? o.config?.backend
  if (backendSettings !== undefined) {
    try {
      backend = await startBackend(backendSettings, { account: rt.account, region: rt.region, clock: rt.clock })
    } catch (e) {
      await rt.store.close()
      throw e
    }
  }
  const app = await buildApp(rt, {
    ...(backend === undefined ? {} : { gateway: backend.gateway }),
    ...(log === undefined ? {} : { log }),
    ...(o.metricsToken === undefined ? {} : { metricsToken: o.metricsToken }),
    ...(webhookToken === undefined || webhookToken === '' ? {} : { webhookToken }),
    bindHost: o.host,
    ...(o.allowedHosts === undefined ? {} : { allowedHosts: o.allowedHosts }),
  })
  let demo: DemoResult | undefined
  try {
    await app.listen({ host: o.host, port: o.port })
  } catch (e) {
    await backend?.stop()
    await rt.store.close()
    throw e
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : o.port
  const host = o.host.includes(':') ? `[${o.host}]` : o.host
  const url = `http://${host}:${port}`
  await rt.store.setSetting('endpoint', url)
  const retention = o.decisionLogRetentionMs === undefined ? undefined : new DecisionRetention(rt.store, rt.clock, { retentionMs: o.decisionLogRetentionMs })
  retention?.start((e) => log?.warn({ err: e }, 'decision log retention pass failed'))
  let backendDemo: BackendDemo | undefined
  if (o.demo) {
    demo = await applyDemo(rt)
    if (backend !== undefined) {
      try {
        backendDemo = await applyBackendDemo(rt, demo, backend.gateway)
      } catch (e) {
        await retention?.stop()
        await app.close()
        await backend.stop()
        await rt.store.close()
        throw new Error(`--demo could not create its bucket in the backend ${backend.gateway.backend.href}: ${(e as Error).message}`)
      }
    }
  }
  print(`irsa listening on ${url}`)
  print(`  issuer        ${rt.issuer}`)
  print(`  discovery     ${rt.issuer}/.well-known/openid-configuration`)
  print(`  STS and IAM   ${url}/   (account ${rt.account}, region ${rt.region}, store ${rt.store.kind})`)
  print(`  health        ${url}/healthz   ready ${url}/readyz   metrics ${url}/metrics`)
  print(`  EKS           ${url}/clusters/${cluster.name}   (pod identity agent ${url}/v1/credentials)`)
  print(uiBanner(url, ui))
  if (retention !== undefined) print(`  decision log  kept ${retention.retentionMs / 1000} s, pruned every ${retention.intervalMs / 1000} s`)
  if (backend !== undefined) print(`  AWS services  ${url}/   enforced, forwarded to ${backend.moto === undefined ? backend.gateway.backend.href : `moto_server ${backend.gateway.backend.href} (pid ${backend.moto.pid ?? '?'})`}`)
  if (applied !== undefined) {
    print('')
    print('Config applied:')
    for (const line of formatApplyReport(applied)) print(`  ${line}`)
  }
  if (opened.generatedAdmin !== undefined) {
    print('')
    print(`Admin credentials were generated and saved to ${opened.adminFile} (mode 0600). They are shown once:`)
    print(`  export AWS_ACCESS_KEY_ID=${opened.generatedAdmin.accessKeyId}`)
    print(`  export AWS_SECRET_ACCESS_KEY=${opened.generatedAdmin.secretAccessKey}`)
  }
  if (demo !== undefined) {
    print('')
    print(`Demo: service account ${demo.namespace}/${demo.serviceAccount} is bound to ${demo.roleArn}`)
    print('Try, in another shell:')
    print(`  npx --no-install irsa exec --data ${o.data ?? '.irsa'} --namespace ${demo.namespace} --service-account ${demo.serviceAccount} -- aws sts get-caller-identity`)
    print(`Demo (EKS Pod Identity): ${demo.podIdentity.namespace}/${demo.podIdentity.serviceAccount} is associated with ${demo.podIdentity.roleArn} (${demo.podIdentity.associationId})`)
    print(`  npx --no-install irsa exec --pod-identity --data ${o.data ?? '.irsa'} --namespace ${demo.podIdentity.namespace} --service-account ${demo.podIdentity.serviceAccount} -- aws sts get-caller-identity`)
    if (backendDemo !== undefined) {
      const exec = `npx --no-install irsa exec --data ${o.data ?? '.irsa'} --namespace ${demo.namespace} --service-account ${demo.serviceAccount} --`
      print(`Demo (gateway): s3://${backendDemo.bucket}/${backendDemo.key} is in the backend; ${demo.roleArn} may only s3:GetObject on ${backendDemo.bucket}/*.`)
      print('  This one succeeds (prints the object):')
      print(`  ${exec} aws s3 cp s3://${backendDemo.bucket}/${backendDemo.key} -`)
      print('  This one is refused by the gateway (AccessDenied: s3:ListBucket is not granted):')
      print(`  ${exec} aws s3 ls s3://${backendDemo.bucket}/`)
    }
  }
  return {
    app,
    rt,
    url,
    ...(backend === undefined ? {} : { backend }),
    ...(retention === undefined ? {} : { retention }),
    async close() {
      await retention?.stop()
      // Drain: in-flight requests finish, then the store closes (writing the decision log out).
      const { drained } = await closeGracefully(app, rt, o.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS)
      await backend?.stop()
      if (log !== undefined) {
        log.info({ drained }, 'shut down')
        await flushLogger(log)
      }
    },
  }
}

/** The operations flags of `irsa serve` (logging, metrics, shutdown), as commander parses them. */
export interface ServeOpsFlags {
  readonly logLevel?: LevelWithSilent
  readonly logFormat?: LogFormat
  readonly metricsToken?: string
  readonly shutdownTimeout?: number
  /** Milliseconds, parsed from a duration. */
  readonly decisionLogRetention?: number
}

/** The commander options for {@link ServeOpsFlags}. */
export function serveOpsOptions(): [Option, Option, Option, Option, Option] {
  return [
    new Option('--log-level <level>', 'log requests at this level and above (turns logging on; default info with --log)').choices(LOG_LEVELS),
    new Option('--log-format <format>', 'log line format').choices(LOG_FORMATS).default('json'),
    new Option('--metrics-token <token>', 'require Authorization: Bearer TOKEN on /metrics (default: open)').env('IRSA_METRICS_TOKEN'),
    new Option('--shutdown-timeout <seconds>', 'on SIGTERM/SIGINT, wait this long for in-flight requests').argParser(seconds).default(DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000),
    new Option('--decision-log-retention <duration>', 'delete decisions older than this, periodically (e.g. 30d, 12h; archive first with irsa log export)').argParser(retention),
  ]
}

function retention(v: string): number {
  const secs = parseDuration(v)
  if (secs === undefined || secs === 0) throw new InvalidArgumentError('expected a duration such as 30d, 12h or 90m')
  return secs * 1000
}

function seconds(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new InvalidArgumentError('expected a number of seconds')
  return Number(v)
}

/** ServeOptions fields from the parsed flags. */
export function serveOpsSettings(f: ServeOpsFlags): Pick<ServeOptions, 'logLevel' | 'logFormat' | 'metricsToken' | 'shutdownTimeoutMs' | 'decisionLogRetentionMs'> {
  return {
    ...(f.decisionLogRetention === undefined ? {} : { decisionLogRetentionMs: f.decisionLogRetention }),
    ...(f.logLevel === undefined ? {} : { logLevel: f.logLevel }),
    ...(f.logFormat === undefined ? {} : { logFormat: f.logFormat }),
    ...(f.metricsToken === undefined || f.metricsToken === '' ? {} : { metricsToken: f.metricsToken }),
    ...(f.shutdownTimeout === undefined ? {} : { shutdownTimeoutMs: Math.round(f.shutdownTimeout * 1000) }),
  }
}
