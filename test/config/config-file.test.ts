import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/config-file.js'
import { isIrsaError } from '../../src/errors.js'

const GOOD = `
providers:
  - url: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE
    clientIds: [sts.amazonaws.com]
policies:
  - name: read-payments
    document:
      Version: "2012-10-17"
      Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::payments/*"}]
roles:
  - name: payments-reader
    description: reads payments
    maxSessionDuration: 7200
    inlinePolicies:
      list: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::payments"}]}'
    managedPolicies: [read-payments]
    permissionsBoundary: read-payments
    tags: {team: payments}
    serviceAccounts: [payments/reader, payments/batch]
  - name: eks-role
    path: /irsa/
    provider: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE
    serviceAccounts: [default/app]
`

function errorOf(text: string): string {
  try {
    parseConfig(text, 'irsa.yaml')
  } catch (e) {
    expect(isIrsaError(e, 'ERR_CLI_INPUT')).toBe(true)
    return (e as Error).message
  }
  throw new Error('expected an error')
}

describe('config file', () => {
  it('parses the documented schema', () => {
    const c = parseConfig(GOOD, 'irsa.yaml')
    expect(c.providers).toEqual([{ url: 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE', clientIds: ['sts.amazonaws.com'], thumbprints: [] }])
    expect(c.policies[0]?.name).toBe('read-payments')
    expect(JSON.parse(c.policies[0]?.document ?? '')).toMatchObject({ Version: '2012-10-17' })
    const r = c.roles[0]
    expect(r?.maxSessionDuration).toBe(7200)
    expect(r?.trust).toBeUndefined()
    expect(r?.managedPolicies).toEqual([{ kind: 'name', name: 'read-payments' }])
    expect(r?.serviceAccounts).toEqual([{ namespace: 'payments', name: 'reader' }, { namespace: 'payments', name: 'batch' }])
    expect(r?.tags).toEqual([{ Key: 'team', Value: 'payments' }])
    expect(c.roles[1]?.path).toBe('/irsa/')
  })

  it('an empty file is an empty config', () => {
    expect(parseConfig('', 'x')).toEqual({ providers: [], policies: [], roles: [] })
  })

  it('rejects unknown keys with the YAML path and line', () => {
    expect(errorOf('roles:\n  - name: a\n    serviceAccounts: [a/b]\n    trsut: {}\n')).toBe('irsa.yaml:4: roles[0].trsut: unknown key (allowed: name, path, description, maxSessionDuration, trust, provider, inlinePolicies, managedPolicies, permissionsBoundary, tags, serviceAccounts)')
    expect(errorOf('provider:\n  - url: https://x\n')).toMatch(/^irsa\.yaml:1: provider: unknown key/)
  })

  it('checks policy documents with IAM validation', () => {
    const msg = errorOf('policies:\n  - name: p\n    document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject"}]}\n')
    expect(msg).toMatch(/^irsa\.yaml:3: policies\[0\]\.document: MalformedPolicyDocument: /)
    expect(errorOf('policies:\n  - name: p\n    document: "{not json"\n')).toMatch(/^irsa\.yaml:3: policies\[0\]\.document: MalformedPolicyDocument/)
  })

  it('rejects bad values, references and duplicates', () => {
    expect(errorOf('roles:\n  - name: a\n    maxSessionDuration: 100\n    serviceAccounts: [a/b]\n')).toBe('irsa.yaml:3: roles[0].maxSessionDuration: must be between 3600 and 43200')
    expect(errorOf('roles:\n  - name: a\n    serviceAccounts: [a]\n')).toMatch(/^irsa\.yaml:3: roles\[0\]\.serviceAccounts\[0\]: "a" is not namespace\/name/)
    expect(errorOf('roles:\n  - name: a\n')).toBe('irsa.yaml:2: roles[0]: give trust, serviceAccounts to generate it from, or name the role in podIdentityAssociations')
    expect(errorOf('roles:\n  - name: a\n    serviceAccounts: [a/b]\n    managedPolicies: [nope]\n')).toMatch(/policy "nope" is not declared under policies/)
    expect(errorOf('roles:\n  - name: a\n    serviceAccounts: [a/b]\n  - name: b\n    serviceAccounts: [a/b]\n')).toMatch(/^irsa\.yaml:5: .*already bound to role a/)
    expect(errorOf('roles:\n  - name: a\n    serviceAccounts: [a/b]\n  - name: A\n    serviceAccounts: [c/d]\n')).toMatch(/role A is declared twice/)
    expect(errorOf('providers:\n  - url: http://example.com\n')).toMatch(/is not an allowed issuer URL/)
    expect(errorOf('roles: [\n')).toMatch(/^irsa\.yaml:\d+: invalid YAML/)
    expect(errorOf('- a\n')).toBe('irsa.yaml:1: (top level): expected a mapping')
  })
})
