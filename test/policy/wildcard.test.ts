import { describe, expect, it } from 'vitest'
import { ANY_CHAR, STAR, compileGlob, compileWildcard, globTokens, matchWildcard } from '../../src/policy/wildcard.js'

describe('wildcard matcher', () => {
  it.each([
    ['s3:GetObject', 's3:GetObject', true],
    ['s3:GetObject', 's3:GetObjects', false],
    ['s3:Get*', 's3:GetObject', true],
    ['s3:Get*', 's3:Get', true],
    ['s3:Get*', 's3:PutObject', false],
    ['*', '', true],
    ['?', '', false],
    ['?', 'a', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*a*a*a*b', 'a'.repeat(40), false],
    ['*a*a*a*b', `${'a'.repeat(40)}b`, true],
    ['ab*ba', 'aba', false],
    ['ab*ba', 'abba', true],
    ['x*?y', 'xy', false],
    ['x*?y', 'xay', true],
    ['**', 'anything', true],
    ['a**b', 'ab', true],
    ['bucket/*', 'bucket/a/b:c', true],
    ['*/home/*', 'x/home/', true],
    ['a*', 'A', false],
  ])('%s ~ %s → %s', (pattern, value, expected) => {
    expect(matchWildcard(pattern, value)).toBe(expected)
  })

  it('folds case when asked, in pattern and value', () => {
    expect(matchWildcard('S3:get*', 's3:GetObject', true)).toBe(true)
    expect(compileWildcard('IAM:ListAccessKeys', { ignoreCase: true }).test('iam:listaccesskeys')).toBe(true)
  })

  it('treats literal tokens from variables as literal, even * and ?', () => {
    const m = compileGlob(['home/', '*', '/', STAR])
    expect(m.test('home/*/x')).toBe(true)
    expect(m.test('home/bob/x')).toBe(false)
    const q = compileGlob(['a', ANY_CHAR, 'c'])
    expect(q.test('abc')).toBe(true)
  })

  it('tokenises policy text', () => {
    expect(globTokens('a*b?')).toEqual(['a', STAR, 'b', ANY_CHAR])
  })

  it('handles adversarial patterns without backtracking blow-up', () => {
    const pattern = '*a'.repeat(16) + '*b'
    const value = 'a'.repeat(4000)
    const m = compileWildcard(pattern)
    // Correctness only; timing is measured in bench/, never asserted.
    expect(m.test(value)).toBe(false)
    expect(m.test(`${value}b`)).toBe(true)
  })
})
