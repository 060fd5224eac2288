/**
 * A strict JSON reader for policy text. `JSON.parse` is not enough for IAM: it keeps the last of two
 * duplicate keys (AWS rejects the document) and reports no location. This reader keeps a syntax tree
 * with offsets, rejects comments and trailing commas, and reports every duplicate key with a JSON
 * pointer (RFC 6901) and a 1-based line and column.
 */
import { getLocation, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser'
import type { Node as JsonNode, ParseError } from 'jsonc-parser'

export type { Node as JsonNode } from 'jsonc-parser'

/** A problem in the JSON layer: bad syntax or a duplicate key. */
export interface JsonProblem {
  readonly message: string
  /** JSON pointer (RFC 6901) to the value the problem is in or nearest to. */
  readonly path: string
  /** 1-based. */
  readonly line: number
  /** 1-based, in UTF-16 code units. */
  readonly column: number
}

export interface Position {
  /** 1-based. */
  readonly line: number
  /** 1-based, in UTF-16 code units. */
  readonly column: number
}

export interface JsonDocument {
  /** The parsed value (last duplicate wins, as with JSON.parse); undefined when the text is not JSON. */
  readonly value: unknown
  readonly problems: JsonProblem[]
  /** The syntax tree with offsets; duplicate properties are all present. Undefined for empty text. */
  readonly root: JsonNode | undefined
  /** Offset → line and column, for the same text. */
  readonly lines: LineIndex
}

/** Turns string offsets into 1-based line and column numbers. LF, CR and CRLF all end a line. */
export class LineIndex {
  readonly #starts: number[]

  constructor(text: string) {
    const starts = [0]
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 0x0a) starts.push(i + 1)
      else if (c === 0x0d) {
        if (text.charCodeAt(i + 1) === 0x0a) i++
        starts.push(i + 1)
      }
    }
    this.#starts = starts
  }

  position(offset: number): Position {
    const starts = this.#starts
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((starts[mid] ?? 0) <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 }
  }
}

/** Append one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 requires. */
export function pointerAppend(pointer: string, token: string | number): string {
  const escaped = String(token).replaceAll('~', '~0').replaceAll('/', '~1')
  return `${pointer}/${escaped}`
}

/** Split a JSON pointer into its unescaped reference tokens. `''` is the whole document. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new TypeError(`not a JSON pointer: ${pointer}`)
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'Invalid symbol.',
  InvalidNumberFormat: 'Invalid number format.',
  PropertyNameExpected: 'Property name expected.',
  ValueExpected: 'Value expected.',
  ColonExpected: 'Colon expected.',
  CommaExpected: 'Comma expected.',
  CloseBraceExpected: 'Closing brace expected.',
  CloseBracketExpected: 'Closing bracket expected.',
  EndOfFileExpected: 'End of file expected after the JSON value.',
  InvalidCommentToken: 'Comments are not allowed in JSON.',
  UnexpectedEndOfComment: 'Comments are not allowed in JSON.',
  UnexpectedEndOfString: 'Unterminated string.',
  UnexpectedEndOfNumber: 'Unterminated number.',
  InvalidUnicode: 'Invalid unicode escape sequence.',
  InvalidEscapeCharacter: 'Invalid escape character in string.',
  InvalidCharacter: 'Invalid character in string (control characters must be escaped).',
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d
}

/** The last non-whitespace character before `offset`, or undefined at the start of the text. */
function previousSignificant(text: string, offset: number): string | undefined {
  for (let i = offset - 1; i >= 0; i--) {
    if (!isJsonWhitespace(text.charCodeAt(i))) return text[i]
  }
  return undefined
}

function syntaxPointer(text: string, offset: number): string {
  const loc = getLocation(text, offset)
  const segments = [...loc.path]
  if (loc.isAtPropertyKey && segments.at(-1) === '') segments.pop()
  return segments.reduce<string>((p, s) => pointerAppend(p, s), '')
}

function describeSyntaxError(text: string, error: ParseError): string {
  const name = printParseErrorCode(error.error)
  if ((name === 'ValueExpected' || name === 'PropertyNameExpected') && previousSignificant(text, error.offset) === ',') {
    const next = text[error.offset]
    if (next === '}' || next === ']') return 'Trailing commas are not allowed in JSON.'
  }
  if (name === 'ValueExpected' && error.offset >= text.length && text.trim() === '') return 'The document is empty.'
  return SYNTAX_MESSAGES[name] ?? 'Invalid JSON.'
}

function isCommentError(error: ParseError): boolean {
  const name = printParseErrorCode(error.error)
  return name === 'InvalidCommentToken' || name === 'UnexpectedEndOfComment'
}

/**
 * Documents nested deeper than this are refused before parsing: the tree and its walkers recurse, and
 * an IAM policy needs six levels (policy, Statement list, statement, Condition, operator, value list).
 */
export const MAX_NESTING_DEPTH = 64

/** The offset where nesting first exceeds `limit` (brackets inside strings ignored), or -1. */
export function nestingOverflowOffset(text: string, limit: number = MAX_NESTING_DEPTH): number {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return i
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return -1
}

/**
 * Parse policy text strictly. Syntax problems: every comment, plus the first other syntax error
 * (later ones are usually echoes of it). Duplicate keys are reported at the second (third, …) key.
 *
 * @example
 * parseJsonDocument('{"a":1,"a":2}').problems[0]?.message // 'Duplicate key "a".'
 */
export function parseJsonDocument(text: string): JsonDocument {
  const lines = new LineIndex(text)
  const overflow = nestingOverflowOffset(text)
  if (overflow >= 0) {
    const problem = { message: `The document nests deeper than ${MAX_NESTING_DEPTH} levels.`, path: '', ...lines.position(overflow) }
    return { value: undefined, problems: [problem], root: undefined, lines }
  }
  const errors: ParseError[] = []
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false })
  const problems: JsonProblem[] = []
  let reportedStructural = false
  for (const error of errors) {
    const comment = isCommentError(error)
    if (!comment) {
      if (reportedStructural) continue
      reportedStructural = true
    }
    problems.push({
      message: describeSyntaxError(text, error),
      path: syntaxPointer(text, error.offset),
      ...lines.position(error.offset),
    })
  }
  if (root !== undefined) collectDuplicateKeys(root, '', lines, problems)
  problems.sort((a, b) => a.line - b.line || a.column - b.column)
  const value: unknown = errors.length === 0 && root !== undefined ? getNodeValue(root) : undefined
  return { value, problems, root, lines }
}

function collectDuplicateKeys(node: JsonNode, pointer: string, lines: LineIndex, out: JsonProblem[]): void {
  if (node.type === 'object') {
    const seen = new Set<string>()
    for (const prop of node.children ?? []) {
      const keyNode = prop.children?.[0]
      const valueNode = prop.children?.[1]
      if (keyNode === undefined) continue
      const key = String(keyNode.value)
      const childPointer = pointerAppend(pointer, key)
      if (seen.has(key)) {
        out.push({ message: `Duplicate key "${key}".`, path: childPointer, ...lines.position(keyNode.offset) })
      }
      seen.add(key)
      if (valueNode !== undefined) collectDuplicateKeys(valueNode, childPointer, lines, out)
    }
  } else if (node.type === 'array') {
    node.children?.forEach((child, i) => collectDuplicateKeys(child, pointerAppend(pointer, i), lines, out))
  }
}

/**
 * The tree node a JSON pointer names, or undefined. With duplicate keys the first occurrence wins
 * (that is where an editor would jump).
 */
export function findNode(root: JsonNode, pointer: string): JsonNode | undefined {
  let node: JsonNode | undefined = root
  for (const token of pointerTokens(pointer)) {
    if (node === undefined) return undefined
    if (node.type === 'object') {
      const prop: JsonNode | undefined = node.children?.find((p) => p.children?.[0]?.value === token)
      node = prop?.children?.[1]
    } else if (node.type === 'array') {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined
      node = node.children?.[Number(token)]
    } else {
      return undefined
    }
  }
  return node
}

/**
 * Where the value a JSON pointer names starts in `text`, 1-based. Undefined if the pointer names
 * nothing or the text has no JSON value at all.
 */
export function locate(text: string, pointer: string): Position | undefined {
  if (nestingOverflowOffset(text) >= 0) return undefined
  const root = parseTree(text, [], { disallowComments: true, allowTrailingComma: false })
  if (root === undefined) return undefined
  const node = findNode(root, pointer)
  return node === undefined ? undefined : new LineIndex(text).position(node.offset)
}

/**
 * Characters of `text` that are not JSON whitespace (space, TAB, LF, CR), counted in Unicode code
 * points. IAM measures its policy size quotas this way: "IAM doesn't count white space".
 */
export function countNonWhitespace(text: string): number {
  // Indexed reads, not the string iterator: this runs over every policy document up to 131,072 characters.
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (isJsonWhitespace(c)) continue
    // A low surrogate after a high one is the second half of one code point.
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const prev = text.charCodeAt(i - 1)
      if (prev >= 0xd800 && prev <= 0xdbff) continue
    }
    n++
  }
  return n
}

/** Characters of `text` in Unicode code points, whitespace included. */
export function countCharacters(text: string): number {
  let n = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    // A low surrogate after a high one is the second half of one code point.
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const prev = text.charCodeAt(i - 1)
      if (prev >= 0xd800 && prev <= 0xdbff) n--
    }
  }
  return n
}

export interface DisallowedCharacter {
  /** The character as a string (one code point). */
  readonly char: string
  /** `U+XXXX`. */
  readonly codePoint: string
  /** UTF-16 offset in the text. */
  readonly offset: number
}

/**
 * Characters AWS does not accept in a policy document. The IAM quotas page allows only TAB (U+0009),
 * LF (U+000A), CR (U+000D) and U+0020 through U+00FF. Escapes such as `\u2028` inside a JSON string are
 * plain ASCII in the text and are fine.
 */
export function findDisallowedCharacters(text: string): DisallowedCharacter[] {
  const found: DisallowedCharacter[] = []
  for (let offset = 0; offset < text.length; ) {
    const c = text.charCodeAt(offset)
    // Fast path (indexed reads): every allowed character is one UTF-16 unit.
    if (c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0xff)) {
      offset++
      continue
    }
    const cp = text.codePointAt(offset) ?? c
    const ch = String.fromCodePoint(cp)
    found.push({ char: ch, codePoint: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`, offset })
    offset += ch.length
  }
  return found
}
