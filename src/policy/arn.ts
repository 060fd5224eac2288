/**
 * ARNs: `arn:partition:service:region:account:resource`. The first five colons separate the
 * segments; the resource segment is the rest and may itself contain `:` and `/`.
 */

export interface Arn {
  readonly partition: string
  readonly service: string
  readonly region: string
  readonly account: string
  readonly resource: string
}

/** The six colon-separated segments of ARN-shaped text (split at the first five colons). */
export function arnSegments(text: string): string[] | undefined {
  const seg: string[] = []
  let from = 0
  for (let i = 0; i < 5; i++) {
    const at = text.indexOf(':', from)
    if (at < 0) return undefined
    seg.push(text.slice(from, at))
    from = at + 1
  }
  seg.push(text.slice(from))
  return seg
}

/** Split an ARN into its six segments; undefined when the text is not ARN-shaped. */
export function parseArn(text: string): Arn | undefined {
  const seg = arnSegments(text)
  if (seg === undefined || seg[0] !== 'arn') return undefined
  return {
    partition: seg[1] as string,
    service: seg[2] as string,
    region: seg[3] as string,
    account: seg[4] as string,
    resource: seg[5] as string,
  }
}

/** The 12-digit account an ARN names, if any. */
export function arnAccount(text: string): string | undefined {
  const a = parseArn(text)
  return a !== undefined && /^\d{12}$/.test(a.account) ? a.account : undefined
}

/**
 * Split into six segments at the first five colons of the raw text, keeping `${…}` references
 * whole (a variable's key such as `aws:username` contains a colon). Fewer than six segments: undefined.
 */
export function splitArnPattern(text: string): string[] | undefined {
  const out: string[] = []
  let start = 0
  let i = 0
  while (i < text.length && out.length < 5) {
    if (text.startsWith('${', i)) {
      const close = text.indexOf('}', i + 2)
      if (close >= 0) {
        i = close + 1
        continue
      }
    }
    if (text[i] === ':') {
      out.push(text.slice(start, i))
      start = i + 1
    }
    i++
  }
  if (out.length < 5) return undefined
  out.push(text.slice(start))
  return out
}
