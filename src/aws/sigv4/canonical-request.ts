/**
 * The pieces of a SigV4 canonical request, computed from the request exactly as it was received.
 *
 * Query strings and paths are handled as bytes: a raw query is percent-decoded (`+` meaning a space,
 * as `application/x-www-form-urlencoded` and URLSearchParams read it) and re-encoded per RFC 3986 with
 * only `A-Za-z0-9-._~` left bare. Decoding never fails: a `%` not followed by two hex digits stays a
 * literal `%` (and is then encoded as `%25`), and bytes that are not UTF-8 are encoded as they are.
 */
import { createHash } from 'node:crypto'

const HEX = Array.from({ length: 256 }, (_, b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e
  )
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30
  if (b >= 0x41 && b <= 0x46) return b - 0x37
  if (b >= 0x61 && b <= 0x66) return b - 0x57
  return -1
}

/** RFC 3986 percent-encoding of bytes: unreserved characters bare, everything else `%XX` upper case. */
export function percentEncodeBytes(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += isUnreserved(b) ? String.fromCharCode(b) : HEX[b]
  return out
}

/** RFC 3986 percent-encoding of a string's UTF-8 bytes (AWS's `UriEncode`, with `/` encoded too). */
export function uriEncode(value: string): string {
  return percentEncodeBytes(Buffer.from(value, 'utf8'))
}

/** Percent-decode a raw query component into bytes; with `plusIsSpace`, `+` is a space. */
export function percentDecode(raw: string, plusIsSpace: boolean): Uint8Array {
  const src = Buffer.from(raw, 'utf8')
  const out = new Uint8Array(src.length)
  let n = 0
  for (let i = 0; i < src.length; i++) {
    const b = src[i] as number
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1] as number)
      const lo = hexValue(src[i + 2] as number)
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo
        i += 2
        continue
      }
    }
    out[n++] = plusIsSpace && b === 0x2b ? 0x20 : b
  }
  return out.subarray(0, n)
}

/** One query parameter: its decoded name and value, and their canonical (re-encoded) forms. */
export interface QueryParam {
  readonly name: string
  readonly value: string
  readonly encodedName: string
  readonly encodedValue: string
}

/**
 * Split a raw query string (no leading `?`) into parameters, in order. Empty segments (`a=1&&b=2`) are
 * skipped; a segment with no `=` is a name with an empty value.
 */
export function parseRawQuery(rawQuery: string): QueryParam[] {
  const out: QueryParam[] = []
  if (rawQuery === '') return out
  for (const part of rawQuery.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const nameBytes = percentDecode(eq < 0 ? part : part.slice(0, eq), true)
    const valueBytes = percentDecode(eq < 0 ? '' : part.slice(eq + 1), true)
    out.push({
      name: Buffer.from(nameBytes).toString('utf8'),
      value: Buffer.from(valueBytes).toString('utf8'),
      encodedName: percentEncodeBytes(nameBytes),
      encodedValue: percentEncodeBytes(valueBytes),
    })
  }
  return out
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The canonical query string: every parameter except `X-Amz-Signature` (any case, as the SDK signers
 * skip it), sorted by encoded name then encoded value, as `name=value` joined by `&`.
 */
export function canonicalQueryString(params: readonly QueryParam[]): string {
  return params
    .filter((p) => p.encodedName.toLowerCase() !== 'x-amz-signature')
    .map((p) => [p.encodedName, p.encodedValue] as const)
    .sort((a, b) => compareCodeUnits(a[0], b[0]) || compareCodeUnits(a[1], b[1]))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}

/**
 * The canonical URI of a raw request path, as the SDKs compute it for every service but S3: remove
 * empty, `.` and `..` segments, then URI-encode each segment of the path as received. A path that
 * arrived percent-encoded is therefore encoded a second time, which is what the signers do.
 */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = []
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  const lead = rawPath.startsWith('/') || rawPath === '' ? '/' : ''
  const trail = segments.length > 0 && rawPath.endsWith('/') ? '/' : ''
  return `${lead}${segments.map(uriEncode).join('/')}${trail}`
}

/** A header value as signed: trimmed, runs of whitespace collapsed to one space; several values joined by `,`. */
export function canonicalHeaderValue(value: string | readonly string[] | undefined): string {
  if (value === undefined) return ''
  const values = typeof value === 'string' ? [value] : value
  return values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',')
}

export interface CanonicalRequestParts {
  readonly method: string
  readonly canonicalUri: string
  readonly canonicalQuery: string
  /** Signed header names in the order and case the client listed them. */
  readonly signedHeaders: readonly string[]
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>
  readonly payloadHash: string
}

/** The canonical request text (each header line ends in `\n`, then the blank separator line). */
export function canonicalRequest(parts: CanonicalRequestParts): string {
  let headerBlock = ''
  for (const name of parts.signedHeaders) {
    headerBlock += `${name}:${canonicalHeaderValue(parts.headers[name.toLowerCase()])}\n`
  }
  return [
    parts.method,
    parts.canonicalUri,
    parts.canonicalQuery,
    headerBlock,
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n')
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** `AWS4-HMAC-SHA256\n<amzDate>\n<scope>\n<hex sha256(canonical request)>`. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`
}
