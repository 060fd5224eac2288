/**
 * The `aws-chunked` payload forms of SigV4 uploads, decoded and verified incrementally as the bytes
 * arrive (S3 API Reference, "Signature Calculations for the Authorization Header: Transferring
 * Payload in Multiple Chunks" and "… Including Trailing Headers"):
 *
 * - `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: `<hex size>;chunk-signature=<sig>\r\n<data>\r\n` …, ending
 *   with a zero-size chunk. Each signature is HMAC(signing key, "AWS4-HMAC-SHA256-PAYLOAD\n" + date +
 *   "\n" + scope + "\n" + previous signature + "\n" + SHA256("") + "\n" + SHA256(data)), chained from
 *   the request's own (seed) signature, so chunks cannot be altered, dropped, reordered or added.
 * - `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: the same, then trailing headers
 *   (`x-amz-checksum-crc32:…`) and `x-amz-trailer-signature:<sig>` over them, chained from the last
 *   chunk's signature ("AWS4-HMAC-SHA256-TRAILER\n" + date + "\n" + scope + "\n" + previous + "\n" +
 *   SHA256 of the trailing headers as `name:value\n`).
 * - `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: `<hex size>\r\n<data>\r\n` … `0\r\n` + trailing headers;
 *   nothing is signed, the trailing checksum is checked against the data.
 *
 * A signed chunk is held until it is complete and its signature verified, so only verified bytes
 * come out (each chunk is bounded by `maxChunkBytes`); unsigned data comes out as it arrives. The
 * caller must not let the request take effect until `end()` has returned: that is when the last
 * signature, the trailing checksum and the declared decoded length have been checked.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { sha256Hex } from './canonical-request.js'
import { payloadChecksum } from './payload-checksum.js'
import type { PayloadChecksum } from './payload-checksum.js'

export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'

/** The `x-amz-content-sha256` values that announce an aws-chunked body. */
export function isStreamingPayload(declared: string): boolean {
  return declared === STREAMING_SIGNED || declared === STREAMING_SIGNED_TRAILER || declared === STREAMING_UNSIGNED_TRAILER
}

/** Why a chunked body was refused, as S3 names it. */
export type AwsChunkedErrorCode = 'SignatureDoesNotMatch' | 'BadDigest' | 'IncompleteBody' | 'InvalidRequest' | 'EntityTooLarge'

export class AwsChunkedError extends Error {
  readonly code: AwsChunkedErrorCode
  constructor(code: AwsChunkedErrorCode, message: string) {
    super(message)
    this.name = 'AwsChunkedError'
    this.code = code
  }
}

/** What chunk signatures chain from: the request's verified signature, timestamp, scope and signing key. */
export interface ChunkChain {
  readonly seedSignature: string
  readonly amzDate: string
  readonly scope: string
  readonly signingKey: Buffer
}

export interface AwsChunkedOptions {
  /** The request's `x-amz-content-sha256`: one of the three streaming forms. */
  readonly payload: string
  /** Required for the signed forms. */
  readonly chain?: ChunkChain
  /** `x-amz-decoded-content-length`, when sent: the decoded size must equal it. */
  readonly decodedLength?: number
  /** `x-amz-trailer`: the trailing header the client announced (its checksum is verified when known). */
  readonly trailer?: string
  /** The largest signed chunk held for verification; 16 MiB by default. */
  readonly maxChunkBytes?: number
}

const EMPTY_SHA256 = sha256Hex('')
const MAX_LINE = 4096
const MAX_TRAILERS = 16 * 1024

type State = 'size' | 'data' | 'data-crlf' | 'trailer' | 'done'

export class AwsChunkedDecoder {
  private readonly signed: boolean
  private readonly withTrailer: boolean
  private readonly chain: ChunkChain | undefined
  private readonly maxChunk: number
  private readonly decodedLength: number | undefined
  private readonly announced: string | undefined
  private readonly checksum: PayloadChecksum | undefined
  private state: State = 'size'
  private line = ''
  private previous: string
  private remaining = 0
  private signature = ''
  private parts: Buffer[] = []
  private crlf = ''
  private trailerBytes = 0
  private readonly trailers: [string, string][] = []
  private trailerSignature: string | undefined
  private total = 0

  constructor(o: AwsChunkedOptions) {
    if (!isStreamingPayload(o.payload)) throw new TypeError(`${o.payload} is not an aws-chunked payload`)
    this.signed = o.payload !== STREAMING_UNSIGNED_TRAILER
    this.withTrailer = o.payload !== STREAMING_SIGNED
    if (this.signed && o.chain === undefined) throw new TypeError('a signed chunked payload needs the signature chain')
    this.chain = o.chain
    this.previous = o.chain?.seedSignature ?? ''
    this.maxChunk = o.maxChunkBytes ?? 16 * 1024 * 1024
    this.decodedLength = o.decodedLength
    this.announced = o.trailer?.trim().toLowerCase()
    this.checksum = this.announced === undefined ? undefined : payloadChecksum(this.announced)
  }

  /** Decoded bytes received so far. */
  get decodedBytes(): number {
    return this.total
  }

  /** Feed received bytes; returns the verified payload bytes they complete. Throws AwsChunkedError. */
  push(input: Uint8Array): Buffer[] {
    const out: Buffer[] = []
    const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
    let i = 0
    while (i < buf.length) {
      switch (this.state) {
        case 'size': {
          const nl = buf.indexOf(0x0a, i)
          const end = nl < 0 ? buf.length : nl + 1
          this.line += buf.toString('latin1', i, end)
          i = end
          if (this.line.length > MAX_LINE) throw new AwsChunkedError('InvalidRequest', 'A chunk header is too long')
          if (nl >= 0) this.chunkHeader()
          break
        }
        case 'data': {
          const take = Math.min(this.remaining, buf.length - i)
          const piece = buf.subarray(i, i + take)
          i += take
          this.remaining -= take
          if (this.signed) this.parts.push(Buffer.from(piece))
          else this.emit(Buffer.from(piece), out)
          if (this.remaining === 0) this.state = 'data-crlf'
          break
        }
        case 'data-crlf': {
          this.crlf += buf.toString('latin1', i, i + 1)
          i += 1
          if (this.crlf.length === 2) {
            if (this.crlf !== '\r\n') throw new AwsChunkedError('InvalidRequest', 'A chunk is not followed by CRLF')
            this.crlf = ''
            if (this.signed) {
              const data = Buffer.concat(this.parts)
              this.parts = []
              this.verifyChunk(data)
              this.emit(data, out)
            }
            this.state = 'size'
          }
          break
        }
        case 'trailer': {
          const nl = buf.indexOf(0x0a, i)
          const end = nl < 0 ? buf.length : nl + 1
          this.line += buf.toString('latin1', i, end)
          this.trailerBytes += end - i
          i = end
          if (this.trailerBytes > MAX_TRAILERS) throw new AwsChunkedError('InvalidRequest', 'The trailing headers are too long')
          if (nl >= 0) this.trailerLine()
          break
        }
        case 'done':
          throw new AwsChunkedError('InvalidRequest', 'Data after the end of the chunked payload')
      }
    }
    return out
  }

  /**
   * The body ended: check that the payload was complete, the trailer signed and its checksum right.
   * Returns the trailing headers (names in lower case).
   */
  end(): Readonly<Record<string, string>> {
    if (this.state !== 'done') throw new AwsChunkedError('IncompleteBody', 'The request body ended before the final chunk')
    if (this.decodedLength !== undefined && this.total !== this.decodedLength) {
      throw new AwsChunkedError('IncompleteBody', 'You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header')
    }
    return Object.fromEntries(this.trailers)
  }

  private emit(data: Buffer, out: Buffer[]): void {
    if (data.length === 0) return
    this.total += data.length
    if (this.decodedLength !== undefined && this.total > this.decodedLength) {
      throw new AwsChunkedError('IncompleteBody', 'The payload is longer than its x-amz-decoded-content-length')
    }
    this.checksum?.update(data)
    out.push(data)
  }

  private chunkHeader(): void {
    const line = this.line.endsWith('\r\n') ? this.line.slice(0, -2) : undefined
    this.line = ''
    if (line === undefined) throw new AwsChunkedError('InvalidRequest', 'A chunk header does not end with CRLF')
    const semi = line.indexOf(';')
    const hex = semi < 0 ? line : line.slice(0, semi)
    if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) throw new AwsChunkedError('InvalidRequest', 'A chunk size is not hexadecimal')
    const size = parseInt(hex, 16)
    if (this.signed) {
      const ext = semi < 0 ? '' : line.slice(semi + 1)
      const m = /^chunk-signature=([0-9a-f]{64})$/.exec(ext)
      if (m === null) throw new AwsChunkedError('SignatureDoesNotMatch', 'A chunk carries no chunk-signature')
      this.signature = m[1] as string
      if (size > this.maxChunk) throw new AwsChunkedError('EntityTooLarge', `A signed chunk is larger than ${this.maxChunk} bytes`)
    } else if (semi >= 0) {
      throw new AwsChunkedError('InvalidRequest', 'An unsigned chunk carries a chunk extension')
    }
    if (size > 0) {
      this.remaining = size
      this.state = 'data'
      return
    }
    if (this.signed) this.verifyChunk(Buffer.alloc(0))
    this.state = 'trailer'
  }

  private trailerLine(): void {
    const line = this.line.endsWith('\r\n') ? this.line.slice(0, -2) : undefined
    this.line = ''
    if (line === undefined) throw new AwsChunkedError('InvalidRequest', 'A trailing header does not end with CRLF')
    if (line === '') return this.finish()
    const colon = line.indexOf(':')
    if (colon <= 0) throw new AwsChunkedError('InvalidRequest', 'A trailing header is not name:value')
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (!this.withTrailer) throw new AwsChunkedError('InvalidRequest', 'Trailing headers in a payload that announced none')
    if (name === 'x-amz-trailer-signature') {
      if (!this.signed || this.trailerSignature !== undefined) throw new AwsChunkedError('InvalidRequest', 'An unexpected x-amz-trailer-signature')
      this.trailerSignature = value
      return
    }
    if (this.trailerSignature !== undefined) throw new AwsChunkedError('InvalidRequest', 'A trailing header after the trailer signature')
    if (this.trailers.some(([n]) => n === name)) throw new AwsChunkedError('InvalidRequest', `The trailing header ${name} is repeated`)
    this.trailers.push([name, value])
  }

  private finish(): void {
    if (this.signed && this.withTrailer) {
      if (this.trailerSignature === undefined) throw new AwsChunkedError('SignatureDoesNotMatch', 'The trailing headers carry no x-amz-trailer-signature')
      const canonical = this.trailers.map(([n, v]) => `${n}:${v}\n`).join('')
      this.verify('AWS4-HMAC-SHA256-TRAILER', sha256Hex(canonical), this.trailerSignature)
    }
    if (this.announced !== undefined) {
      const sent = this.trailers.find(([n]) => n === this.announced)?.[1]
      if (sent === undefined) throw new AwsChunkedError('IncompleteBody', `The announced trailing header ${this.announced} was not sent`)
      if (this.checksum !== undefined && this.checksum.digest() !== sent) {
        throw new AwsChunkedError('BadDigest', `The ${this.announced.slice('x-amz-checksum-'.length).toUpperCase()} you specified did not match the calculated checksum.`)
      }
    }
    this.state = 'done'
  }

  private verifyChunk(data: Buffer): void {
    this.verify('AWS4-HMAC-SHA256-PAYLOAD', `${EMPTY_SHA256}\n${sha256Hex(data)}`, this.signature)
  }

  private verify(algorithm: string, tail: string, provided: string): void {
    const c = this.chain as ChunkChain
    const expected = createHmac('sha256', c.signingKey).update(`${algorithm}\n${c.amzDate}\n${c.scope}\n${this.previous}\n${tail}`, 'utf8').digest()
    const given = /^[0-9a-f]{64}$/.test(provided) ? Buffer.from(provided, 'hex') : undefined
    if (given === undefined || !timingSafeEqual(expected, given)) {
      throw new AwsChunkedError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.')
    }
    this.previous = provided
  }
}
