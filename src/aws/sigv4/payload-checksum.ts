/**
 * The flexible checksums S3 accepts for a payload (`x-amz-checksum-<algorithm>`, base64 of the
 * big-endian digest), computed incrementally so a streamed body can be checked at its end: the
 * trailing checksum of `STREAMING-…-TRAILER` uploads. CRC64/NVME is not computed here: a body that
 * names it is passed on unchecked (the trailer is still signed when the payload is).
 */
import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'

export interface PayloadChecksum {
  update(data: Uint8Array): void
  /** The digest, base64 as the header carries it. */
  digest(): string
}

function u32(n: number): string {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0)
  return b.toString('base64')
}

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78). */
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    t[i] = c >>> 0
  }
  return t
})()

function crc32c(): PayloadChecksum {
  let c = 0xffffffff
  return {
    update(data) {
      for (let i = 0; i < data.length; i++) c = (CRC32C_TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8)
    },
    digest: () => u32(c ^ 0xffffffff),
  }
}

/** The checksum named by a `x-amz-checksum-<algorithm>` header, or undefined when it is not computed here. */
export function payloadChecksum(header: string): PayloadChecksum | undefined {
  switch (header.toLowerCase()) {
    case 'x-amz-checksum-crc32': {
      let c = 0
      return { update: (d) => void (c = crc32(d, c)), digest: () => u32(c) }
    }
    case 'x-amz-checksum-crc32c':
      return crc32c()
    case 'x-amz-checksum-sha1':
    case 'x-amz-checksum-sha256': {
      const h = createHash(header.toLowerCase().endsWith('sha1') ? 'sha1' : 'sha256')
      return { update: (d) => void h.update(d), digest: () => h.digest('base64') }
    }
    default:
      return undefined
  }
}
