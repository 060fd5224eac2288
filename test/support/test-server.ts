// A real irsa server on loopback for the tests: a temp directory for its SQLite state, fixed admin
// credentials, and SDK clients that are destroyed (with the server and the directory) on close.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IAMClient } from '@aws-sdk/client-iam'
import { startServer } from '../../src/cli/serve.js'
import type { ServeOptions, Serving } from '../../src/cli/serve.js'

export interface AwsKeys {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

export interface LoopbackServer {
  readonly serving: Serving
  readonly url: string
  /** The temp directory (removed on close); the state is in `data` below it. */
  readonly dir: string
  readonly data: string
  /** The region the clients sign for. */
  readonly region: string
  /** An IAM client signing with `creds` (no retries), destroyed on close. */
  client(creds: AwsKeys): IAMClient
  /** Destroy this SDK client on close. */
  track<T extends { destroy(): void }>(client: T): T
  close(): Promise<void>
}

export interface LoopbackOptions extends Partial<Omit<ServeOptions, 'host' | 'port' | 'data' | 'env'>> {
  /** Prefix of the temp directory's name. */
  readonly prefix: string
  readonly admin: AwsKeys
}

export async function startLoopbackServer(o: LoopbackOptions): Promise<LoopbackServer> {
  const { prefix, admin, ...options } = o
  const dir = await mkdtemp(join(tmpdir(), prefix))
  const data = join(dir, 'data')
  const serving = await startServer(
    { ...options, host: '127.0.0.1', port: 0, data, env: { IRSA_ADMIN_ACCESS_KEY_ID: admin.accessKeyId, IRSA_ADMIN_SECRET_ACCESS_KEY: admin.secretAccessKey } },
    () => {},
  )
  const region = o.region ?? 'us-east-1'
  const clients: { destroy(): void }[] = []
  const track = <T extends { destroy(): void }>(c: T): T => {
    clients.push(c)
    return c
  }
  return {
    serving,
    url: serving.url,
    dir,
    data,
    region,
    client: (creds) => track(new IAMClient({ endpoint: serving.url, region, credentials: creds, maxAttempts: 1 })),
    track,
    async close() {
      for (const c of clients.splice(0)) c.destroy()
      await serving.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
