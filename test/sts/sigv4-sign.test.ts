// The client-side SigV4 signer (src/aws/sigv4/sign.ts) that `irsa apply --endpoint` uses for the
// bindings endpoint: it must produce what the AWS SDK's own signer produces for the same request,
// and what the server's verifier accepts.
import { Sha256 } from '@aws-crypto/sha256-js'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it } from 'vitest'
import { signedHeaders } from '../../src/aws/sigv4/sign.js'
import type { SignInput } from '../../src/aws/sigv4/sign.js'
import { verifySigV4 } from '../../src/aws/sigv4/verify.js'
import type { SigV4Request } from '../../src/aws/sigv4/verify.js'

const NOW = new Date('2026-03-04T05:06:07.890Z')
const KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }

function input(over: Partial<SignInput> = {}): SignInput {
  return {
    method: 'PUT',
    url: new URL('http://127.0.0.1:7788/irsa/v1/bindings'),
    body: '{"bindings":[]}',
    contentType: 'application/json',
    ...KEY,
    region: 'us-east-1',
    service: 'irsa',
    ...over,
  }
}

async function sdkAuthorization(i: SignInput, headers: Record<string, string>): Promise<string | undefined> {
  const { authorization: _a, 'x-amz-date': _d, 'x-amz-security-token': _t, ...rest } = headers
  const signer = new SignatureV4({
    credentials: { accessKeyId: i.accessKeyId, secretAccessKey: i.secretAccessKey, ...(i.sessionToken === undefined ? {} : { sessionToken: i.sessionToken }) },
    region: i.region,
    service: i.service,
    sha256: Sha256,
  })
  const request = new HttpRequest({
    protocol: i.url.protocol,
    method: i.method,
    hostname: i.url.hostname,
    port: Number(i.url.port),
    path: i.url.pathname,
    query: Object.fromEntries(i.url.searchParams),
    headers: { host: i.url.host, ...rest },
    body: i.body,
  })
  const signed = (await signer.sign(request, { signingDate: NOW })) as HttpRequest
  return signed.headers.authorization
}

function received(i: SignInput, headers: Record<string, string>, body = i.body): SigV4Request {
  return {
    method: i.method,
    path: i.url.pathname,
    query: i.url.search.slice(1),
    headers: { host: i.url.host, ...headers },
    body: Buffer.from(body, 'utf8'),
  }
}

describe('SigV4 signer', () => {
  const cases: [string, Partial<SignInput>][] = [
    ['a PUT with a JSON body', {}],
    ['a GET with no body or content type', { method: 'GET', body: '', contentType: undefined }],
    ['a session credential', { sessionToken: 'FwoGZXIvYXdzEBEaDEXAMPLE' }],
    ['a query string and a path needing encoding', { method: 'GET', body: '', contentType: undefined, url: new URL('http://127.0.0.1:7788/a%20b/c?b=2&a=1%2F') }],
  ]

  it.each(cases)('signs %s exactly as the AWS SDK signer does', async (_name, over) => {
    const i = input(over)
    const headers = signedHeaders(i, NOW)
    expect(headers['x-amz-date']).toBe('20260304T050607Z')
    expect(headers.host).toBeUndefined()
    expect(headers.authorization).toBe(await sdkAuthorization(i, headers))
  })

  it.each(cases)('signs %s so that the verifier accepts it, and not once the body changes', async (_name, over) => {
    const i = input(over)
    const headers = signedHeaders(i, NOW)
    const opts = {
      now: NOW,
      expectedService: i.service,
      lookupCredentials: (id: string) => (id === KEY.accessKeyId ? { found: true as const, secretAccessKey: KEY.secretAccessKey, credential: id } : undefined),
    }
    const ok = await verifySigV4(received(i, headers), opts)
    expect(ok.ok).toBe(true)
    const tampered = await verifySigV4(received(i, headers, `${i.body} `), opts)
    expect(tampered).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' })
  })
})
