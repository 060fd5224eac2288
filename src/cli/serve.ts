/** `irsa serve`: open the state, start the server, print endpoints (and generated admin credentials once). */
import { createServer } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../server/app.js'
import { openRuntime } from '../server/bootstrap.js'
import type { OpenOptions } from '../server/bootstrap.js'
import type { Runtime } from '../server/runtime.js'
import { applyDemo } from '../server/demo.js'
import type { DemoResult } from '../server/demo.js'
import { applyConfig, formatApplyReport } from '../config/apply.js'
import type { ApplyReport } from '../config/apply.js'
import type { IrsaConfig } from '../config/config-file.js'
import { storeTarget } from '../config/store-target.js'

export interface ServeOptions extends OpenOptions {
  readonly host: string
  readonly port: number
  readonly demo?: boolean
  readonly logger?: boolean
  /** A parsed config file, applied to the store before the server listens. */
  readonly config?: IrsaConfig
}

export interface Serving {
  readonly app: FastifyInstance
  readonly rt: Runtime
  readonly url: string
  close(): Promise<void>
}

/** Ask the OS for a free port, so the issuer URL can name it before the server listens. */
async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, host, () => {
      const a = srv.address()
      const port = typeof a === 'object' && a !== null ? a.port : 0
      srv.close(() => resolve(port))
    })
  })
}

export async function startServer(options: ServeOptions, print: (line: string) => void): Promise<Serving> {
  const o = options.port === 0 ? { ...options, port: await freePort(options.host) } : options
  const opened = await openRuntime(o)
  const { rt } = opened
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
  const app = await buildApp(rt, { logger: o.logger ?? false })
  let demo: DemoResult | undefined
  try {
    await app.listen({ host: o.host, port: o.port })
  } catch (e) {
    await rt.store.close()
    throw e
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : o.port
  const host = o.host.includes(':') ? `[${o.host}]` : o.host
  const url = `http://${host}:${port}`
  await rt.store.setSetting('endpoint', url)
  if (o.demo) demo = await applyDemo(rt)
  print(`irsa listening on ${url}`)
  print(`  issuer        ${rt.issuer}`)
  print(`  discovery     ${rt.issuer}/.well-known/openid-configuration`)
  print(`  STS and IAM   ${url}/   (account ${rt.account}, region ${rt.region}, store ${rt.store.kind})`)
  print(`  health        ${url}/healthz`)
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
  }
  return {
    app,
    rt,
    url,
    async close() {
      await app.close()
      await rt.store.close()
    },
  }
}
