/**
 * A small bounded memo for pure parses of strings that repeat across requests (principal and
 * resource ARNs). It forgets everything when full: simple, bounded, and the hot set refills at once.
 */
export function memoize<K, V>(fn: (key: K) => V, limit = 4096): (key: K) => V {
  const cache = new Map<K, V>()
  return (key) => {
    let v = cache.get(key)
    if (v === undefined && !cache.has(key)) {
      v = fn(key)
      if (cache.size >= limit) cache.clear()
      cache.set(key, v)
    }
    return v as V
  }
}
