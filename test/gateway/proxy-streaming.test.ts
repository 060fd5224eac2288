// Upload bodies through the gateway, signed the SigV4 streaming way by hand: a body whose chunk
// signature or payload hash does not verify is refused, and the backend never stores the object
// (the gateway holds back the end of the body until it has verified, then cuts the upstream
// request). Well-signed chunked uploads are stored.
import { createHmac } from 'node:crypto'
import { request } from 'node:http'
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/aws/sigv4/canonical-request.js'
import { signPayload } from '../../src/aws/sigv4/sign.js'
import { deriveSigningKey } from '../../src/aws/sigv4/signing-key.js'
import { ADMIN, READ_PAYMENTS, REGION, startGateway } from './proxy-harness.js'
import type { GatewayFixture } from './proxy-harness.js'
import { CreateBucketCommand } from '@aws-sdk/client-s3'

let gw: GatewayFixture

beforeAll(async () => {
  gw = await startGateway('irsa-gw-stream-')
  await gw.setPolicy([READ_PAYMENTS, { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::payments/uploads/*' }])
  const admin = gw.server.track(new S3Client({ endpoint: gw.url, region: REGION, credentials: ADMIN, forcePathStyle: true, maxAttempts: 1 }))
  await admin.send(new CreateBucketCommand({ Bucket: 'payments' }))
}, 60_000)
afterAll(async () => gw?.close())

function send(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, gw.url)
    const req = request(url, { method: 'PUT', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload of `parts`, signed with the session; `tamper` alters the wire body. */
function chunkedUpload(key: string, parts: readonly Buffer[]): { headers: Record<string, string>; body: Buffer } {
  const url = new URL(`/payments/${key}`, gw.url)
  const decoded = parts.reduce((n, p) => n + p.length, 0)
  const now = new Date()
  const signed = signPayload(
    {
      method: 'PUT',
      url,
      payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(decoded) },
      accessKeyId: gw.session.accessKeyId,
      secretAccessKey: gw.session.secretAccessKey,
      sessionToken: gw.session.sessionToken as string,
      region: REGION,
      service: 's3',
      s3Path: true,
    },
    now,
  )
  const seed = /Signature=([0-9a-f]{64})/.exec(signed.authorization as string)?.[1] as string
  const amzDate = signed['x-amz-date'] as string
  const scope = `${amzDate.slice(0, 8)}/${REGION}/s3/aws4_request`
  const key256 = deriveSigningKey(gw.session.secretAccessKey, amzDate.slice(0, 8), REGION, 's3')
  let previous = seed
  const pieces: Buffer[] = []
  for (const p of [...parts, Buffer.alloc(0)]) {
    const sig = createHmac('sha256', key256).update(`AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previous}\n${sha256Hex('')}\n${sha256Hex(p)}`).digest('hex')
    previous = sig
    pieces.push(Buffer.from(`${p.length.toString(16)};chunk-signature=${sig}\r\n`), p, Buffer.from('\r\n'))
  }
  const { host: _host, ...headers } = signed
  return { headers, body: Buffer.concat(pieces) }
}

async function exists(key: string): Promise<boolean> {
  const direct = gw.server.track(new S3Client({ endpoint: gw.backend.url, region: REGION, credentials: ADMIN, forcePathStyle: true, maxAttempts: 1 }))
  return direct.send(new HeadObjectCommand({ Bucket: 'payments', Key: key })).then(
    () => true,
    () => false,
  )
}

describe('STREAMING-AWS4-HMAC-SHA256-PAYLOAD through the gateway', () => {
  const parts = [Buffer.alloc(70_000, 'a'), Buffer.alloc(70_000, 'b'), Buffer.alloc(1000, 'c')]

  it('stores a well-signed chunked upload, decoded', async () => {
    const u = chunkedUpload('uploads/good.bin', parts)
    const r = await send('/payments/uploads/good.bin', u.headers, u.body)
    expect(r.status).toBe(200)
    const direct = gw.server.track(new S3Client({ endpoint: gw.backend.url, region: REGION, credentials: ADMIN, forcePathStyle: true, maxAttempts: 1 }))
    const got = await direct.send(new GetObjectCommand({ Bucket: 'payments', Key: 'uploads/good.bin' }))
    expect(Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).equals(Buffer.concat(parts))).toBe(true)
  })

  it('refuses a tampered chunk (the last one) with SignatureDoesNotMatch; the backend never completes the upload', async () => {
    const u = chunkedUpload('uploads/tampered.bin', parts)
    u.body[u.body.length - 200] = 0x7a // inside the third data chunk
    const seen = gw.backend.seen.length
    const r = await send('/payments/uploads/tampered.bin', u.headers, u.body)
    expect(r.status).toBe(403)
    expect(r.body).toContain('<Code>SignatureDoesNotMatch</Code>')
    expect(await exists('uploads/tampered.bin')).toBe(false)
    expect(gw.backend.seen.slice(seen).filter((s) => s.startsWith('PUT ') && s.includes('tampered'))).toEqual([])
  })

  it('refuses a tampered first chunk before anything is forwarded', async () => {
    const u = chunkedUpload('uploads/tampered-first.bin', parts)
    u.body[200] = 0x7a
    const r = await send('/payments/uploads/tampered-first.bin', u.headers, u.body)
    expect(r.body).toContain('<Code>SignatureDoesNotMatch</Code>')
    expect(await exists('uploads/tampered-first.bin')).toBe(false)
  })
})

describe('a signed payload hash through the gateway', () => {
  function hashed(key: string, declaredBody: Buffer) {
    const signed = signPayload(
      { method: 'PUT', url: new URL(`/payments/${key}`, gw.url), payloadHash: sha256Hex(declaredBody), accessKeyId: gw.session.accessKeyId, secretAccessKey: gw.session.secretAccessKey, sessionToken: gw.session.sessionToken as string, region: REGION, service: 's3', s3Path: true },
      new Date(),
    )
    const { host: _h, ...headers } = signed
    return headers
  }

  it('stores a body that matches its signed hash', async () => {
    const body = Buffer.alloc(200_000, 'q')
    const r = await send('/payments/uploads/hashed.bin', hashed('uploads/hashed.bin', body), body)
    expect(r.status).toBe(200)
    expect(await exists('uploads/hashed.bin')).toBe(true)
  })

  it('refuses a body that differs from its signed hash (XAmzContentSHA256Mismatch); nothing is stored', async () => {
    const body = Buffer.alloc(200_000, 'q')
    const other = Buffer.from(body)
    other[199_999] = 0x72
    const r = await send('/payments/uploads/swapped.bin', hashed('uploads/swapped.bin', body), other)
    expect(r.status).toBe(400)
    expect(r.body).toContain('<Code>XAmzContentSHA256Mismatch</Code>')
    expect(await exists('uploads/swapped.bin')).toBe(false)
    expect(gw.backend.seen.filter((s) => s.startsWith('PUT ') && s.includes('swapped'))).toEqual([])
  })
})
