/**
 * Constant-time equality for secrets and bearer tokens. Both sides are hashed with SHA-256 first, so
 * the comparison always runs over 32 bytes and neither the content nor the length of the expected
 * secret leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}

export function safeEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected))
}
