import { describe, expect, it } from 'vitest'
import {
  LineIndex,
  MAX_NESTING_DEPTH,
  countCharacters,
  countNonWhitespace,
  findDisallowedCharacters,
  findNode,
  locate,
  nestingOverflowOffset,
  parseJsonDocument,
  pointerAppend,
  pointerTokens,
} from '../../src/policy/json.js'

describe('parseJsonDocument', () => {
  it('parses a valid document with no problems', () => {
    const doc = parseJsonDocument('{"a": [1, "x", true, null], "b": {"c": -0.5e3}}')
    expect(doc.problems).toEqual([])
    expect(doc.value).toEqual({ a: [1, 'x', true, null], b: { c: -500 } })
    expect(doc.root?.type).toBe('object')
  })

  it('reports a duplicate key at the second occurrence, with pointer and position', () => {
    const text = '{\n  "Statement": {\n    "Effect": "Allow",\n    "Effect": "Deny"\n  }\n}'
    const doc = parseJsonDocument(text)
    expect(doc.problems).toEqual([{ message: 'Duplicate key "Effect".', path: '/Statement/Effect', line: 4, column: 5 }])
    // The value is still produced (last one wins, like JSON.parse), so callers can keep validating.
    expect(doc.value).toEqual({ Statement: { Effect: 'Deny' } })
  })

  it('finds duplicate keys inside arrays and reports each repeat', () => {
    const doc = parseJsonDocument('[{"a":1},{"b":1,"b":2,"b":3}]')
    expect(doc.problems.map((p) => [p.path, p.column])).toEqual([
      ['/1/b', 17],
      ['/1/b', 23],
    ])
  })

  it('does not treat the same key in sibling objects as a duplicate', () => {
    expect(parseJsonDocument('[{"a":1},{"a":2}]').problems).toEqual([])
  })

  it('rejects a trailing comma in an object and in an array', () => {
    const obj = parseJsonDocument('{"a": 1,\n}')
    expect(obj.problems).toEqual([{ message: 'Trailing commas are not allowed in JSON.', path: '', line: 2, column: 1 }])
    expect(obj.value).toBeUndefined()
    const arr = parseJsonDocument('{"a": [1, 2, ]}')
    expect(arr.problems).toHaveLength(1)
    expect(arr.problems[0]).toMatchObject({ message: 'Trailing commas are not allowed in JSON.', line: 1, column: 14 })
  })

  it('rejects line and block comments, each one reported', () => {
    const doc = parseJsonDocument('{\n  // a comment\n  "a": /* here */ 1\n}')
    expect(doc.problems.map((p) => [p.message, p.line, p.column])).toEqual([
      ['Comments are not allowed in JSON.', 2, 3],
      ['Comments are not allowed in JSON.', 3, 8],
    ])
    expect(doc.value).toBeUndefined()
  })

  it('reports only the first structural error, located', () => {
    const doc = parseJsonDocument("{'a': 1}")
    expect(doc.problems).toEqual([{ message: 'Invalid symbol.', path: '', line: 1, column: 2 }])
  })

  it('reports an empty document', () => {
    expect(parseJsonDocument('  \n').problems[0]?.message).toBe('The document is empty.')
    expect(parseJsonDocument('').root).toBeUndefined()
  })

  it('reports text after the value, raw control characters and bad escapes', () => {
    expect(parseJsonDocument('{} {}').problems[0]?.message).toBe('End of file expected after the JSON value.')
    expect(parseJsonDocument('{"a":"x\ty"}').problems[0]?.message).toMatch(/control characters/)
    expect(parseJsonDocument('{"a":"\\q"}').problems[0]).toMatchObject({ message: 'Invalid escape character in string.', path: '/a' })
    expect(parseJsonDocument('{"a":"abc').problems[0]?.message).toBe('Unterminated string.')
  })
})

describe('JSON pointers', () => {
  it('escapes ~ and / (RFC 6901) and round-trips', () => {
    const p = pointerAppend(pointerAppend('', 'a/b'), 'm~n')
    expect(p).toBe('/a~1b/m~0n')
    expect(pointerTokens(p)).toEqual(['a/b', 'm~n'])
    expect(pointerTokens('')).toEqual([])
    expect(() => pointerTokens('x')).toThrow(TypeError)
  })

  it('locates values by pointer, 1-based', () => {
    const text = '{\n  "Statement": [\n    {"Effect": "Allow", "a/b": 1}\n  ]\n}'
    expect(locate(text, '')).toEqual({ line: 1, column: 1 })
    expect(locate(text, '/Statement/0/Effect')).toEqual({ line: 3, column: 16 })
    expect(locate(text, '/Statement/0/a~1b')).toEqual({ line: 3, column: 32 })
    expect(locate(text, '/Statement/1')).toBeUndefined()
    expect(locate(text, '/Statement/x')).toBeUndefined()
    expect(locate('', '')).toBeUndefined()
  })

  it('findNode prefers the first of duplicate keys', () => {
    const doc = parseJsonDocument('{"a":1,"a":2}')
    expect(doc.root && findNode(doc.root, '/a')?.value).toBe(1)
  })
})

describe('LineIndex', () => {
  it('handles LF, CRLF and CR line ends', () => {
    const idx = new LineIndex('a\nb\r\nc\rd')
    expect(idx.position(0)).toEqual({ line: 1, column: 1 })
    expect(idx.position(2)).toEqual({ line: 2, column: 1 })
    expect(idx.position(5)).toEqual({ line: 3, column: 1 })
    expect(idx.position(7)).toEqual({ line: 4, column: 1 })
  })
})

describe('size and character helpers', () => {
  it('counts characters excluding JSON whitespace, including inside strings', () => {
    expect(countNonWhitespace('{ "a b" :\t1 }\r\n')).toBe(8)
    expect(countNonWhitespace('')).toBe(0)
    expect(countCharacters('{ "a" }')).toBe(7)
    expect(countCharacters('😀')).toBe(1)
  })

  it('accepts TAB, LF, CR and U+0020–U+00FF and flags anything else', () => {
    expect(findDisallowedCharacters('\t\n\r ~\u00e9\u00ff')).toEqual([])
    // An escape in the text is plain ASCII: allowed.
    expect(findDisallowedCharacters('"\\u2019"')).toEqual([])
    expect(findDisallowedCharacters('a\u2019b\u0000😀')).toEqual([
      { char: '\u2019', codePoint: 'U+2019', offset: 1 },
      { char: '\u0000', codePoint: 'U+0000', offset: 3 },
      { char: '😀', codePoint: 'U+1F600', offset: 4 },
    ])
  })
})

describe('nesting depth', () => {
  it('refuses documents nested deeper than MAX_NESTING_DEPTH without recursing', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    const doc = parseJsonDocument(deep)
    expect(doc.problems).toEqual([
      { message: `The document nests deeper than ${MAX_NESTING_DEPTH} levels.`, path: '', line: 1, column: MAX_NESTING_DEPTH + 1 },
    ])
    expect(doc.root).toBeUndefined()
  })

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestingOverflowOffset(`["${'['.repeat(200)}\\"${'{'.repeat(200)}"]`)).toBe(-1)
    expect(nestingOverflowOffset('[[[]]]', 2)).toBe(2)
    expect(parseJsonDocument('['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH)).problems).toEqual([])
  })
})
