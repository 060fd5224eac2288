/**
 * The session tags a web identity token carries, AWS's `https://aws.amazon.com/tags` claim:
 * `{"principal_tags": {"k": ["v"]}, "transitive_tag_keys": ["k"]}` (a value may also be a bare
 * string). At most 50 tags, keys of 1–128 and values of up to 256 characters; every transitive key
 * must name a tag. A claim that breaks these rules makes the token invalid (InvalidIdentityToken).
 */
import { ExchangeRefusal } from '../core/exchange/exchange-refusal.js'

export const SESSION_TAGS_CLAIM = 'https://aws.amazon.com/tags'

export interface SessionTags {
  readonly tags: Readonly<Record<string, string>>
  readonly transitive: readonly string[]
}

/** The claim's tags; undefined when the token has none. Throws InvalidIdentityToken when malformed. */
export function readSessionTags(v: unknown): SessionTags | undefined {
  if (v === undefined) return undefined
  const bad = (why: string): never => {
    const message = `The session tags in the web identity token are invalid: ${why}`
    throw new ExchangeRefusal('InvalidIdentityToken', message, { reason: `token rejected (session-tags): ${message}` })
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad('the claim must be an object')
  const o = v as Record<string, unknown>
  // No prototype: a tag named `__proto__` or `constructor` is a tag like any other.
  const tags = Object.create(null) as Record<string, string>
  const principal = o.principal_tags ?? {}
  if (principal === null || typeof principal !== 'object' || Array.isArray(principal)) return bad('principal_tags must be an object')
  for (const [k, val] of Object.entries(principal)) {
    const s = Array.isArray(val) && val.length === 1 && typeof val[0] === 'string' ? val[0] : typeof val === 'string' ? val : bad(`tag ${k} must have one string value`)
    if (k.length < 1 || k.length > 128 || s.length > 256) bad(`tag ${k} is too long`)
    tags[k] = s
  }
  if (Object.keys(tags).length > 50) bad('at most 50 tags')
  const transitive = o.transitive_tag_keys ?? []
  if (!Array.isArray(transitive) || !transitive.every((t) => typeof t === 'string' && Object.hasOwn(tags, t))) bad('transitive_tag_keys must name principal tags')
  return { tags, transitive: transitive as string[] }
}
