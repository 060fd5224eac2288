// SimulatePrincipalPolicy: decisions from the role's inline, attached and boundary policies, input
// policies and context entries, through the JS SDK v3 and the CLI.
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, PutRolePolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam'
import type { EvaluationResult } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { awsBatch, cliError, policy, sdkError, serviceAccountTrust, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

const ACCOUNT = '111122223333'
const ROLE = `arn:aws:iam::${ACCOUNT}:role/sim`

let s: TestServer
beforeAll(async () => {
  s = await startTestServer()
  const trust = serviceAccountTrust(s, 'ns', 'sim')
  const boundary = await s.iam.send(
    new CreatePolicyCommand({ PolicyName: 'sim-boundary', PolicyDocument: policy({ Effect: 'Allow', Action: ['s3:*', 'iam:Get*'], Resource: '*' }) }),
  )
  const deny = await s.iam.send(
    new CreatePolicyCommand({ PolicyName: 'no-delete', PolicyDocument: policy({ Sid: 'NoDelete', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }) }),
  )
  await s.iam.send(new CreateRoleCommand({ RoleName: 'sim', AssumeRolePolicyDocument: trust, PermissionsBoundary: boundary.Policy?.Arn }))
  await s.iam.send(
    new PutRolePolicyCommand({
      RoleName: 'sim',
      PolicyName: 'main',
      PolicyDocument: JSON.stringify(
        {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'Objects', Effect: 'Allow', Action: ['s3:GetObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::data/*' },
            { Sid: 'Queue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' },
            { Sid: 'FromOffice', Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
          ],
        },
        null,
        2,
      ),
    }),
  )
  await s.iam.send(new AttachRolePolicyCommand({ RoleName: 'sim', PolicyArn: deny.Policy?.Arn }))
})
afterAll(async () => {
  await s.close()
})

function byAction(results: EvaluationResult[] | undefined): Record<string, EvaluationResult> {
  return Object.fromEntries((results ?? []).map((r) => [`${r.EvalActionName} ${r.EvalResourceName}`, r]))
}

describe('SimulatePrincipalPolicy', () => {
  it('allowed, explicitDeny, implicitDeny and the permissions boundary', async () => {
    const r = await s.iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: ROLE,
        ActionNames: ['s3:GetObject', 's3:DeleteObject', 's3:ListBucket', 'sqs:SendMessage'],
        ResourceArns: ['arn:aws:s3:::data/key', 'arn:aws:s3:::other/key'],
      }),
    )
    const d = byAction(r.EvaluationResults)
    expect(r.EvaluationResults).toHaveLength(8)
    expect(r.IsTruncated).toBe(false)
    const get = d['s3:GetObject arn:aws:s3:::data/key']
    expect(get?.EvalDecision).toBe('allowed')
    expect(get?.MatchedStatements).toEqual([{ SourcePolicyId: 'main', SourcePolicyType: 'role', StartPosition: { Line: 4, Column: 5 }, EndPosition: { Line: 12, Column: 6 } }])
    expect(get?.PermissionsBoundaryDecisionDetail).toEqual({ AllowedByPermissionsBoundary: true })
    expect(d['s3:GetObject arn:aws:s3:::other/key']?.EvalDecision).toBe('implicitDeny')
    const del = d['s3:DeleteObject arn:aws:s3:::data/key']
    expect(del?.EvalDecision).toBe('explicitDeny')
    expect(del?.MatchedStatements?.[0]).toMatchObject({ SourcePolicyId: 'no-delete', SourcePolicyType: 'user-managed' })
    expect(d['s3:ListBucket arn:aws:s3:::data/key']?.EvalDecision).toBe('implicitDeny')
    expect(d['s3:ListBucket arn:aws:s3:::data/key']?.MatchedStatements).toEqual([])
    // Allowed by the inline policy, but not by the boundary.
    const sqs = d['sqs:SendMessage arn:aws:s3:::data/key']
    expect(sqs?.EvalDecision).toBe('implicitDeny')
    expect(sqs?.PermissionsBoundaryDecisionDetail).toEqual({ AllowedByPermissionsBoundary: false })
  })

  it('context entries, missing context values, input policies and a replacement boundary', async () => {
    const withoutIp = await s.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE, ActionNames: ['s3:PutObject'] }))
    expect(withoutIp.EvaluationResults?.[0]).toMatchObject({ EvalDecision: 'implicitDeny', EvalResourceName: '*', MissingContextValues: ['aws:SourceIp'] })
    const ip = (value: string) =>
      s.iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: ROLE,
          ActionNames: ['s3:PutObject'],
          ContextEntries: [{ ContextKeyName: 'aws:SourceIp', ContextKeyValues: [value], ContextKeyType: 'ip' }],
        }),
      )
    expect((await ip('10.1.2.3')).EvaluationResults?.[0]).toMatchObject({ EvalDecision: 'allowed', MissingContextValues: [] })
    expect((await ip('192.0.2.1')).EvaluationResults?.[0]?.EvalDecision).toBe('implicitDeny')

    const input = await s.iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: ROLE,
        ActionNames: ['s3:ListBucket', 'sqs:SendMessage'],
        PolicyInputList: [policy({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' })],
        PermissionsBoundaryPolicyInputList: [policy({ Effect: 'Allow', Action: ['s3:*', 'sqs:*'], Resource: '*' })],
      }),
    )
    const d = byAction(input.EvaluationResults)
    expect(d['s3:ListBucket *']).toMatchObject({ EvalDecision: 'allowed', MatchedStatements: [{ SourcePolicyId: 'PolicyInputList.1' }] })
    expect(d['sqs:SendMessage *']?.EvalDecision).toBe('allowed')
  })

  it('pages results and answers errors', async () => {
    const page = await s.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE, ActionNames: ['s3:GetObject', 's3:PutObject', 'sqs:SendMessage'], MaxItems: 2 }))
    expect(page.EvaluationResults?.map((r) => r.EvalActionName)).toEqual(['s3:GetObject', 's3:PutObject'])
    expect(page.IsTruncated).toBe(true)
    const rest = await s.iam.send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE, ActionNames: ['s3:GetObject', 's3:PutObject', 'sqs:SendMessage'], MaxItems: 2, Marker: page.Marker }),
    )
    expect(rest.EvaluationResults?.map((r) => r.EvalActionName)).toEqual(['sqs:SendMessage'])

    expect(await sdkError(s.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/ghost`, ActionNames: ['s3:GetObject'] })))).toEqual({
      code: 'NoSuchEntity',
      status: 404,
      message: 'The role with name ghost cannot be found.',
    })
    const malformed = await sdkError(
      s.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE, ActionNames: ['s3:GetObject'], PolicyInputList: ['{"Version":"2012-10-17"}'] })),
    )
    expect(malformed.code).toBe('MalformedPolicyDocument')
    expect(await sdkError(s.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE, ActionNames: undefined })))).toMatchObject({ code: 'ValidationError' })
  })

  it('the CLI prints the evaluation results', async () => {
    const [ok, missing] = await awsBatch(s, [
      ['iam', 'simulate-principal-policy', '--policy-source-arn', ROLE, '--action-names', 's3:PutObject', 's3:DeleteObject',
        '--context-entries', 'ContextKeyName=aws:SourceIp,ContextKeyValues=10.0.0.1,ContextKeyType=ip'],
      ['iam', 'simulate-principal-policy', '--policy-source-arn', `arn:aws:iam::${ACCOUNT}:role/ghost`, '--action-names', 's3:GetObject'],
    ])
    const results = (ok?.json as { EvaluationResults: Record<string, unknown>[] }).EvaluationResults
    expect(results.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision])).toEqual([
      ['s3:PutObject', '*', 'allowed'],
      ['s3:DeleteObject', '*', 'explicitDeny'],
    ])
    expect(results[1]).toMatchObject({ MatchedStatements: [{ SourcePolicyId: 'no-delete', SourcePolicyType: 'user-managed' }], MissingContextValues: [] })
    expect(cliError(missing!)?.code).toBe('NoSuchEntity')
  })
})
