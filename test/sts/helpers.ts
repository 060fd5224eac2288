// Test helpers for the STS building blocks: deterministic randomness, and requests signed by the AWS
// SDK's own signer (@smithy/signature-v4) turned into what the verifier receives from Node.
import { createHash, createHmac } from 'node:crypto'
import { Sha256 } from '@aws-crypto/sha256-js'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import type { SigV4Request } from '../../src/aws/sigv4/verify.js'

/** A deterministic byte source (SHA-256 in counter mode) so tests never depend on luck. */
export function seededRandom(seed: string): (n: number) => Uint8Array {
  let counter = 0
  return (n) => {
    const out = Buffer.alloc(n)
    let filled = 0
    while (filled < n) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest()
      filled += block.copy(out, filled)
    }
    return out
  }
}

/** RFC 3986 encoding as the SDKs put query parameters on the wire (space as %20, + as %2B). */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

export function buildQuery(query: Record<string, string | string[] | null>): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries(query)) {
    if (v === null) continue
    for (const one of Array.isArray(v) ? v : [v]) parts.push(`${rfc3986(k)}=${rfc3986(one)}`)
  }
  return parts.join('&')
}

export interface SignInput {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
  readonly region?: string
  readonly service?: string
  readonly date: Date
  readonly method?: string
  readonly host?: string
  readonly path?: string
  readonly query?: Record<string, string | string[]>
  readonly headers?: Record<string, string>
  readonly body?: string
  /** Let the signer add x-amz-content-sha256 (the JS SDK sends it for STS). */
  readonly contentSha256?: boolean
}

export const GET_CALLER_IDENTITY = 'Action=GetCallerIdentity&Version=2011-06-15'

function smithyRequest(input: SignInput): HttpRequest {
  const host = input.host ?? '127.0.0.1:18555'
  const [hostname, port] = host.split(':') as [string, string | undefined]
  const body = input.body ?? ''
  const headers: Record<string, string> = { host, ...input.headers }
  if (body !== '') headers['content-length'] = String(Buffer.byteLength(body))
  return new HttpRequest({
    protocol: 'http:',
    method: input.method ?? 'POST',
    hostname,
    port: port === undefined ? undefined : Number(port),
    path: input.path ?? '/',
    query: input.query ?? {},
    headers,
    body: body === '' ? undefined : body,
  })
}

function signer(input: SignInput): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey, sessionToken: input.sessionToken },
    region: input.region ?? 'us-west-2',
    service: input.service ?? 'sts',
    sha256: Sha256,
    applyChecksum: input.contentSha256 ?? false,
  })
}

/** What a Node server would hand the verifier for this request (`req.headersDistinct`). */
function received(signed: HttpRequest, body: string): SigV4Request {
  const headers: Record<string, string[]> = {}
  for (const [k, v] of Object.entries(signed.headers)) (headers[k.toLowerCase()] ??= []).push(v)
  return {
    method: signed.method,
    path: signed.path,
    query: buildQuery(signed.query as Record<string, string | string[] | null>),
    headers,
    body: Buffer.from(body, 'utf8'),
  }
}

/** Sign with an Authorization header, as the SDKs do for GetCallerIdentity. */
export async function signHeaderForm(input: SignInput): Promise<SigV4Request> {
  const signed = (await signer(input).sign(smithyRequest(input), { signingDate: input.date })) as HttpRequest
  return received(signed, input.body ?? '')
}

/** Presign into the query string, as `aws eks get-token` and generate_presigned_url do. */
export async function presign(input: SignInput & { expiresIn: number }): Promise<SigV4Request> {
  const signed = (await signer(input).presign(smithyRequest(input), {
    signingDate: input.date,
    expiresIn: input.expiresIn,
  })) as HttpRequest
  return received(signed, input.body ?? '')
}

/** Replace one header (lower-case name) in a received request. */
export function withHeader(request: SigV4Request, name: string, value: string | string[] | undefined): SigV4Request {
  return { ...request, headers: { ...request.headers, [name]: value } }
}

/**
 * A minimal independent signer (straight from the spec text), for shapes the SDK signer never
 * produces, such as a request dated by the `Date` header instead of X-Amz-Date.
 */
export function handSign(args: {
  method: string
  canonicalUri: string
  canonicalQuery: string
  headers: Record<string, string>
  signedHeaders: string[]
  body: string
  amzDate: string
  accessKeyId: string
  secretAccessKey: string
  region: string
  service: string
}): string {
  const hex = (s: string): string => createHash('sha256').update(s).digest('hex')
  const hmac = (k: Buffer | string, s: string): Buffer => createHmac('sha256', k).update(s).digest()
  const canonical = [
    args.method,
    args.canonicalUri,
    args.canonicalQuery,
    args.signedHeaders.map((h) => `${h}:${(args.headers[h] ?? '').trim()}\n`).join(''),
    args.signedHeaders.join(';'),
    hex(args.body),
  ].join('\n')
  const date = args.amzDate.slice(0, 8)
  const scope = `${date}/${args.region}/${args.service}/aws4_request`
  const sts = `AWS4-HMAC-SHA256\n${args.amzDate}\n${scope}\n${hex(canonical)}`
  const key = hmac(hmac(hmac(hmac(`AWS4${args.secretAccessKey}`, date), args.region), args.service), 'aws4_request')
  const signature = createHmac('sha256', key).update(sts).digest('hex')
  return `AWS4-HMAC-SHA256 Credential=${args.accessKeyId}/${scope}, SignedHeaders=${args.signedHeaders.join(';')}, Signature=${signature}`
}
