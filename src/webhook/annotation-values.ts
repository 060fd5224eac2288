/**
 * Annotation values parsed exactly as the upstream Go webhook parses them: `strconv.ParseBool`,
 * `strconv.ParseInt(s, 10, 64)` and one `encoding/csv` record with default settings. Matching Go
 * here is what makes an annotation that works upstream work the same way here.
 */

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False'])

/** Go `strconv.ParseBool`; undefined for anything else (including ""). */
export function parseGoBool(s: string): boolean | undefined {
  if (TRUE.has(s)) return true
  if (FALSE.has(s)) return false
  return undefined
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** Go `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits, int64 range; else undefined. */
export function parseGoInt64(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined
  const v = BigInt(s)
  if (v < INT64_MIN || v > INT64_MAX) return undefined
  return Number(v)
}

/**
 * The first record of a CSV text as Go's `encoding/csv` reads it with default settings: comma
 * separator, RFC 4180 quotes, no trimming, empty lines skipped. Undefined on any parse error and on
 * EOF (empty input), which upstream treats as "nothing skipped".
 */
export function parseGoCsvRecord(text: string): string[] | undefined {
  let i = 0
  const n = text.length
  // Skip empty lines ("\n" or "\r\n").
  for (;;) {
    if (text[i] === '\n') i += 1
    else if (text[i] === '\r' && text[i + 1] === '\n') i += 2
    else break
  }
  if (i >= n) return undefined
  const fields: string[] = []
  const atLineEnd = (j: number): boolean => j >= n || text[j] === '\n' || (text[j] === '\r' && (j + 1 >= n || text[j + 1] === '\n'))
  for (;;) {
    if (text[i] === '"') {
      // Quoted field: may span lines; "" is a literal quote.
      let value = ''
      let j = i + 1
      for (;;) {
        const q = text.indexOf('"', j)
        if (q < 0) return undefined // unterminated quoted field
        value += text.slice(j, q)
        if (text[q + 1] === '"') {
          value += '"'
          j = q + 2
          continue
        }
        j = q + 1
        break
      }
      fields.push(value.replace(/\r\n/g, '\n'))
      if (text[j] === ',') {
        i = j + 1
        continue
      }
      if (atLineEnd(j)) return fields
      return undefined // extraneous character after a closing quote
    }
    let j = i
    while (j < n && text[j] !== ',' && !atLineEnd(j)) j += 1
    const value = text.slice(i, j)
    if (value.includes('"')) return undefined // bare quote in a non-quoted field
    fields.push(value)
    if (text[j] === ',') {
      i = j + 1
      continue
    }
    return fields
  }
}
