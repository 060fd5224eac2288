// The IRSA happy path with unmodified clients over loopback: the role is created with the AWS CLI
// through irsa's IAM API, then each SDK runs the web-identity flow from the environment the EKS
// webhook injects (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ENDPOINT_URL_STS, region) and
// calls GetCallerIdentity signed with the issued credentials.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { fromTokenFile, fromWebToken } from '@aws-sdk/credential-providers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminEnv, assumedArn, boto3, irsaEnv, MAIN, REGION, roleArn, sh, startTestServer, trustFor } from './helpers.js'
import type { TestServer } from './helpers.js'

const ROLE = 'app-reader'
let t: TestServer
let tokenFile: string

beforeAll(async () => {
  t = await startTestServer()
  const trust = t.file('trust.json', trustFor(t, 'default', 'app'))
  const create = await sh('aws', ['iam', 'create-role', '--role-name', ROLE, '--assume-role-policy-document', `file://${trust}`, '--output', 'json'], adminEnv(t, t.home()))
  expect(create.stderr).toBe('')
  expect(JSON.parse(create.stdout)).toMatchObject({ Role: { RoleName: ROLE, Arn: roleArn(t, ROLE), MaxSessionDuration: 3600 } })
  tokenFile = t.file('token', await t.token({ namespace: 'default', serviceAccount: 'app' }))
})
afterAll(async () => t?.close())

describe('web identity with real clients', () => {
  it('AWS CLI v1: aws sts get-caller-identity', async () => {
    const env = irsaEnv(t, { roleArn: roleArn(t, ROLE), tokenFile, home: t.home(), sessionName: 'cli-session' })
    const r = await sh('aws', ['sts', 'get-caller-identity', '--output', 'json'], env)
    expect(r.stderr).toBe('')
    const id = JSON.parse(r.stdout) as { Arn: string; Account: string; UserId: string }
    expect(id.Arn).toBe(assumedArn(t, ROLE, 'cli-session'))
    expect(id.Account).toBe(t.serving.rt.account)
    const role = await t.serving.rt.store.getRole(t.serving.rt.account, ROLE)
    expect(id.UserId).toBe(`${role?.roleId}:cli-session`)
  })

  it('boto3: the default credential chain, and the raw AssumeRoleWithWebIdentity response', async () => {
    const env = irsaEnv(t, { roleArn: roleArn(t, ROLE), tokenFile, home: t.home(), sessionName: 'boto3-session' })
    const token = (await import('node:fs')).readFileSync(tokenFile, 'utf8')
    const [chain, raw] = await boto3(t, [
      { op: 'chain', env: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('AWS_'))) as Record<string, string> },
      { op: 'assume', params: { RoleArn: roleArn(t, ROLE), RoleSessionName: 'raw', WebIdentityToken: token } },
    ])
    expect(chain).toEqual({ ok: true, result: expect.objectContaining({ Arn: assumedArn(t, ROLE, 'boto3-session'), Account: t.serving.rt.account }) })
    expect(raw?.ok).toBe(true)
    const result = (raw as { result: Record<string, unknown> }).result
    expect(result).toMatchObject({
      SubjectFromWebIdentityToken: 'system:serviceaccount:default:app',
      Audience: 'sts.amazonaws.com',
      AssumedRoleUser: { Arn: assumedArn(t, ROLE, 'raw') },
      Provider: t.serving.rt.ownProviderArn,
    })
    const creds = result.Credentials as { AccessKeyId: string; SecretAccessKey: string; Expiration: string }
    expect(creds.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/)
    expect(creds.SecretAccessKey).toHaveLength(40)
    // botocore parsed Expiration as a datetime: about an hour from now.
    expect(Math.abs(Date.parse(creds.Expiration) - (Date.now() + 3600_000))).toBeLessThan(120_000)
    expect(result).not.toHaveProperty('PackedPolicySize')
  })

  it('JS v3: fromTokenFile from the environment, and fromWebToken', async () => {
    const saved = { ...process.env }
    try {
      Object.assign(process.env, irsaEnv(t, { roleArn: roleArn(t, ROLE), tokenFile, home: t.home(), sessionName: 'js-session' }))
      for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[k]
      const fromFile = new STSClient({ credentials: fromTokenFile() })
      const a = await fromFile.send(new GetCallerIdentityCommand({}))
      expect(a.Arn).toBe(assumedArn(t, ROLE, 'js-session'))
      fromFile.destroy()
      // The default chain (no credentials option) finds the same provider.
      const chain = new STSClient({})
      expect((await chain.send(new GetCallerIdentityCommand({}))).Arn).toBe(assumedArn(t, ROLE, 'js-session'))
      chain.destroy()
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
      Object.assign(process.env, saved)
    }
    const token = await t.token({ namespace: 'default', serviceAccount: 'app' })
    const web = new STSClient({
      region: REGION,
      endpoint: t.url,
      credentials: fromWebToken({ roleArn: roleArn(t, ROLE), webIdentityToken: token, roleSessionName: 'web-token', clientConfig: { region: REGION, endpoint: t.url } }),
    })
    const b = await web.send(new GetCallerIdentityCommand({}))
    expect(b.Arn).toBe(assumedArn(t, ROLE, 'web-token'))
    expect(b.Account).toBe(t.serving.rt.account)
    web.destroy()
  })

  it('irsa exec -- aws sts get-caller-identity (built CLI)', async () => {
    const env = { ...adminEnv(t, t.home()) }
    delete env.AWS_ENDPOINT_URL
    const r = await sh('node', [MAIN, 'exec', '--data', t.data, '--namespace', 'default', '--service-account', 'app', '--role-arn', roleArn(t, ROLE), '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], env)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ Arn: assumedArn(t, ROLE, 'irsa-default-app'), Account: t.serving.rt.account })
  })
})
