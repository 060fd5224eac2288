// The aws-chunked decoder against AWS's published examples (S3 API Reference, "Signature
// Calculations for the Authorization Header: Transferring Payload in Multiple Chunks" and "…
// Including Trailing Headers"): 66 560 bytes of 'a' in chunks of 64 KiB and 1 KiB, signed with the
// documentation's example key, and the same body with a trailing CRC32C.
import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { AwsChunkedDecoder, AwsChunkedError, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER } from '../../src/aws/sigv4/aws-chunked.js'
import { deriveSigningKey } from '../../src/aws/sigv4/signing-key.js'

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const DATE = '20130524T000000Z'
const SCOPE = '20130524/us-east-1/s3/aws4_request'
const KEY = deriveSigningKey(SECRET, '20130524', 'us-east-1', 's3')
const BODY = Buffer.alloc(66_560, 'a')
const PARTS = [BODY.subarray(0, 65_536), BODY.subarray(65_536)]

function signedBody(sigs: readonly string[], trailer?: string): Buffer {
  const pieces: Buffer[] = []
  PARTS.forEach((p, i) => pieces.push(Buffer.from(`${p.length.toString(16)};chunk-signature=${sigs[i]}\r\n`), p, Buffer.from('\r\n')))
  pieces.push(Buffer.from(`0;chunk-signature=${sigs[2]}\r\n`))
  if (trailer !== undefined) pieces.push(Buffer.from(trailer))
  pieces.push(Buffer.from('\r\n'))
  return Buffer.concat(pieces)
}

/** Feed `body` in pieces of `step` bytes; the decoded bytes, or the error. */
function decode(d: AwsChunkedDecoder, body: Buffer, step = 4093): Buffer | AwsChunkedError {
  const out: Buffer[] = []
  try {
    for (let i = 0; i < body.length; i += step) out.push(...d.push(body.subarray(i, i + step)))
    d.end()
    return Buffer.concat(out)
  } catch (e) {
    if (e instanceof AwsChunkedError) return e
    throw e
  }
}

describe('STREAMING-AWS4-HMAC-SHA256-PAYLOAD (AWS example)', () => {
  const seed = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9'
  const sigs = [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ]
  const decoder = () => new AwsChunkedDecoder({ payload: STREAMING_SIGNED, chain: { seedSignature: seed, amzDate: DATE, scope: SCOPE, signingKey: KEY }, decodedLength: BODY.length })

  it('decodes the example body, in any split', () => {
    for (const step of [1_000_000, 4093, 61]) expect(decode(decoder(), signedBody(sigs), step)).toEqual(BODY)
  })

  it('refuses a changed byte, a swapped signature, a dropped chunk and a truncated body', () => {
    const tampered = signedBody(sigs)
    tampered[200] = 0x62
    expect((decode(decoder(), tampered) as AwsChunkedError).code).toBe('SignatureDoesNotMatch')
    expect((decode(decoder(), signedBody([sigs[1] as string, sigs[0] as string, sigs[2] as string])) as AwsChunkedError).code).toBe('SignatureDoesNotMatch')
    const dropped = Buffer.concat([Buffer.from(`400;chunk-signature=${sigs[1]}\r\n`), PARTS[1] as Buffer, Buffer.from(`\r\n0;chunk-signature=${sigs[2]}\r\n\r\n`)])
    expect((decode(new AwsChunkedDecoder({ payload: STREAMING_SIGNED, chain: { seedSignature: seed, amzDate: DATE, scope: SCOPE, signingKey: KEY } }), dropped) as AwsChunkedError).code).toBe('SignatureDoesNotMatch')
    const whole = signedBody(sigs)
    expect((decode(decoder(), whole.subarray(0, whole.length - 90)) as AwsChunkedError).code).toBe('IncompleteBody')
  })

  it('emits no byte of a chunk before its signature is verified', () => {
    const d = decoder()
    const body = signedBody(sigs)
    // All of the first chunk but its closing CRLF: nothing may come out yet.
    const head = `10000;chunk-signature=${sigs[0]}\r\n`.length
    expect(d.push(body.subarray(0, head + 65_536))).toEqual([])
    expect(Buffer.concat(d.push(body.subarray(head + 65_536, head + 65_538))).length).toBe(65_536)
  })
})

describe('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER (AWS example)', () => {
  const seed = '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e'
  const sigs = [
    'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
    '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
    '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
  ]
  const trailerSig = 'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435'
  const decoder = () =>
    new AwsChunkedDecoder({ payload: STREAMING_SIGNED_TRAILER, chain: { seedSignature: seed, amzDate: DATE, scope: SCOPE, signingKey: KEY }, decodedLength: BODY.length, trailer: 'x-amz-checksum-crc32c' })

  it('decodes the example and verifies the trailer signature and the CRC32C', () => {
    expect(decode(decoder(), signedBody(sigs, `x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:${trailerSig}\r\n`))).toEqual(BODY)
  })

  it('refuses a changed trailing checksum (its signature no longer matches) and a missing trailer signature', () => {
    expect((decode(decoder(), signedBody(sigs, `x-amz-checksum-crc32c:AAAAAA==\r\nx-amz-trailer-signature:${trailerSig}\r\n`)) as AwsChunkedError).code).toBe('SignatureDoesNotMatch')
    expect((decode(decoder(), signedBody(sigs, 'x-amz-checksum-crc32c:sOO8/Q==\r\n')) as AwsChunkedError).code).toBe('SignatureDoesNotMatch')
  })
})

describe('STREAMING-UNSIGNED-PAYLOAD-TRAILER', () => {
  const crc = (b: Buffer) => {
    const x = Buffer.alloc(4)
    x.writeUInt32BE(crc32(b))
    return x.toString('base64')
  }
  const body = (parts: readonly Buffer[], checksum: string) =>
    Buffer.concat([...parts.flatMap((p) => [Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]), Buffer.from(`0\r\nx-amz-checksum-crc32:${checksum}\r\n\r\n`)])
  const decoder = () => new AwsChunkedDecoder({ payload: STREAMING_UNSIGNED_TRAILER, decodedLength: BODY.length, trailer: 'x-amz-checksum-crc32' })

  it('passes data through as it arrives and checks the CRC32 at the end', () => {
    expect(decode(decoder(), body(PARTS, crc(BODY)), 333)).toEqual(BODY)
    const d = decoder()
    expect(Buffer.concat(d.push(Buffer.from('10000\r\naaaa'))).toString()).toBe('aaaa')
  })

  it('refuses a body whose data does not match its checksum', () => {
    const other = Buffer.from(BODY)
    other[5] = 0x62
    expect((decode(decoder(), body([other.subarray(0, 65_536), other.subarray(65_536)], crc(BODY))) as AwsChunkedError).code).toBe('BadDigest')
  })

  it('refuses a chunk signature where none belongs, and bad framing', () => {
    expect((decode(decoder(), Buffer.from('10;chunk-signature=00\r\n')) as AwsChunkedError).code).toBe('InvalidRequest')
    expect((decode(decoder(), Buffer.from('zz\r\n')) as AwsChunkedError).code).toBe('InvalidRequest')
  })
})
