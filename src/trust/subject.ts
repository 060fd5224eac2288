/** Kubernetes service-account subjects (`sub` claims) as the trust analysis reads them. */

export const SA_PREFIX = 'system:serviceaccount:'

/** A service account, with the audience its tokens carry when it is not the issuer's default. */
export interface Subject {
  readonly namespace: string
  readonly name: string
  readonly audience?: string
}

export function saSubject(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`
}

/** `system:serviceaccount:ns:name` → {ns, name}, splitting at the first `:` after the prefix. */
export function splitSub(sub: string): { ns: string; name: string } | undefined {
  if (!sub.startsWith(SA_PREFIX)) return undefined
  const rest = sub.slice(SA_PREFIX.length)
  const i = rest.indexOf(':')
  if (i < 0) return { ns: rest, name: '' }
  return { ns: rest.slice(0, i), name: rest.slice(i + 1) }
}

/** Whether a StringLike value has a wildcard (`*` or `?`). */
export function hasWild(s: string): boolean {
  return s.includes('*') || s.includes('?')
}
