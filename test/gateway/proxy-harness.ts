// irsa with the enforcement gateway in front of a real moto_server, for the proxy tests:
// - moto runs as irsa runs it (src/cli/moto.ts), behind a counting pass-through proxy, so a test
//   can prove that a refused request never reached the backend;
// - resource facts come from an in-memory double of BackendFacts (policies and key schemas the
//   test sets), standing in for the backend readers;
// - a least-privilege role (s3:GetObject on payments/*, plus what a test adds) and session
//   credentials for it, obtained the way a pod gets them (a service-account token exchanged with
//   AssumeRoleWithWebIdentity).
import { createServer, request } from 'node:http'
import type { Server } from 'node:http'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { applyDemo } from '../../src/cli/demo.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { startMoto } from '../../src/cli/moto.js'
import type { MotoProcess } from '../../src/cli/moto.js'
import type { BackendFacts, ResourceFacts } from '../../src/enforce/backend-facts.js'
import { startLoopbackServer } from '../support/test-server.js'
import type { AwsKeys, LoopbackServer } from '../support/test-server.js'

export const ADMIN: AwsKeys = { accessKeyId: 'AKIAGATEWAYADMIN0001', secretAccessKey: 'gateway-admin-secret-0000000000000000000' }
export const ACCOUNT = '111122223333'
export const REGION = 'us-east-1'

/** The in-memory BackendFacts double: what a test declares, nothing read from the backend. */
export class FactsDouble implements BackendFacts {
  readonly policies = new Map<string, string>()
  readonly tags = new Map<string, Record<string, string>>()
  readonly schemas = new Map<string, string>()
  readonly asked: string[] = []
  readonly writes: string[] = []
  async resource(_service: string, arn: string): Promise<ResourceFacts> {
    this.asked.push(arn)
    // An S3 object is governed by its bucket's policy.
    const s3 = /^arn:[^:]+:s3:::([^/]+)/.exec(arn)
    const key = s3 === null ? arn : `arn:aws:s3:::${s3[1]}`
    const policy = this.policies.get(key)
    const tags = this.tags.get(key)
    return { ...(policy === undefined ? {} : { policy }), ...(tags === undefined ? {} : { tags }) }
  }
  keySchema(table: string): string | undefined {
    return this.schemas.get(table)
  }
  kmsAlias(): string | undefined {
    return undefined
  }
  secretArn(): string | undefined {
    return undefined
  }
  async prefetch(): Promise<void> {}
  afterWrite(mapped: { operation: string }): void {
    this.writes.push(mapped.operation)
  }
}

/** A pass-through proxy in front of moto that counts what reaches it. */
export interface CountingBackend {
  readonly url: string
  /** `METHOD path` of every request that reached moto, in order. */
  readonly seen: string[]
  close(): Promise<void>
}

async function countingProxy(target: URL): Promise<CountingBackend> {
  const seen: string[] = []
  const server: Server = createServer((req, res) => {
    const up = request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.destroy())
    // Counted only once the whole request has arrived: an aborted upload never completes here.
    req.on('end', () => {
      if (req.complete) seen.push(`${req.method} ${req.url}`)
    })
    req.on('aborted', () => up.destroy())
    req.pipe(up)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const a = server.address()
  const port = typeof a === 'object' && a !== null ? a.port : 0
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) }
}

export interface GatewayFixture {
  readonly server: LoopbackServer
  readonly url: string
  readonly moto: MotoProcess
  readonly backend: CountingBackend
  readonly facts: FactsDouble
  readonly roleArn: string
  /** Session credentials of the least-privilege role. */
  readonly session: AwsKeys
  /** Replace the role's permissions. */
  setPolicy(statements: readonly object[]): Promise<void>
  /** Move irsa's clock (milliseconds added to the real time). */
  skew(ms: number): void
  close(): Promise<void>
}

export const READ_PAYMENTS = { Sid: 'ReadPayments', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::payments/*' }

/** The demo role with `statements` as its only permissions, and a pod's session credentials for it. */
export interface DemoSession {
  readonly roleArn: string
  readonly session: AwsKeys
  setPolicy(statements: readonly object[]): Promise<void>
}

export async function demoSession(server: LoopbackServer, statements: readonly object[] = [READ_PAYMENTS]): Promise<DemoSession> {
  const rt = server.serving.rt
  const demo = await applyDemo(rt)
  const setPolicy = async (s: readonly object[]): Promise<void> => {
    await rt.store.putRolePolicy(demo.roleArn, 'read-demo-bucket', JSON.stringify({ Version: '2012-10-17', Statement: s }))
  }
  await setPolicy(statements)
  const { token } = await issueServiceAccountToken(rt, { namespace: demo.namespace, serviceAccount: demo.serviceAccount, audience: ['sts.amazonaws.com'] })
  const sts = new STSClient({ endpoint: server.url, region: REGION, credentials: ADMIN, maxAttempts: 1 })
  const r = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: demo.roleArn, RoleSessionName: 'gw', WebIdentityToken: token }))
  sts.destroy()
  const c = r.Credentials
  if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined) throw new Error('no credentials')
  return { roleArn: demo.roleArn, session: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, setPolicy }
}

export async function startGateway(prefix: string, credentials?: string): Promise<GatewayFixture> {
  const moto = await startMoto({ account: ACCOUNT })
  const backend = await countingProxy(moto.url)
  const facts = new FactsDouble()
  let offset = 0
  const server = await startLoopbackServer({
    prefix,
    admin: ADMIN,
    account: ACCOUNT,
    region: REGION,
    clock: { now: () => Date.now() + offset },
    backend: { backend: backend.url, facts: () => facts, ...(credentials === undefined ? {} : { credentials }) },
  })
  const { roleArn, session, setPolicy } = await demoSession(server)
  return {
    server,
    url: server.url,
    moto,
    backend,
    facts,
    roleArn,
    session,
    setPolicy,
    skew: (ms) => void (offset = ms),
    async close() {
      await server.close()
      await backend.close()
      await moto.stop()
    },
  }
}
