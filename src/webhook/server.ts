/**
 * The standalone webhook server (`irsa webhook`): HTTPS, as the API server requires, with
 * `POST /mutate` and `GET /healthz`. The certificate and key are re-read when their files change
 * (cert-manager renews them in place), without dropping connections.
 */
import { readFile } from 'node:fs/promises'
import type { SecureVersion } from 'node:tls'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { IrsaError } from '../errors.js'
import { watchFile } from './file-watch.js'
import type { FileWatch } from './file-watch.js'
import { webhookPlugin } from './plugin.js'
import type { WebhookPluginOptions } from './plugin.js'

export interface WebhookServerOptions extends WebhookPluginOptions {
  readonly host: string
  readonly port: number
  readonly tlsCert: string
  readonly tlsKey: string
  readonly tlsMinVersion?: SecureVersion
  readonly logger?: boolean
  /** Called when a TLS reload fails (the old certificate stays in use). */
  readonly onError?: (e: unknown) => void
}

export interface WebhookServer {
  readonly app: FastifyInstance
  readonly url: string
  close(): Promise<void>
}

const TLS_VERSIONS: Readonly<Record<string, SecureVersion>> = {
  '1.0': 'TLSv1',
  '1.1': 'TLSv1.1',
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
  VersionTLS10: 'TLSv1',
  VersionTLS11: 'TLSv1.1',
  VersionTLS12: 'TLSv1.2',
  VersionTLS13: 'TLSv1.3',
}

/** `--tls-min-version`, upstream spellings (`1.2`, `VersionTLS12`). */
export function parseTlsVersion(v: string): SecureVersion | undefined {
  return TLS_VERSIONS[v]
}

async function readTls(cert: string, key: string): Promise<{ cert: Buffer; key: Buffer }> {
  try {
    return { cert: await readFile(cert), key: await readFile(key) }
  } catch (e) {
    throw new IrsaError('ERR_WEBHOOK_TLS', `cannot read the TLS certificate or key: ${(e as Error).message}`, { cause: e })
  }
}

export async function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const tls = await readTls(o.tlsCert, o.tlsKey)
  const app = Fastify({
    https: { ...tls, ...(o.tlsMinVersion === undefined ? {} : { minVersion: o.tlsMinVersion }) },
    logger: o.logger ? { level: 'info' } : false,
    // Keep-alive connections from the API server are reused for many reviews.
    keepAliveTimeout: 65_000,
  })
  app.get('/healthz', async (_req, reply) => reply.type('text/plain').send('ok'))
  await app.register(webhookPlugin, o)
  try {
    await app.listen({ host: o.host, port: o.port })
  } catch (e) {
    await app.close()
    throw e
  }
  const reload = async (): Promise<void> => {
    const next = await readTls(o.tlsCert, o.tlsKey)
    ;(app.server as unknown as { setSecureContext(c: { cert: Buffer; key: Buffer }): void }).setSecureContext(next)
  }
  const watches: FileWatch[] = [o.tlsCert, o.tlsKey].map((path) =>
    watchFile(path, {
      onChange: () => void reload().catch((e: unknown) => o.onError?.(e)),
      ...(o.onError === undefined ? {} : { onError: o.onError }),
      pollMs: 30_000,
    }),
  )
  await Promise.all(watches.map((w) => w.reload()))
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : o.port
  const host = o.host.includes(':') ? `[${o.host}]` : o.host
  return {
    app,
    url: `https://${host}:${port}`,
    async close() {
      for (const w of watches) w.close()
      await app.close()
    },
  }
}
