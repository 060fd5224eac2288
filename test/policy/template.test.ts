import { describe, expect, it } from 'vitest'
import { buildContext } from '../../src/policy/context.js'
import { parseTemplate, resolveText } from '../../src/policy/template.js'

const ctx = buildContext({ 'aws:username': 'bob', 'aws:PrincipalTag/team': 'blue', 'aws:TagKeys': ['a', 'b'] })

describe('policy variables', () => {
  it('resolves keys case-insensitively', () => {
    expect(resolveText(parseTemplate('home/${AWS:UserName}/', true), ctx)).toBe('home/bob/')
  })
  it('uses the default when the key is missing', () => {
    expect(resolveText(parseTemplate("${aws:PrincipalTag/dept, 'none'}", true), ctx)).toBe('none')
    expect(resolveText(parseTemplate("${aws:PrincipalTag/dept,'x y'}", true), ctx)).toBe('x y')
  })
  it('is unresolved for a missing key without default, and for a multivalued key', () => {
    expect(resolveText(parseTemplate('${aws:PrincipalTag/dept}', true), ctx)).toBeUndefined()
    expect(resolveText(parseTemplate('${aws:TagKeys}', true), ctx)).toBeUndefined()
  })
  it('expands the specials ${*} ${?} ${$}', () => {
    expect(resolveText(parseTemplate('a${*}b${?}c${$}', true), ctx)).toBe('a*b?c$')
  })
  it('is literal when variables are off (Version 2008-10-17)', () => {
    expect(resolveText(parseTemplate('home/${aws:username}/', false), ctx)).toBe('home/${aws:username}/')
  })
  it('keeps malformed references literal', () => {
    expect(resolveText(parseTemplate('a${ }b${unterminated', true), ctx)).toBe('a${ }b${unterminated')
  })
  it('substitutes once: a default containing ${…} is not expanded again', () => {
    expect(resolveText(parseTemplate("${aws:nope, '${aws:username}'}", true), ctx)).toBe('${aws:username}')
  })
})
