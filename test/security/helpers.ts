// Plumbing for the attack suite: a real irsa server on loopback with a clock the test can move, a
// raw HTTP client (attacks need exact bytes, headers and bodies the SDKs never send), hostile-token
// minting with jose, and a second OIDC issuer (its own key pair and JWKS) that counts every fetch.
import { request } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { base64url, importJWK, SignJWT } from 'jose'
import type { JWK } from 'jose'
import { startServer } from '../../src/cli/serve.js'
import type { Serving } from '../../src/cli/serve.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import type { Store } from '../../src/store/store.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'
import { startFakeIssuer } from '../support/fake-issuer.js'
import type { FakeIssuer, KeyPair } from '../support/fake-issuer.js'

export const ADMIN = { accessKeyId: 'AKIAIRSASECURITYTEST', secretAccessKey: 'securitySuiteSecretKey/securitySuiteSecret0' } as const
export const REGION = 'us-east-1'
/** The bearer token POST /mutate of the suite's server requires. */
export const WEBHOOK_TOKEN = 'security-suite-webhook-token-0123456789'

export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

export interface SecServer {
  readonly serving: Serving
  readonly url: string
  readonly port: number
  readonly account: string
  /** Milliseconds added to the server's clock (expire sessions and presigned URLs without waiting). */
  offsetMs: number
  readonly iam: IAMClient
  sts(creds?: Credentials): STSClient
  /** A projected service-account token from this server's own issuer. */
  token(namespace: string, serviceAccount: string, expirationSeconds?: number): Promise<string>
  /** Create a role trusting one service account of this server's issuer. */
  role(name: string, namespace: string, serviceAccount: string): Promise<string>
  /** Exchange a fresh token for session credentials. */
  session(roleArn: string, namespace: string, serviceAccount: string): Promise<Credentials>
  close(): Promise<void>
}

export async function startSecServer(o: { account?: string; store?: Store; allowJwksHosts?: readonly string[] } = {}): Promise<SecServer> {
  const dir = await mkdtemp(join(tmpdir(), 'irsa-sec-'))
  const clock = { offsetMs: 0 }
  const serving = await startServer(
    {
      host: '127.0.0.1',
      port: 0,
      data: join(dir, 'data'),
      env: { IRSA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, IRSA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey },
      ...(o.account === undefined ? {} : { account: o.account }),
      ...(o.store === undefined ? {} : { store: o.store }),
      ...(o.allowJwksHosts === undefined ? {} : { allowJwksHosts: o.allowJwksHosts }),
      region: REGION,
      clock: { now: () => Date.now() + clock.offsetMs },
      webhookToken: WEBHOOK_TOKEN,
    },
    () => {},
  )
  const clients: { destroy(): void }[] = []
  const iam = new IAMClient({ endpoint: serving.url, region: REGION, credentials: ADMIN, maxAttempts: 1 })
  clients.push(iam)
  const sts = (creds: Credentials = { accessKeyId: 'unused', secretAccessKey: 'unused' }): STSClient => {
    const c = new STSClient({ endpoint: serving.url, region: REGION, credentials: creds, maxAttempts: 1 })
    clients.push(c)
    return c
  }
  const token = async (namespace: string, serviceAccount: string, expirationSeconds = 3600): Promise<string> =>
    (await issueServiceAccountToken(serving.rt, { namespace, serviceAccount, expirationSeconds })).token
  const s: SecServer = {
    serving,
    url: serving.url,
    port: Number(new URL(serving.url).port),
    account: serving.rt.account,
    get offsetMs() {
      return clock.offsetMs
    },
    set offsetMs(v: number) {
      clock.offsetMs = v
    },
    iam,
    sts,
    token,
    async role(name, namespace, serviceAccount) {
      const r = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustFor(serving, namespace, serviceAccount) }))
      return r.Role?.Arn as string
    },
    async session(roleArn, namespace, serviceAccount) {
      const r = await sts().send(
        new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'sec', WebIdentityToken: await token(namespace, serviceAccount) }),
      )
      const c = r.Credentials
      if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined) throw new Error('no credentials')
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }
    },
    async close() {
      for (const c of clients) c.destroy()
      await serving.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
  return s
}

/** An IRSA trust policy for one service account of the server's own issuer. */
export function trustFor(serving: Serving, namespace: string, serviceAccount: string, providerArn = serving.rt.ownProviderArn): string {
  const key = providerArn.split(':oidc-provider/')[1] ?? issuerHostPath(serving.rt.issuer)
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${key}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${key}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  })
}

export interface RawResponse {
  readonly status: number
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

/** One HTTP request with exactly these headers and body bytes (no client-side fixing up). */
export function raw(
  url: string,
  o: { method?: string; path?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body, 'utf8')
    const headers: Record<string, string | string[]> = { ...(body === undefined ? {} : { 'content-length': String(body.length) }), ...o.headers }
    const req = request({ host: u.hostname, port: u.port, method: o.method ?? 'POST', path: o.path ?? '/', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } as const

/** The parts of an AWS Query XML error body; undefined fields when absent. */
export function xmlError(body: string): { type: string | undefined; code: string | undefined; message: string | undefined; requestId: string | undefined } {
  const unescape = (t: string): string => t.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e] as string)
  const pick = (tag: string): string | undefined => {
    const text = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(body)?.[1]
    return text === undefined ? undefined : unescape(text)
  }
  return { type: pick('Type'), code: pick('Code'), message: pick('Message'), requestId: pick('RequestId') }
}

/** A well-formed AWS ErrorResponse document (what every failure must look like). */
export function isAwsErrorDocument(body: string): boolean {
  const e = xmlError(body)
  return (
    /^<ErrorResponse xmlns="https:\/\/(sts|iam)\.amazonaws\.com\/doc\/\d{4}-\d{2}-\d{2}\/">\n/.test(body) &&
    isWellFormedXml(body) &&
    (e.type === 'Sender' || e.type === 'Receiver') &&
    e.code !== undefined &&
    /^[A-Za-z]+$/.test(e.code) &&
    e.requestId !== undefined &&
    body.trimEnd().endsWith('</ErrorResponse>')
  )
}

/** The AWS error an SDK v3 call failed with. */
export async function sdkError(p: Promise<unknown>): Promise<{ code: string; name: string; message: string; status: number | undefined }> {
  try {
    await p
  } catch (e) {
    const err = e as { name: string; Code?: string; message: string; $metadata?: { httpStatusCode?: number } }
    return { code: err.Code ?? err.name.replace(/Exception$/, ''), name: err.name, message: err.message, status: err.$metadata?.httpStatusCode }
  }
  throw new Error('expected the call to fail')
}

/** Sign claims with a private JWK and an arbitrary protected header. */
export async function signJwt(privateJwk: JWK, header: Record<string, unknown> & { alg: string }, claims: Record<string, unknown>): Promise<string> {
  const key = await importJWK(privateJwk, header.alg)
  return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', ...header }).sign(key)
}

export const b64json = (v: unknown): string => base64url.encode(typeof v === 'string' ? v : JSON.stringify(v))

/** Kubernetes-shaped claims for a service account. */
export function saClaims(iss: string, namespace: string, name: string, nowSeconds: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: ['sts.amazonaws.com'],
    exp: nowSeconds + 3600,
    iat: nowSeconds,
    nbf: nowSeconds,
    iss,
    jti: `jti-${nowSeconds}-${Math.random().toString(36).slice(2)}`,
    'kubernetes.io': { namespace, serviceaccount: { name, uid: '00000000-0000-4000-8000-000000000000' } },
    sub: `system:serviceaccount:${namespace}:${name}`,
    ...extra,
  }
}

/** A loopback OIDC issuer serving discovery and a JWKS; `hits` counts every request it receives. */
/** Another issuer on loopback; it also serves its JWKS at `/attacker-jwks` (the jku/x5u targets). */
export function startIssuer(keys: KeyPair[] = []): Promise<FakeIssuer> {
  return startFakeIssuer(keys, ['/attacker-jwks'])
}

/** XML 1.0 `Char`: TAB, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF (no lone surrogates). */
const XML_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u

/**
 * Well-formedness of the XML irsa writes (elements, attributes in double quotes, escaped text; no
 * comments, CDATA or processing instructions): legal characters only, entity references only to the
 * five predefined entities, one root, and every start tag closed by its own end tag.
 */
export function isWellFormedXml(doc: string): boolean {
  if (!XML_CHARS.test(doc)) return false
  const stack: string[] = []
  let roots = 0
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*="[^"<&]*")*)\s*(\/?)>|([^<]+)/gy
  let m: RegExpExecArray | null
  let at = 0
  while (at < doc.length) {
    token.lastIndex = at
    m = token.exec(doc)
    if (m === null) return false
    at = token.lastIndex
    const [, close, name, , selfClose, text] = m
    if (text !== undefined) {
      if (stack.length === 0 && text.trim() !== '') return false
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(text)) return false
      continue
    }
    if (close === '/') {
      if (stack.pop() !== name) return false
    } else if (selfClose !== '/') {
      if (stack.length === 0) roots++
      stack.push(name as string)
    } else if (stack.length === 0) roots++
  }
  return stack.length === 0 && roots === 1
}

export { newKeyPair } from '../support/fake-issuer.js'
export type { FakeIssuer, KeyPair } from '../support/fake-issuer.js'
