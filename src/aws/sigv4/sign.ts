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

/**
 * The headers to send with the request, `authorization` included. `host` is signed but not
 * returned: fetch sets it from the URL.
 */
export function signedHeaders(o: SignInput, now: Date): Record<string, string> {
  const amzDate = formatAmzDate(now.getTime())
  const day = amzDate.slice(0, 8)
  const payloadHash = sha256Hex(o.body)
  const headers: Record<string, string> = { host: o.url.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate }
  if (o.contentType !== undefined) headers['content-type'] = o.contentType
  if (o.sessionToken !== undefined) headers['x-amz-security-token'] = o.sessionToken
  const names = Object.keys(headers).sort()
  const canonical = canonicalRequest({
    method: o.method,
    canonicalUri: canonicalPath(o.url.pathname),
    canonicalQuery: canonicalQueryString(parseRawQuery(o.url.search.slice(1))),
    signedHeaders: names,
    headers,
    payloadHash,
  })
  const scope = `${day}/${o.region}/${o.service}/aws4_request`
  const signature = createHmac('sha256', deriveSigningKey(o.secretAccessKey, day, o.region, o.service)).update(stringToSign(amzDate, scope, canonical)).digest('hex')
  const { host: _host, ...rest } = headers
  return { ...rest, authorization: `AWS4-HMAC-SHA256 Credential=${o.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` }
}
