/**
 * The elements of one array in a JSON document, one at a time, without holding the document:
 * `{"Records": [ {…}, {…} ]}` yields each record's text. Only the array under the wanted top-level
 * key is captured; everything else is scanned and dropped, so memory is one element (capped at
 * MAX_ELEMENT_CHARS). The scanner tracks strings and nesting only; each element is then parsed by
 * `JSON.parse`, and a document that ends early, or that is not an object, is refused with the offset.
 */
import { IrsaError } from '../../../errors.js'

/** CloudTrail records are at most a few hundred KB; anything this large is not one. */
export const MAX_ELEMENT_CHARS = 16 * 1024 * 1024

export interface ArrayElement {
  readonly value: unknown
  /** 1-based position in the array. */
  readonly index: number
  /** Character offset of the element in the (decompressed) text. */
  readonly offset: number
}

export interface ArrayScan {
  /** The top-level key whose array was read. */
  key: string | undefined
}

/**
 * Yield the parsed elements of the array under the first of `keys` found at the top level.
 * `scan.key` says which; a document with none of them yields nothing and leaves it undefined.
 */
export async function* jsonArrayElements(chunks: AsyncIterable<string>, keys: readonly string[], file: string, scan: ArrayScan): AsyncGenerator<ArrayElement> {
  let depth = 0
  let inString = false
  let escaped = false
  let offset = 0
  let started = false
  let ended = false
  // Top-level key tracking.
  let keyParts: string[] | undefined
  let lastKey: string | undefined
  let afterColon = false
  let inArray = false
  // The element being captured.
  let parts: string[] | undefined
  let partStart = 0
  let elementOffset = 0
  let elementChars = 0
  let index = 0
  const fail = (at: number, why: string): IrsaError => new IrsaError('ERR_CLI_INPUT', `${file}: offset ${at}: ${why}`)

  const finish = (chunk: string, end: number): ArrayElement => {
    ;(parts as string[]).push(chunk.slice(partStart, end))
    const text = (parts as string[]).join('').trim()
    parts = undefined
    index++
    try {
      return { value: JSON.parse(text) as unknown, index, offset: elementOffset }
    } catch (e) {
      throw new IrsaError('ERR_CLI_INPUT', `${file}: ${scan.key ?? ''}[${index}] at offset ${elementOffset}: not valid JSON (${(e as Error).message})`)
    }
  }

  for await (const chunk of chunks) {
    partStart = 0
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as string
      const at = offset + i
      if (inString) {
        if (escaped) escaped = false
        else if (c === '\\') escaped = true
        else if (c === '"') {
          inString = false
          if (keyParts !== undefined) {
            keyParts.push(chunk.slice(partStart, i))
            lastKey = keyParts.join('')
            keyParts = undefined
          }
        }
        continue
      }
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue
      if (ended) throw fail(at, 'unexpected text after the JSON document')
      if (!started) {
        if (c !== '{') throw fail(at, `not a CloudTrail JSON document (expected an object with ${keys.map((k) => `"${k}"`).join(' or ')})`)
        started = true
      }
      // An element starts at the first non-blank character in the target array.
      if (inArray && depth === 2 && parts === undefined && c !== ']' && c !== ',') {
        parts = []
        partStart = i
        elementOffset = at
        elementChars = 0
      }
      if (c === '"') {
        inString = true
        // A key of the top-level object: capture it (keys are short; a long one is dropped).
        if (depth === 1 && !afterColon) {
          keyParts = []
          partStart = i + 1
        }
        continue
      }
      if (c === ':' && depth === 1) {
        afterColon = true
        continue
      }
      if (c === '{' || c === '[') {
        if (depth === 1 && afterColon && c === '[' && scan.key === undefined && lastKey !== undefined && keys.includes(lastKey)) {
          scan.key = lastKey
          inArray = true
        }
        depth++
        continue
      }
      if (c === '}' || c === ']') {
        if (depth === 0) throw fail(at, `unexpected ${c}`)
        if (inArray && depth === 2 && c === ']' && parts !== undefined) yield finish(chunk, i)
        depth--
        if (depth === 1 && inArray && c === ']') inArray = false
        if (depth === 1) afterColon = false
        if (depth === 0) ended = true
        continue
      }
      if (c === ',') {
        if (depth === 1) afterColon = false
        if (inArray && depth === 2) {
          if (parts === undefined) throw fail(at, `${scan.key ?? ''}: empty element`)
          yield finish(chunk, i)
        }
      }
    }
    if (parts !== undefined) {
      parts.push(chunk.slice(partStart))
      elementChars += chunk.length - partStart
      if (elementChars > MAX_ELEMENT_CHARS) throw fail(elementOffset, `${scan.key ?? ''}[${index + 1}] is larger than ${MAX_ELEMENT_CHARS} characters`)
    }
    if (keyParts !== undefined) keyParts.push(chunk.slice(partStart))
    offset += chunk.length
  }
  if (!started) throw fail(offset, 'empty file')
  if (inString || depth !== 0) throw fail(offset, 'the JSON document ends early (truncated?)')
}
