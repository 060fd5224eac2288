// `irsa contain --aws` through the built CLI (dist/cli/main.js, `npm run build` first) against two IAM
// APIs the SDK talks to: moto_server's and irsa's own. The documents written are read back with
// GetRole/GetRolePolicy and compared whole; --dry-run writes nothing; --undo restores the trust
// policy byte for byte and refuses after a concurrent UpdateAssumeRolePolicy unless --force; on irsa
// a session named in --session-name is refused afterwards while another session of the role works.
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AwsContainmentRecord } from '../../src/respond/containment-records.js'
import { startMoto } from '../support/moto.js'
import { ADMIN, getRole, outcome, policy, startTestServer, trust, webIdentityTrust } from './helpers.js'
import type { TestServer } from './helpers.js'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const run = promisify(execFile)

interface Backend {
  readonly name: string
  readonly url: string
  readonly keys: { readonly accessKeyId: string; readonly secretAccessKey: string }
  readonly iam: IAMClient
  /** A trust policy admitting shop/api and shop/other through an OIDC provider, and its provider. */
  readonly trust: string
  readonly provider: { readonly arn: string; readonly host: string }
  close(): Promise<void>
}

let records: string

/** The built CLI with credentials from the environment (the default chain); the endpoint by flag or by AWS_ENDPOINT_URL. */
async function irsa(b: Backend, args: string[], endpointByEnv = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: records,
    AWS_ACCESS_KEY_ID: b.keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: b.keys.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    // The SDK's Node version notice would share stderr with the one-line errors checked here.
    NODE_NO_WARNINGS: '1',
    ...(endpointByEnv ? { AWS_ENDPOINT_URL: b.url } : {}),
  }
  const all = ['contain', '--aws', ...args, '--records', records, ...(endpointByEnv ? [] : ['--endpoint-url', b.url])]
  try {
    const r = await run(process.execPath, [CLI, ...all], { env, timeout: 60_000 })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }
  }
}

async function trustNow(b: Backend, role: string): Promise<string> {
  return decodeURIComponent((await b.iam.send(new GetRoleCommand({ RoleName: role }))).Role?.AssumeRolePolicyDocument ?? '')
}

const sidOf = (id: string): string => `IrsaContain${id.replace('-', '')}`

/** The trust deny the spec asks for: web identity on the provider's sub, and Pod Identity on the request tags. */
function expectedTrust(before: string, b: Backend, id: string): unknown {
  const doc = JSON.parse(before) as { Version: string; Statement: unknown[] }
  return {
    ...doc,
    Statement: [
      ...doc.Statement,
      { Sid: `${sidOf(id)}N1`, Effect: 'Deny', Principal: { Federated: b.provider.arn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${b.provider.host}:sub`]: 'system:serviceaccount:shop:api' } } },
      {
        Sid: `${sidOf(id)}N2`,
        Effect: 'Deny',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'shop', 'aws:RequestTag/kubernetes-service-account': 'api' } },
      },
    ],
  }
}

async function startMotoBackend(): Promise<Backend> {
  const m = await startMoto()
  const iam = new IAMClient({ endpoint: m.url, region: m.region, credentials: m.credentials, maxAttempts: 1 })
  const provider = { arn: `arn:aws:iam::${m.account}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/CONTAIN`, host: 'oidc.eks.us-east-1.amazonaws.com/id/CONTAIN' }
  return {
    name: 'moto',
    url: m.url,
    keys: m.credentials,
    iam,
    trust: webIdentityTrust(provider, ['shop/api', 'shop/other']),
    provider,
    async close() {
      iam.destroy()
      await m.close()
    },
  }
}

let server: TestServer | undefined

async function startIrsaBackend(): Promise<Backend> {
  const s = await startTestServer()
  server = s
  const rt = s.serving.rt
  const provider = { arn: rt.ownProviderArn, host: rt.ownProviderArn.slice(rt.ownProviderArn.indexOf('oidc-provider/') + 'oidc-provider/'.length) }
  return { name: 'irsa', url: s.url, keys: ADMIN, iam: s.iam, trust: trust(s, ['shop/api', 'shop/other']), provider, close: () => s.close() }
}

beforeAll(async () => {
  records = await mkdtemp(join(tmpdir(), 'irsa-contain-aws-'))
})
afterAll(async () => {
  await rm(records, { recursive: true, force: true })
})

describe.each([
  ['moto', startMotoBackend],
  ['irsa', startIrsaBackend],
] as const)('irsa contain --aws against %s', (_name, start) => {
  let b: Backend
  let roleArn: string
  let roleId: string
  beforeAll(async () => {
    b = await start()
    const r = await b.iam.send(new CreateRoleCommand({ RoleName: 'api', AssumeRolePolicyDocument: b.trust }))
    roleArn = r.Role?.Arn ?? ''
    roleId = r.Role?.RoleId ?? ''
    await b.iam.send(new PutRolePolicyCommand({ RoleName: 'api', PolicyName: 'read', PolicyDocument: policy({ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }) }))
  }, 60_000)
  afterAll(async () => {
    await b?.close()
  })

  it('--dry-run prints the exact documents and calls and writes nothing', async () => {
    const before = await trustNow(b, 'api')
    const files = await readdir(records)
    const r = await irsa(b, ['--role', roleArn, '--service-account', 'shop/api', '--session-name', 'api-a', '--reason', 'INC-1', '--dry-run', '--format', 'json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const plan = JSON.parse(r.stdout) as AwsContainmentRecord & { action: string }
    expect(plan.action).toBe('dry-run')
    expect(plan.calls.map((c) => [c.api, c.RoleName, c.PolicyName])).toEqual([
      ['UpdateAssumeRolePolicy', 'api', undefined],
      ['PutRolePolicy', 'api', `IrsaContain-${plan.id}`],
    ])
    expect(JSON.parse(plan.calls[0]?.PolicyDocument ?? '')).toEqual(expectedTrust(before, b, plan.id))
    expect(await trustNow(b, 'api')).toBe(before)
    expect((await b.iam.send(new ListRolePoliciesCommand({ RoleName: 'api' }))).PolicyNames).toEqual(['read'])
    expect(await readdir(records)).toEqual(files)
  })

  it('writes the trust deny and the aws:userid deny exactly, keeps a 0600 record, and --undo restores byte for byte', async () => {
    const before = await trustNow(b, 'api')
    const r = await irsa(b, ['--role', roleArn, '--service-account', 'shop/api', '--session-name', 'api-a', 'api-b', '--reason', 'INC-2', '--format', 'json'], true)
    expect(r.code, r.stderr).toBe(0)
    const rec = JSON.parse(r.stdout) as AwsContainmentRecord
    expect(rec.roleId).toBe(roleId)
    expect(JSON.parse(await trustNow(b, 'api'))).toEqual(expectedTrust(before, b, rec.id))
    const inline = await b.iam.send(new GetRolePolicyCommand({ RoleName: 'api', PolicyName: `IrsaContain-${rec.id}` }))
    expect(JSON.parse(decodeURIComponent(inline.PolicyDocument ?? ''))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: sidOf(rec.id), Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { StringEquals: { 'aws:userid': [`${roleId}:api-a`, `${roleId}:api-b`] } } }],
    })
    const file = join(records, `${rec.id}.json`)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(rec.trustPolicy?.before).toBe(before)

    const u = await irsa(b, ['--undo', rec.id])
    expect(u.code, u.stderr).toBe(0)
    expect(u.stdout).toContain('trust policy restored exactly')
    expect(await trustNow(b, 'api')).toBe(before)
    expect(await outcome(b.iam.send(new GetRolePolicyCommand({ RoleName: 'api', PolicyName: `IrsaContain-${rec.id}` })))).toBe('NoSuchEntity')
    const again = await irsa(b, ['--undo', rec.id])
    expect(again.code).toBe(2)
  })

  it('--undo refuses after a concurrent UpdateAssumeRolePolicy, and --force restores the previous policy', async () => {
    const before = await trustNow(b, 'api')
    const r = await irsa(b, ['--role', roleArn, '--service-account', 'shop/api', '--all-sessions', '--reason', 'INC-3', '--format', 'json'])
    expect(r.code, r.stderr).toBe(0)
    const rec = JSON.parse(r.stdout) as AwsContainmentRecord
    const inline = await b.iam.send(new GetRolePolicyCommand({ RoleName: 'api', PolicyName: `IrsaContain-${rec.id}` }))
    expect(JSON.parse(decodeURIComponent(inline.PolicyDocument ?? ''))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: sidOf(rec.id), Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { 'aws:TokenIssueTime': rec.issuedBefore } } }],
    })
    const someoneElse = JSON.stringify({ ...(JSON.parse(await trustNow(b, 'api')) as object), Id: 'edited-meanwhile' })
    await b.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'api', PolicyDocument: someoneElse }))

    const refused = await irsa(b, ['--undo', rec.id])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/^irsa: the trust policy of arn:aws:iam::\d{12}:role\/api changed since containment ctn-[0-9a-f]{12} .*--force.*\n$/)
    expect(await trustNow(b, 'api')).toBe(someoneElse)
    expect(await outcome(b.iam.send(new GetRolePolicyCommand({ RoleName: 'api', PolicyName: `IrsaContain-${rec.id}` })))).toBe('OK')

    const forced = await irsa(b, ['--undo', rec.id, '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).toContain('--force')
    expect(await trustNow(b, 'api')).toBe(before)
    expect(await outcome(b.iam.send(new GetRolePolicyCommand({ RoleName: 'api', PolicyName: `IrsaContain-${rec.id}` })))).toBe('NoSuchEntity')
  })

  it('an IAM API error is one line and a non-zero exit, and nothing is recorded', async () => {
    const files = await readdir(records)
    const r = await irsa(b, ['--role', roleArn.replace(/role\/api$/, 'role/missing'), '--session-name', 'x1', '--reason', 'INC-4'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^irsa: IAM GetRole failed: NoSuchEntity[^\n]*\n$/)
    expect(await readdir(records)).toEqual(files)
  })

  it.runIf(_name === 'irsa')('a session named in --session-name is refused afterwards; another session of the role keeps working', async () => {
    const s = server as TestServer
    const a = await s.assume('api', 'shop', 'api', { sessionName: 'live-a' })
    const other = await s.assume('api', 'shop', 'api', { sessionName: 'live-b' })
    expect([await getRole(s, a, 'api'), await getRole(s, other, 'api')]).toEqual(['OK', 'OK'])
    const r = await irsa(b, ['--role', roleArn, '--service-account', 'shop/api', '--session-name', 'live-a', '--reason', 'INC-5', '--format', 'json'])
    expect(r.code, r.stderr).toBe(0)
    expect([await getRole(s, a, 'api'), await getRole(s, other, 'api')]).toEqual(['AccessDenied', 'OK'])
    // The trust deny refuses new sessions of shop/api; shop/other still gets them.
    expect(await outcome(s.assume('api', 'shop', 'api', { sessionName: 'live-c' }))).toBe('AccessDenied')
    expect(await getRole(s, await s.assume('api', 'shop', 'other', { sessionName: 'other-a' }), 'api')).toBe('OK')
    const u = await irsa(b, ['--undo', (JSON.parse(r.stdout) as AwsContainmentRecord).id])
    expect(u.code, u.stderr).toBe(0)
    expect(await getRole(s, a, 'api')).toBe('OK')
  })
})
