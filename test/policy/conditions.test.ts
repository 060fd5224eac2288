import { describe, expect, it } from 'vitest'
import { conditionDecision, conditionMatches as m } from './helpers.js'

const K = 'aws:PrincipalTag/team'

describe('missing keys, IfExists and set qualifiers (IAM User Guide, condition operators)', () => {
  it('a missing key fails positive operators and satisfies negated ones', () => {
    expect(m({ StringEquals: { [K]: 'blue' } })).toBe(false)
    expect(m({ StringNotEquals: { [K]: 'blue' } })).toBe(true)
    expect(m({ NumericLessThan: { 's3:max-keys': '10' } })).toBe(false)
    expect(m({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })).toBe(true)
  })
  it('IfExists is true when the key is missing, either polarity', () => {
    expect(m({ StringEqualsIfExists: { [K]: 'blue' } })).toBe(true)
    expect(m({ StringNotEqualsIfExists: { [K]: 'blue' } })).toBe(true)
    expect(m({ StringEqualsIfExists: { [K]: 'blue' } }, { [K]: 'red' })).toBe(false)
    expect(m({ StringEqualsIfExists: { [K]: 'blue' } }, { [K]: 'blue' })).toBe(true)
  })
  it('Deny with StringNotEqualsIfExists and the key missing denies', () => {
    expect(conditionDecision({ StringNotEqualsIfExists: { [K]: 'blue' } }, {}, 'Deny')).toBe('ExplicitDeny')
  })
  it('ForAnyValue: false when missing (even with IfExists), any value matching otherwise', () => {
    expect(m({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'a' } })).toBe(false)
    expect(m({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'a' } })).toBe(false)
    expect(m({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'a' } }, { 'aws:TagKeys': ['b', 'a'] })).toBe(true)
    expect(m({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'a' } }, { 'aws:TagKeys': [] })).toBe(false)
  })
  it('ForAllValues: true when missing or empty, every value matching otherwise', () => {
    expect(m({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } })).toBe(true)
    expect(m({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }, { 'aws:TagKeys': [] })).toBe(true)
    expect(m({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }, { 'aws:TagKeys': '' })).toBe(true)
    expect(m({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }, { 'aws:TagKeys': ['a', 'b'] })).toBe(true)
    expect(m({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }, { 'aws:TagKeys': ['a', 'c'] })).toBe(false)
  })
  it('set operators with negated operators (AWS doc table for ForAllValues:StringNotLike)', () => {
    const c = { 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'key1*' } }
    expect(m(c, { 'aws:TagKeys': ['key2:audit'] })).toBe(true)
    expect(m(c, { 'aws:TagKeys': ['key1:legal'] })).toBe(false)
    expect(m(c, { 'aws:TagKeys': ['key1:legal', 'key2:audit'] })).toBe(false)
    expect(m(c)).toBe(true)
    const any = { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a'] } }
    expect(m(any, { 'aws:TagKeys': ['a', 'b'] })).toBe(true)
    expect(m(any, { 'aws:TagKeys': ['a'] })).toBe(false)
  })
  it('a plain operator needs a single value; a one-element list counts as that value', () => {
    expect(m({ StringEquals: { 'aws:TagKeys': 'a' } }, { 'aws:TagKeys': ['a'] })).toBe(true)
    expect(m({ StringEquals: { 'aws:TagKeys': 'a' } }, { 'aws:TagKeys': ['a', 'b'] })).toBe(false)
    expect(m({ StringNotEquals: { 'aws:TagKeys': 'c' } }, { 'aws:TagKeys': ['a', 'b'] })).toBe(false)
  })
  it('values OR, negated values NOR, keys and operators AND', () => {
    expect(m({ StringEquals: { [K]: ['red', 'blue'] } }, { [K]: 'blue' })).toBe(true)
    expect(m({ StringNotEquals: { [K]: ['red', 'blue'] } }, { [K]: 'blue' })).toBe(false)
    expect(m({ StringNotEquals: { [K]: ['red', 'blue'] } }, { [K]: 'green' })).toBe(true)
    expect(m({ StringEquals: { [K]: 'blue', 'aws:username': 'alice' } }, { [K]: 'blue' })).toBe(false)
    expect(m({ StringEquals: { [K]: 'blue' }, Bool: { 'aws:SecureTransport': 'true' } }, { [K]: 'blue', 'aws:SecureTransport': 'true' })).toBe(true)
    expect(m({ StringEquals: { [K]: 'blue' }, Bool: { 'aws:SecureTransport': 'true' } }, { [K]: 'blue', 'aws:SecureTransport': false })).toBe(false)
  })
  it('condition key names are case-insensitive, values are not', () => {
    expect(m({ StringEquals: { 'AWS:PRINCIPALTAG/TEAM': 'blue' } }, { 'aws:principaltag/team': 'blue' })).toBe(true)
    expect(m({ StringEquals: { [K]: 'Blue' } }, { [K]: 'blue' })).toBe(false)
  })
  it('Null: true means absent, false means present', () => {
    expect(m({ Null: { [K]: 'true' } })).toBe(true)
    expect(m({ Null: { [K]: 'true' } }, { [K]: 'x' })).toBe(false)
    expect(m({ Null: { [K]: 'false' } }, { [K]: 'x' })).toBe(true)
    expect(m({ Null: { [K]: false } })).toBe(false)
    expect(m({ Null: { 'aws:TagKeys': 'false' } }, { 'aws:TagKeys': [] })).toBe(true)
  })
})

describe('string operators', () => {
  it('StringEquals is exact and case-sensitive; * is literal', () => {
    expect(m({ StringEquals: { [K]: 'a*' } }, { [K]: 'abc' })).toBe(false)
    expect(m({ StringEquals: { [K]: 'a*' } }, { [K]: 'a*' })).toBe(true)
  })
  it('IgnoreCase variants', () => {
    expect(m({ StringEqualsIgnoreCase: { [K]: 'BLUE' } }, { [K]: 'blue' })).toBe(true)
    expect(m({ StringNotEqualsIgnoreCase: { [K]: 'BLUE' } }, { [K]: 'blue' })).toBe(false)
  })
  it('StringLike: * spans any run including / and :, ? exactly one character', () => {
    expect(m({ StringLike: { 's3:prefix': 'home/*' } }, { 's3:prefix': 'home/a/b:c' })).toBe(true)
    expect(m({ StringLike: { 's3:prefix': 'home/?' } }, { 's3:prefix': 'home/ab' })).toBe(false)
    expect(m({ StringNotLike: { 's3:prefix': 'home/*' } }, { 's3:prefix': 'other/x' })).toBe(true)
    expect(m({ StringLike: { 's3:prefix': 'exact' } }, { 's3:prefix': 'exact' })).toBe(true)
  })
  it('numbers and booleans in the policy and the request are compared as strings', () => {
    expect(m({ StringEquals: { 's3:max-keys': 10 } }, { 's3:max-keys': '10' })).toBe(true)
    expect(m({ StringEquals: { 'aws:MultiFactorAuthPresent': true } }, { 'aws:MultiFactorAuthPresent': 'true' })).toBe(true)
  })
})

describe('policy variables in conditions', () => {
  it('substitutes single-valued keys in String values', () => {
    expect(m({ StringEquals: { 's3:prefix': 'home/${aws:username}' } }, { 's3:prefix': 'home/alice', 'aws:username': 'alice' })).toBe(true)
    expect(m({ StringLike: { 's3:prefix': 'home/${aws:username}/*' } }, { 's3:prefix': 'home/alice/x', 'aws:username': 'alice' })).toBe(true)
  })
  it('a value coming from a variable is literal, not a wildcard', () => {
    expect(m({ StringLike: { 's3:prefix': '${aws:username}' } }, { 's3:prefix': 'bob', 'aws:username': '*' })).toBe(false)
    expect(m({ StringLike: { 's3:prefix': 'a${*}' } }, { 's3:prefix': 'a*' })).toBe(true)
    expect(m({ StringLike: { 's3:prefix': 'a${*}' } }, { 's3:prefix': 'ab' })).toBe(false)
  })
  it('an unresolvable variable: positive operators fail, negated operators match', () => {
    expect(m({ StringEquals: { [K]: '${aws:PrincipalTag/none}' } }, { [K]: 'x' })).toBe(false)
    expect(m({ StringNotEquals: { [K]: '${aws:PrincipalTag/none}' } }, { [K]: 'x' })).toBe(true)
  })
  it('Version 2008-10-17 reads variables as literal text', () => {
    expect(conditionDecision({ StringEquals: { [K]: '${aws:username}' } }, { [K]: '${aws:username}', 'aws:username': 'x' }, 'Allow', '2008-10-17')).toBe('Allow')
    expect(conditionDecision({ StringEquals: { [K]: '${aws:username}' } }, { [K]: 'x', 'aws:username': 'x' }, 'Allow', '2008-10-17')).toBe('ImplicitDeny')
  })
  it('Numeric operators take no variables', () => {
    expect(m({ NumericEquals: { 's3:max-keys': '${aws:username}' } }, { 's3:max-keys': '5', 'aws:username': '5' })).toBe(false)
  })
})

describe('numeric operators', () => {
  it.each([
    ['NumericEquals', '10', '10', true],
    ['NumericEquals', '10', '10.0', true],
    ['NumericNotEquals', '10', '11', true],
    ['NumericLessThan', '10', '9', true],
    ['NumericLessThan', '10', '10', false],
    ['NumericLessThanEquals', '10', '10', true],
    ['NumericGreaterThan', '10', '11', true],
    ['NumericGreaterThan', '10', '9', false],
    ['NumericGreaterThanEquals', '10', '10', true],
    ['NumericEquals', '-1.5', '-1.50', true],
    ['NumericEquals', '10', 'ten', false],
    ['NumericNotEquals', '10', 'ten', false],
  ] as const)('%s policy %s request %s → %s', (op, policy, request, expected) => {
    expect(m({ [op]: { 's3:max-keys': policy } }, { 's3:max-keys': request })).toBe(expected)
  })
})

describe('date operators', () => {
  const T = 'aws:CurrentTime'
  it.each([
    ['DateLessThan', '2024-01-01T00:00:00Z', '2023-12-31T23:59:59Z', true],
    ['DateLessThan', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', false],
    ['DateLessThanEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', true],
    ['DateGreaterThan', '2024-01-01', '2024-01-01T00:00:01Z', true],
    ['DateGreaterThanEquals', '2024-01-01T00:00:00Z', '2023-06-01T00:00:00Z', false],
    ['DateEquals', '1700000000', '2023-11-14T22:13:20Z', true],
    ['DateEquals', '2023-11-14T22:13:20Z', '1700000000', true],
    ['DateNotEquals', '2023-11-14T22:13:20Z', '1700000001', true],
    ['DateEquals', '2023-11-14T23:13:20+01:00', '2023-11-14T22:13:20Z', true],
    ['DateLessThan', '2024-01-01T00:00:00Z', 'not a date', false],
  ] as const)('%s policy %s request %s → %s', (op, policy, request, expected) => {
    expect(m({ [op]: { [T]: policy } }, { [T]: request })).toBe(expected)
  })
})

describe('Bool and BinaryEquals', () => {
  it('Bool compares true/false case-insensitively', () => {
    expect(m({ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'TRUE' })).toBe(true)
    expect(m({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': true })).toBe(false)
    expect(m({ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'yes' })).toBe(false)
  })
  it('the MFA pattern: Bool false does not match when the key is absent, BoolIfExists does', () => {
    expect(conditionDecision({ Bool: { 'aws:MultiFactorAuthPresent': 'false' } }, {}, 'Deny')).toBe('Allow')
    expect(conditionDecision({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }, {}, 'Deny')).toBe('ExplicitDeny')
  })
  it('BinaryEquals compares decoded bytes', () => {
    expect(m({ BinaryEquals: { 'ex:key': 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' } }, { 'ex:key': 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' })).toBe(true)
    expect(m({ BinaryEquals: { 'ex:key': 'QmluYXJ5' } }, { 'ex:key': 'QmluYXJ6' })).toBe(false)
  })
})

describe('IP address operators', () => {
  const ip = 'aws:SourceIp'
  it.each([
    ['IpAddress', '203.0.113.0/24', '203.0.113.7', true],
    ['IpAddress', '203.0.113.0/24', '203.0.114.7', false],
    ['IpAddress', '203.0.113.7', '203.0.113.7', true],
    ['IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5678::1', true],
    ['IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5679::1', false],
    ['IpAddress', '203.0.113.0/24', '::ffff:1', false],
    ['NotIpAddress', '203.0.113.0/24', '198.51.100.1', true],
    ['NotIpAddress', '203.0.113.0/24', '203.0.113.1', false],
    ['NotIpAddress', '2001:db8::/32', '203.0.113.1', true],
    ['IpAddress', '203.0.113.0/24', 'not-an-ip', false],
  ] as const)('%s %s vs %s → %s', (op, policy, request, expected) => {
    expect(m({ [op]: { [ip]: policy } }, { [ip]: request })).toBe(expected)
  })
})

describe('ARN operators', () => {
  const k = 'aws:SourceArn'
  it('match each of the six segments separately', () => {
    expect(m({ ArnLike: { [k]: 'arn:aws:sns:*:111122223333:t' } }, { [k]: 'arn:aws:sns:us-east-1:111122223333:t' })).toBe(true)
    expect(m({ ArnLike: { [k]: 'arn:aws:sns:*:111122223333:t' } }, { [k]: 'arn:aws:sns:us-east-1:999:x:111122223333:t' })).toBe(false)
    expect(m({ StringLike: { [k]: 'arn:aws:sns:*:111122223333:t' } }, { [k]: 'arn:aws:sns:us-east-1:999:x:111122223333:t' })).toBe(true)
  })
  it('ArnEquals behaves as ArnLike; negations are NOR', () => {
    expect(m({ ArnEquals: { [k]: 'arn:aws:s3:::bucket/*' } }, { [k]: 'arn:aws:s3:::bucket/a/b' })).toBe(true)
    expect(m({ ArnNotLike: { [k]: ['arn:aws:s3:::a', 'arn:aws:s3:::b'] } }, { [k]: 'arn:aws:s3:::b' })).toBe(false)
    expect(m({ ArnNotEquals: { [k]: 'arn:aws:s3:::a' } }, { [k]: 'arn:aws:s3:::c' })).toBe(true)
  })
  it('a request value that is not an ARN does not match', () => {
    expect(m({ ArnLike: { [k]: 'arn:aws:s3:::*' } }, { [k]: 'bucket' })).toBe(false)
  })
  it('is case-sensitive', () => {
    expect(m({ ArnLike: { [k]: 'arn:aws:iam::111122223333:role/Admin' } }, { [k]: 'arn:aws:iam::111122223333:role/admin' })).toBe(false)
  })
  it('substitutes variables', () => {
    expect(m({ ArnEquals: { [k]: 'arn:aws:iam::111122223333:user/${aws:username}' } }, { [k]: 'arn:aws:iam::111122223333:user/alice', 'aws:username': 'alice' })).toBe(true)
  })
})
