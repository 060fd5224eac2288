import { describe, expect, it } from 'vitest'
import { compilePolicy } from '../../src/policy/compile.js'
import { IrsaError } from '../../src/errors.js'

function code(doc: unknown, kind: 'identity' | 'resource' | 'trust' = 'identity'): string | undefined {
  try {
    compilePolicy(doc, { kind })
    return undefined
  } catch (e) {
    expect(e).toBeInstanceOf(IrsaError)
    return `${(e as IrsaError).code} ${(e as IrsaError).path ?? ''} ${(e as IrsaError).message}`
  }
}

describe('compilePolicy rejects malformed documents with a code and a location', () => {
  it.each([
    ['not JSON', '{', /ERR_POLICY_JSON/],
    ['not an object', '[]', /ERR_POLICY_SHAPE/],
    ['no Statement', { Version: '2012-10-17' }, /Statement/],
    ['empty Statement', { Version: '2012-10-17', Statement: [] }, /must not be empty/],
    ['bad Version', { Version: '2020-01-01', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }, /Version/],
    ['bad Effect', { Statement: { Effect: 'allow', Action: '*', Resource: '*' } }, /\/Statement\/Effect .*Effect must be/],
    ['no Action', { Statement: [{ Effect: 'Allow', Resource: '*' }] }, /\/Statement\/0 .*must contain actions/],
    ['Action and NotAction', { Statement: { Effect: 'Allow', Action: '*', NotAction: '*', Resource: '*' } }, /both Action and NotAction/],
    ['no Resource in an identity policy', { Statement: { Effect: 'Allow', Action: '*' } }, /must contain resources/],
    ['empty Action list', { Statement: { Effect: 'Allow', Action: [], Resource: '*' } }, /must not be empty/],
    ['Principal in an identity policy', { Statement: { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' } }, /should not specify a principal/],
    ['unknown operator', { Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEqualz: { a: 'b' } } } }, /ERR_POLICY_OPERATOR .*StringEqualz/],
    ['NullIfExists', { Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { NullIfExists: { a: 'true' } } } }, /ERR_POLICY_OPERATOR/],
    ['unknown element', { Statement: { Effect: 'Allow', Action: '*', Resource: '*', Foo: 1 } }, /Unknown statement element "Foo"/],
    ['object condition value', { Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { a: { b: 1 } } } } }, /strings, numbers or booleans/],
  ])('%s', (_name, doc, expected) => {
    expect(code(doc)).toMatch(expected)
  })

  it('accepts trust policies without Resource and with Principal', () => {
    expect(code({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' } }, 'trust')).toBeUndefined()
  })
  it('accepts a document given as JSON text', () => {
    const p = compilePolicy('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}', { kind: 'identity', name: 'x' })
    expect(p.name).toBe('x')
    expect(p.statements).toHaveLength(1)
  })
  it('reads a missing Version as 2008-10-17', () => {
    expect(compilePolicy({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }, { kind: 'identity' }).version).toBe('2008-10-17')
  })
  it('accepts operator names in any case, as AWS does for keys', () => {
    expect(code({ Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { 'forallvalues:stringequalsifexists': { a: 'b' } } } })).toBeUndefined()
  })
})
