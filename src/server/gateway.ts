/**
 * The enforcement gateway on the wire: every AWS request whose SigV4 scope names a service other
 * than irsa's own (sts, iam, eks, eks-auth), and every unsigned request for no irsa route, is
 * authenticated with irsa's credentials, authorized (src/enforce/authorize-service-call.ts), logged
 * to the decision log, and, when allowed, forwarded to the backend emulator; the backend's answer is
 * streamed back unchanged. A refusal answers in the service's own error shape (gateway-errors.ts).
 *
 * Bodies:
 * - Object uploads (S3 PutObject and UploadPart) are streamed, never buffered. `aws-chunked` bodies
 *   (`STREAMING-…`) are decoded as they arrive; a signed chunk is forwarded only after its signature
 *   is verified. A signed hex payload hash is computed as the body streams. In both cases the last
 *   piece of the body is held back until the whole body has verified (chunk and trailer signatures,
 *   trailing checksum, decoded length, payload hash): the backend receives fewer bytes than the
 *   Content-Length announced until then, and on a failure the upstream connection is destroyed, so
 *   the backend never sees a complete request and the upload does not take effect. An empty body is
 *   not sent at all before it has verified.
 * - Everything else (JSON, Query and S3 control XML) is buffered up to a bound and its hash checked
 *   by the SigV4 verifier before it is mapped, authorized or forwarded.
 *
 * Forwarded requests are re-signed with the backend credentials when given (S3 bodies as
 * `UNSIGNED-PAYLOAD`), else sent as received. S3 virtual-host requests are forwarded path style.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AwsChunkedDecoder, AwsChunkedError, isStreamingPayload } from '../aws/sigv4/aws-chunked.js'
import { signPayload } from '../aws/sigv4/sign.js'
import { sha256Hex } from '../aws/sigv4/canonical-request.js'
import { verifySigV4 } from '../aws/sigv4/verify.js'
import type { SigV4ErrorCode, SigV4Success } from '../aws/sigv4/verify.js'
import type { Identity } from '../core/identity.js'
import { identityLookup } from '../core/identity.js'
import type { Runtime } from '../core/runtime.js'
import { userAgentField } from '../core/signed-action.js'
import { authorizeServiceCall, mapServiceCall } from '../enforce/authorize-service-call.js'
import type { ServiceCallDecision } from '../enforce/authorize-service-call.js'
import type { BackendFacts } from '../enforce/backend-facts.js'
import type { MappedRequest } from '../gateway/authorization.js'
import type { IamCatalog } from '../gateway/catalog.js'
import { detectProtocol } from '../gateway/protocol.js'
import type { GatewayRequest, QueryMultiMap } from '../gateway/request.js'
import { gatewayErrorResponse, wireShape } from './gateway-errors.js'
import type { GatewayFault, WireShape } from './gateway-errors.js'

/** The SigV4 services irsa answers itself. */
const OWN_SERVICES = new Set(['sts', 'iam', 'eks', 'eks-auth', 'cloudtrail'])
/** The largest non-object body buffered (DynamoDB's request limit is 16 MB). */
const MAX_CONTROL_BODY = 16 * 1024 * 1024
/** Headers that belong to one hop, or that the gateway rewrites. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'expect', 'te', 'trailer', 'host', 'content-length'])
const RESIGNED = new Set(['authorization', 'x-amz-security-token', 'x-amz-date', 'x-amz-content-sha256'])
const PRESIGN_PARAMS = new Set(['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-signedheaders', 'x-amz-signature', 'x-amz-security-token'])

export interface BackendCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

export interface GatewayOptions {
  /** The backend emulator's base URL (`http://127.0.0.1:5000`). */
  readonly backend: URL
  /** Re-sign forwarded requests with these; unset, requests are forwarded as received. */
  readonly credentials?: BackendCredentials
  readonly facts: BackendFacts
  readonly catalog: IamCatalog
  /** Host suffixes for S3 virtual-host requests (`bucket.<suffix>`); `localhost` by default. */
  readonly s3HostSuffixes?: readonly string[]
}

class Refusal extends Error {
  readonly fault: GatewayFault
  constructor(fault: GatewayFault, message: string) {
    super(message)
    this.fault = fault
  }
}

const SIGV4_FAULT: Readonly<Record<SigV4ErrorCode, GatewayFault>> = {
  MissingAuthenticationToken: 'MissingAuthenticationToken',
  IncompleteSignature: 'IncompleteSignature',
  InvalidClientTokenId: 'InvalidClientTokenId',
  ExpiredToken: 'ExpiredToken',
  SignatureDoesNotMatch: 'SignatureDoesNotMatch',
}

/** The SigV4 scope's service of a request, from its Authorization header or presigned query. */
function scopeService(headers: IncomingMessage['headers'], rawQuery: string): string | undefined {
  const m = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(headers.authorization ?? '')
  if (m !== null) return m[1]
  if (!rawQuery.includes('X-Amz-Credential')) return undefined
  return new URLSearchParams(rawQuery).get('X-Amz-Credential')?.split('/')[3]
}

function queryMap(rawQuery: string): QueryMultiMap {
  const out: Record<string, string[]> = {}
  for (const [k, v] of new URLSearchParams(rawQuery)) (out[k] ??= []).push(v)
  return out
}

function flatHeaders(h: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v
  return out
}

/** Is this an S3 object upload (PutObject, UploadPart), whose body is streamed? */
function isObjectUpload(method: string, key: string | undefined, query: QueryMultiMap): boolean {
  if (method !== 'PUT' || key === undefined) return false
  // SDK v3 names the operation in the query (`?x-id=PutObject`); other PUTs on a key (CopyObject,
  // PutObjectTagging, …) carry small bodies and are read whole.
  const upload = (k: string): boolean => k === 'x-id' && (query[k] ?? []).every((v) => v === 'PutObject' || v === 'UploadPart')
  return Object.keys(query).every((k) => k === 'partNumber' || k === 'uploadId' || k.toLowerCase().startsWith('x-amz-') || upload(k))
}

async function readBounded(req: IncomingMessage, max: number): Promise<Buffer> {
  const parts: Buffer[] = []
  let n = 0
  for await (const chunk of req) {
    n += (chunk as Buffer).length
    if (n > max) throw new Refusal('EntityTooLarge', 'Your request body is too large.')
    parts.push(chunk as Buffer)
  }
  return Buffer.concat(parts)
}

export function gatewayRoutes(app: FastifyInstance, rt: Runtime, o: GatewayOptions): void {
  const suffixes = o.s3HostSuffixes ?? ['localhost']
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    const url = req.raw.url ?? '/'
    const q = url.indexOf('?')
    const rawQuery = q < 0 ? '' : url.slice(q + 1)
    const service = scopeService(req.headers, rawQuery)
    const ours = service === undefined ? req.routeOptions.url !== undefined : OWN_SERVICES.has(service)
    if (ours) return done()
    reply.hijack()
    void handle(rt, o, suffixes, req, reply.raw, service, url, rawQuery).finally(() => done())
  })
}

interface Call {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly requestId: string
  readonly shape: WireShape
  readonly service: string | undefined
  readonly sourceIp: string
  readonly secureTransport: boolean
}

function refuse(c: Call, fault: GatewayFault, message: string, close = false): void {
  if (c.res.headersSent) {
    c.res.destroy()
    return
  }
  const r = gatewayErrorResponse(fault, c.shape, c.service, message, c.requestId)
  c.res.writeHead(r.status, { ...r.headers, 'content-length': Buffer.byteLength(r.body), ...(close ? { connection: 'close' } : {}) })
  c.res.end(r.body)
  // The client may still be sending a body that will not be read: stop it here.
  if (close) c.res.once('finish', () => c.req.destroy())
}

async function handle(
  rt: Runtime,
  o: GatewayOptions,
  suffixes: readonly string[],
  freq: FastifyRequest,
  res: ServerResponse,
  service: string | undefined,
  url: string,
  rawQuery: string,
): Promise<void> {
  const req = freq.raw
  const c: Call = {
    req,
    res,
    requestId: freq.id,
    shape: wireShape(service, req.headers['x-amz-target'] !== undefined),
    service,
    sourceIp: freq.ip,
    secureTransport: freq.protocol === 'https',
  }
  let logged = false
  try {
    if (service === undefined) throw new Refusal('MissingAuthenticationToken', c.shape === 's3' ? 'Access Denied' : 'Request is missing Authentication Token')
    const path = url.slice(0, url.indexOf('?') < 0 ? undefined : url.indexOf('?'))
    const query = queryMap(rawQuery)
    const headers = flatHeaders(req.headers)
    const host = headers.host ?? ''
    const s3 = service === 's3'
    const base = { method: req.method ?? 'GET', host, path, query, headers, service, region: '', account: rt.account, partition: rt.partition }
    const proto = s3 ? detectProtocol({ ...base, region: 'us-east-1' }, suffixes) : undefined
    const upload = proto?.kind === 'rest-xml' && isObjectUpload(base.method, proto.key, query)
    const declared = headers['x-amz-content-sha256']
    if (s3 && declared === undefined && !rawQuery.includes('X-Amz-Credential')) {
      throw new Refusal('MissingContentSha256', 'Missing required header for this request: x-amz-content-sha256')
    }
    const body = upload ? undefined : await readBounded(req, MAX_CONTROL_BODY)
    // Authenticate: against the body's hash when it is buffered, against the declared hash otherwise.
    const deferred = s3 && declared !== undefined && (upload || declared === 'UNSIGNED-PAYLOAD' || isStreamingPayload(declared))
    const auth = await authenticateCall(rt, { method: base.method, path, query: rawQuery, headers: req.headersDistinct, body: body ?? Buffer.alloc(0) }, service, deferred, s3)
    const who = auth.credential
    let control = body
    if (body !== undefined && declared !== undefined && isStreamingPayload(declared)) control = decodeAll(declared, auth, headers, body)
    const gw: GatewayRequest = { ...base, region: auth.region, account: rt.account, body: control }
    const mapped = await mapServiceCall(gw, o.catalog, o.facts, suffixes)
    if (!mapped.ok) {
      const fault: GatewayFault = mapped.error.code === 'KeySchemaUnknown' ? 'ServiceUnavailable' : mapped.error.code === 'UnknownOperation' ? 'InvalidRequest' : 'Malformed'
      await logDecision(rt, c, who, undefined, { outcome: 'Error', code: mapped.error.code, reason: mapped.error.message })
      logged = true
      throw new Refusal(fault, mapped.error.message)
    }
    const decision = await authorizeServiceCall(rt, who, mapped.mapped, auth.region, o.facts, { sourceIp: c.sourceIp, secureTransport: c.secureTransport, requestId: c.requestId })
    await logDecision(rt, c, who, decision)
    logged = true
    if (!decision.allowed) throw new Refusal('AccessDenied', decision.message)
    const target = forwardPath(proto, path, rawQuery, o.credentials !== undefined)
    await forward(o, c, { method: base.method, target, headers, region: auth.region, service, s3, upload, declared, auth, body: control, mapped: mapped.mapped })
  } catch (e) {
    if (e instanceof Refusal) {
      if (!logged && e.fault !== 'AccessDenied') await logFailure(rt, c, service, e).catch(() => undefined)
      refuse(c, e.fault, e.message, !c.req.readableEnded)
      return
    }
    freq.log.error({ err: e }, 'gateway failure')
    refuse(c, 'InternalFailure', 'We encountered an internal error. Please try again.', !c.req.readableEnded)
  }
}

async function authenticateCall(
  rt: Runtime,
  request: Parameters<typeof verifySigV4>[0],
  service: string,
  deferred: boolean,
  s3: boolean,
): Promise<SigV4Success<Identity>> {
  const result = await verifySigV4<Identity>(request, {
    now: rt.clock.now(),
    expectedService: service,
    payload: deferred ? 'declared' : 'body',
    s3Path: s3,
    lookupCredentials: identityLookup(rt),
  })
  if (!result.ok) throw new Refusal(SIGV4_FAULT[result.code], result.message)
  return result
}

function chunkedDecoder(declared: string, auth: SigV4Success<Identity>, headers: Readonly<Record<string, string>>): AwsChunkedDecoder {
  const len = headers['x-amz-decoded-content-length']
  const decodedLength = len === undefined ? undefined : /^\d{1,15}$/.test(len) ? Number(len) : NaN
  if (Number.isNaN(decodedLength)) throw new Refusal('InvalidRequest', 'x-amz-decoded-content-length is not a number')
  const trailer = headers['x-amz-trailer']
  return new AwsChunkedDecoder({
    payload: declared,
    chain: auth.chain,
    ...(decodedLength === undefined ? {} : { decodedLength }),
    ...(trailer === undefined ? {} : { trailer }),
  })
}

function decodeAll(declared: string, auth: SigV4Success<Identity>, headers: Readonly<Record<string, string>>, body: Buffer): Buffer {
  const d = chunkedDecoder(declared, auth, headers)
  try {
    const out = d.push(body)
    d.end()
    return Buffer.concat(out)
  } catch (e) {
    if (e instanceof AwsChunkedError) throw new Refusal(e.code, e.message)
    throw e
  }
}

/** Path and query for the backend: S3 virtual-host requests become path style; presign parameters go when re-signing. */
function forwardPath(proto: ReturnType<typeof detectProtocol> | undefined, path: string, rawQuery: string, resign: boolean): string {
  let p = path
  if (proto?.kind === 'rest-xml' && proto.bucket !== undefined) {
    const first = path.replace(/^\//, '').split('/')[0] ?? ''
    let decodedFirst: string
    try {
      decodedFirst = decodeURIComponent(first)
    } catch {
      decodedFirst = first
    }
    if (decodedFirst !== proto.bucket) p = `/${encodeURIComponent(proto.bucket)}${path.startsWith('/') ? path : `/${path}`}`
  }
  const query = resign
    ? rawQuery
        .split('&')
        .filter((kv) => kv !== '' && !PRESIGN_PARAMS.has((kv.split('=')[0] ?? '').toLowerCase()))
        .join('&')
    : rawQuery
  return query === '' ? p : `${p}?${query}`
}

interface Forward {
  readonly method: string
  readonly target: string
  readonly headers: Readonly<Record<string, string>>
  readonly region: string
  readonly service: string
  readonly s3: boolean
  readonly upload: boolean
  readonly declared: string | undefined
  readonly auth: SigV4Success<Identity>
  readonly body: Buffer | undefined
  readonly mapped: MappedRequest
}

function upstreamHeaders(o: GatewayOptions, f: Forward, contentLength: number | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  const chunked = f.declared !== undefined && isStreamingPayload(f.declared)
  for (const [k, v] of Object.entries(f.headers)) {
    if (HOP.has(k)) continue
    if (o.credentials !== undefined && RESIGNED.has(k)) continue
    if (chunked && (k === 'x-amz-decoded-content-length' || k === 'x-amz-trailer')) continue
    if (chunked && k === 'content-encoding') {
      const rest = v
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '' && x.toLowerCase() !== 'aws-chunked')
      if (rest.length > 0) out[k] = rest.join(',')
      continue
    }
    out[k] = v
  }
  if (chunked && o.credentials === undefined) out['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD'
  if (contentLength !== undefined) out['content-length'] = String(contentLength)
  // S3 goes path style to the backend's own host; other services keep the client's Host, so the
  // URLs the backend builds from it (SQS queue URLs) lead clients back through the gateway.
  const backendUrl = new URL(f.target, o.backend)
  const host = f.s3 ? backendUrl.host : (f.headers.host ?? backendUrl.host)
  if (o.credentials === undefined) return { ...out, host }
  const url = new URL(f.target, `${backendUrl.protocol}//${host}`)
  const payloadHash = f.body !== undefined ? sha256Hex(f.body) : 'UNSIGNED-PAYLOAD'
  return { ...out, ...signPayload({ method: f.method, url, payloadHash, accessKeyId: o.credentials.accessKeyId, secretAccessKey: o.credentials.secretAccessKey, region: f.region, service: f.service, s3Path: f.s3 }, new Date()) }
}

function openUpstream(o: GatewayOptions, f: Forward, headers: Record<string, string>): ClientRequest {
  const url = new URL(f.target, o.backend)
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return send(url, { method: f.method, headers })
}

async function forward(o: GatewayOptions, c: Call, f: Forward): Promise<void> {
  let contentLength: number | undefined
  if (f.body !== undefined) contentLength = f.body.length
  else if (f.declared !== undefined && isStreamingPayload(f.declared)) {
    const n = f.headers['x-amz-decoded-content-length']
    contentLength = n === undefined ? undefined : Number(n)
  } else {
    const n = f.headers['content-length']
    contentLength = n === undefined ? undefined : Number(n)
  }
  const up = openUpstream(o, f, upstreamHeaders(o, f, contentLength))
  let aborting = false
  const answered = new Promise<void>((resolve) => {
    up.on('response', (r: IncomingMessage) => {
      const headers: Record<string, string | string[]> = {}
      for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !HOP.has(k) && k !== 'content-length') headers[k] = v
      if (r.headers['content-length'] !== undefined) headers['content-length'] = r.headers['content-length']
      c.res.writeHead(r.statusCode ?? 502, headers)
      r.pipe(c.res)
      r.on('end', () => {
        if ((r.statusCode ?? 500) < 300) o.facts.afterWrite(f.mapped)
        resolve()
      })
      r.on('error', () => {
        c.res.destroy()
        resolve()
      })
    })
    up.on('error', (err) => {
      if (aborting) return resolve() // the body did not verify: the refusal is being sent
      if (!c.res.headersSent) refuse(c, 'BackendUnavailable', `The backend did not answer: ${err.message}`, !c.req.readableEnded)
      else c.res.destroy()
      resolve()
    })
  })
  if (f.body !== undefined) {
    up.end(f.body)
    return answered
  }
  try {
    await streamBody(c, f, up)
  } catch (e) {
    aborting = true
    up.destroy()
    throw e
  }
  return answered
}

/**
 * Stream an upload's body to the backend, holding the last piece back until the body has verified.
 * Throws a Refusal (after destroying nothing: the caller destroys the upstream request).
 */
async function streamBody(c: Call, f: Forward, up: ClientRequest): Promise<void> {
  const declared = f.declared ?? 'UNSIGNED-PAYLOAD'
  const decoder = isStreamingPayload(declared) ? chunkedDecoder(declared, f.auth, f.headers) : undefined
  const hex = /^[0-9a-f]{64}$/.test(declared) ? declared : undefined
  if (decoder === undefined && hex === undefined && declared !== 'UNSIGNED-PAYLOAD') throw new Refusal('InvalidRequest', `x-amz-content-sha256 must be a SHA-256 hex digest, UNSIGNED-PAYLOAD or a STREAMING form, not ${declared}`)
  const hash = hex === undefined ? undefined : createHash('sha256')
  let held: Buffer | undefined
  const write = async (data: Buffer): Promise<void> => {
    if (data.length === 0) return
    if (held !== undefined && !up.write(held)) await new Promise<void>((r) => up.once('drain', r))
    held = data
  }
  try {
    for await (const chunk of c.req) {
      const buf = chunk as Buffer
      if (decoder !== undefined) for (const d of decoder.push(buf)) await write(d)
      else {
        hash?.update(buf)
        await write(buf)
      }
    }
    if (!c.req.complete) throw new Refusal('IncompleteBody', 'The request body ended before its declared length')
    decoder?.end()
  } catch (e) {
    if (e instanceof AwsChunkedError) throw new Refusal(e.code, e.message)
    throw e
  }
  if (hash !== undefined && hex !== undefined) {
    const got = hash.digest()
    if (!timingSafeEqual(got, Buffer.from(hex, 'hex'))) throw new Refusal('ContentSha256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.")
  }
  up.end(held)
}

async function logDecision(
  rt: Runtime,
  c: Call,
  who: Identity,
  d: ServiceCallDecision | undefined,
  error?: { outcome: 'Error'; code: string; reason: string },
): Promise<void> {
  const session = who.kind === 'session' ? who.claims : undefined
  const checks = d?.checks ?? []
  const decisive = d === undefined ? undefined : d.allowed ? checks[checks.length - 1] : d.denied
  const statements = d === undefined ? [] : d.allowed ? checks.flatMap((x) => x.statements) : d.denied.statements
  await rt.log({
    action: decisive?.authorization.action ?? `${c.service ?? 'unknown'}:*`,
    outcome: error?.outcome ?? (d?.allowed === true ? 'Allow' : 'Deny'),
    ...(error !== undefined ? { code: error.code } : d?.allowed === false ? { code: 'AccessDenied' } : {}),
    principal: who.arn,
    ...(session === undefined ? {} : { roleArn: session.roleArn, sessionName: session.sessionName }),
    ...(session?.subject === undefined ? {} : { subject: session.subject }),
    sourceIp: c.sourceIp,
    requestId: c.requestId,
    reason: error?.reason ?? (d === undefined ? '' : d.allowed ? `${d.mapped.service}:${d.mapped.operation} allowed: ${decisive?.explanation ?? ''}` : d.message),
    detail: {
      gateway: true,
      // The key that made the call (CloudTrail's userIdentity.accessKeyId), never its secret or token.
      callerAccessKeyId: who.accessKeyId,
      ...(session === undefined ? {} : { roleId: session.roleId }),
      ...userAgentField(c.req.headers['user-agent']),
      ...(d === undefined ? {} : { service: d.mapped.service, operation: d.mapped.operation, unmapped: d.mapped.unmapped }),
      actions: [...new Set(checks.map((x) => x.authorization.action))],
      resources: [...new Set(checks.map((x) => x.authorization.resource))],
      statements,
    },
  })
}

async function logFailure(rt: Runtime, c: Call, service: string | undefined, e: Refusal): Promise<void> {
  await rt.log({
    action: `${service ?? 'unknown'}:*`,
    outcome: 'Deny',
    code: e.fault,
    sourceIp: c.sourceIp,
    requestId: c.requestId,
    reason: e.message,
    detail: { gateway: true, authentication: true },
  })
}
