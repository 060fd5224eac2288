/**
 * RFC 4648 base32 (alphabet `A-Z2-7`, no padding), the alphabet of AWS access key ids and role ids.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** Encode bytes as unpadded base32; the last character carries zero bits when the length needs them. */
export function base32Encode(bytes: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(buffer >>> bits) & 31]
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31]
  return out
}

/**
 * Decode unpadded base32 into the whole bytes it carries (trailing partial bits are dropped, as
 * Python's `b32decode` does for the 16-character slice of a key). Undefined for any character outside
 * the alphabet; lower case is not accepted, because AWS identifiers are upper case.
 */
export function base32Decode(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8))
  let buffer = 0
  let bits = 0
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const v = ALPHABET.indexOf(text.charAt(i))
    if (v < 0) return undefined
    buffer = ((buffer << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[n++] = (buffer >>> bits) & 0xff
    }
  }
  return out
}
