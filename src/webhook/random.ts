/** The webhook's randomness (expiration jitter, guardrail probe names) from any byte source. */
import type { WebhookRandom } from './plugin.js'

export function webhookRandom(bytes: (n: number) => Uint8Array): WebhookRandom {
  return {
    randomInt(min, max) {
      const span = max - min + 1
      const b = bytes(4)
      const v = ((b[0] ?? 0) * 2 ** 24 + (b[1] ?? 0) * 2 ** 16 + (b[2] ?? 0) * 2 ** 8 + (b[3] ?? 0)) / 2 ** 32
      return min + Math.floor(v * span)
    },
    token() {
      return Buffer.from(bytes(5)).toString('hex')
    },
  }
}
