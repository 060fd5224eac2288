/**
 * Client-side SigV4 (`AWS4-HMAC-SHA256`, Authorization-header form) for irsa's own JSON endpoints,
 * built from the same canonical-request pieces the verifier (verify.ts) uses, so what irsa signs is
 * exactly what irsa verifies. AWS APIs are called through the AWS SDK, which signs for itself.
 */
import { createHmac } from 'node:crypto'
import { formatAmzDate } from './amz-date.js'
import { canonicalPath, canonicalQueryString, canonicalRequest, parseRawQuery, sha256Hex, stringToSign } from './canonical-request.js'
import { deriveSigningKey } from './signing-key.js'

export interface SignInput {
  readonly method: string
  readonly url: URL
  readonly body: string
  readonly contentType?: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
  readonly region: string
  readonly service: string
}

/** A request to sign whose payload hash is already known (a hex SHA-256 or `UNSIGNED-PAYLOAD`). */
export interface SignPayloadInput {
  readonly method: string
  readonly url: URL
  readonly payloadHash: string
  /** Further headers to sign (lower-case names), e.g. `content-type`. */
  readonly headers?: Readonly<Record<string, string>>
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
  readonly region: string
  readonly service: string
  /** S3 signs the path as sent; other services normalise and encode it again. */
  readonly s3Path?: boolean
}

/**
 * The signed headers for a request, `host`, `x-amz-date`, `x-amz-content-sha256` and
 * `authorization` included (the gateway re-signs forwarded requests with this).
 */
export function signPayload(o: SignPayloadInput, now: Date): Record<string, string> {
  const amzDate = formatAmzDate(now.getTime())
  const day = amzDate.slice(0, 8)
  const headers: Record<string, string> = { ...o.headers, host: o.url.host, 'x-amz-content-sha256': o.payloadHash, 'x-amz-date': amzDate }
  if (o.sessionToken !== undefined) headers['x-amz-security-token'] = o.sessionToken
  const names = Object.keys(headers).sort()
  const canonical = canonicalRequest({
    method: o.method,
    canonicalUri: o.s3Path === true ? o.url.pathname : canonicalPath(o.url.pathname),
    canonicalQuery: canonicalQueryString(parseRawQuery(o.url.search.slice(1))),
    signedHeaders: names,
    headers,
    payloadHash: o.payloadHash,
  })
  const scope = `${day}/${o.region}/${o.service}/aws4_request`
  const signature = createHmac('sha256', deriveSigningKey(o.secretAccessKey, day, o.region, o.service)).update(stringToSign(amzDate, scope, canonical)).digest('hex')
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${o.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` }
}

/**
 * The headers to send with the request, `authorization` included. `host` is signed but not
 * returned: fetch sets it from the URL.
 */
export function signedHeaders(o: SignInput, now: Date): Record<string, string> {
  const { host: _host, ...rest } = signPayload(
    {
      method: o.method,
      url: o.url,
      payloadHash: sha256Hex(o.body),
      ...(o.contentType === undefined ? {} : { headers: { 'content-type': o.contentType } }),
      accessKeyId: o.accessKeyId,
      secretAccessKey: o.secretAccessKey,
      ...(o.sessionToken === undefined ? {} : { sessionToken: o.sessionToken }),
      region: o.region,
      service: o.service,
    },
    now,
  )
  return rest
}
