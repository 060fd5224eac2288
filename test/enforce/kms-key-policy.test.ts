// KMS's key-policy rule on top of the engine: an identity policy grants a key's actions only where
// the key policy names the caller or delegates to its account (arn:aws:iam::ACCOUNT:root).
import { describe, expect, it } from 'vitest'
import { evaluateKmsKeyAccess } from '../../src/enforce/kms-key-policy.js'
import { compilePolicy } from '../../src/policy/compile.js'

const A = '111122223333'
const KEY = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
const ROLE = `arn:aws:iam::${A}:role/app`
const SESSION = `arn:aws:sts::${A}:assumed-role/app/s1`

const identity = (actions: string | string[]) => compilePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }, { kind: 'identity' })
const keyPolicy = (...statements: object[]) => compilePolicy({ Version: '2012-10-17', Statement: statements }, { kind: 'resource', name: 'key policy' })
const delegate = (account: string, action: string | string[] = 'kms:*', extra: object = {}) => ({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: action, Resource: '*', ...extra })

const judge = (principal: string, action: string, kp: ReturnType<typeof keyPolicy> | undefined, id = identity('kms:*'), context = {}) =>
  evaluateKmsKeyAccess({ principal, action, resource: KEY, context }, { identity: [id], keyPolicy: kp })

describe('evaluateKmsKeyAccess', () => {
  it('an identity grant stands when the key policy delegates to the account (the default key policy)', () => {
    expect(judge(SESSION, 'kms:Decrypt', keyPolicy(delegate(A))).decision).toBe('Allow')
  })

  it('refuses an identity-only grant when the key policy names neither the caller nor its account', () => {
    const d = judge(SESSION, 'kms:Decrypt', keyPolicy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/admin` }, Action: 'kms:*', Resource: '*' }))
    expect(d).toMatchObject({ decision: 'ImplicitDeny', reason: 'resource-policy-required', statements: [] })
    expect(d.explanation).toMatch(/key policy/)
  })

  it('delegation covers only the actions (and conditions) of the delegating statement', () => {
    const kp = keyPolicy(delegate(A, 'kms:Encrypt'))
    expect(judge(SESSION, 'kms:Encrypt', kp).decision).toBe('Allow')
    expect(judge(SESSION, 'kms:Decrypt', kp).decision).toBe('ImplicitDeny')
    const viaCondition = keyPolicy(delegate(A, 'kms:Decrypt', { Condition: { StringEquals: { 'kms:EncryptionContext:app': 'billing' } } }))
    expect(judge(SESSION, 'kms:Decrypt', viaCondition, identity('kms:*'), { 'kms:EncryptionContext:app': 'billing' }).decision).toBe('Allow')
    expect(judge(SESSION, 'kms:Decrypt', viaCondition, identity('kms:*'), { 'kms:EncryptionContext:app': 'other' }).decision).toBe('ImplicitDeny')
  })

  it('a key policy naming the caller allows without any identity policy; its explicit Deny wins over delegation', () => {
    const kp = keyPolicy({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' })
    expect(judge(SESSION, 'kms:Decrypt', kp, identity('s3:GetObject')).decision).toBe('Allow')
    const denying = keyPolicy(delegate(A), { Effect: 'Deny', Principal: '*', Action: 'kms:ScheduleKeyDeletion', Resource: '*' })
    expect(judge(SESSION, 'kms:ScheduleKeyDeletion', denying).decision).toBe('ExplicitDeny')
  })

  it("the account's root user needs the key policy too", () => {
    const kp = keyPolicy({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', Resource: '*' })
    expect(judge(`arn:aws:iam::${A}:root`, 'kms:PutKeyPolicy', kp).decision).toBe('ImplicitDeny')
    expect(judge(`arn:aws:iam::${A}:root`, 'kms:PutKeyPolicy', keyPolicy(delegate(A))).decision).toBe('Allow')
  })

  it('another account needs the key policy to name it and its own identity policy to allow', () => {
    const other = 'arn:aws:iam::444455556666:role/partner'
    expect(judge(other, 'kms:Decrypt', keyPolicy(delegate(A))).decision).toBe('ImplicitDeny')
    expect(judge(other, 'kms:Decrypt', keyPolicy(delegate(A), delegate('444455556666', 'kms:Decrypt'))).decision).toBe('Allow')
    expect(judge(other, 'kms:Decrypt', keyPolicy(delegate('444455556666', 'kms:Decrypt')), identity('kms:Encrypt')).decision).toBe('ImplicitDeny')
  })

  it('an unreadable key policy allows nothing', () => {
    expect(judge(SESSION, 'kms:Decrypt', undefined)).toMatchObject({ decision: 'ImplicitDeny', reason: 'resource-policy-required' })
  })
})
