// `irsa apply FILE --dry-run` (the built CLI): prints the plan, as text or irsa-plan/v1 JSON, and
// changes nothing, both against a running server (--endpoint: IAM, EKS and bindings reads only) and
// against the state store directly (--local). Bad input is one line on stderr and a non-zero exit.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { GetAccountAuthorizationDetailsCommand, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam'
import type { IAMClient } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/config-file.js'
import { startLoopbackServer } from '../support/test-server.js'
import type { LoopbackServer } from '../support/test-server.js'

const run = promisify(execFile)
const MAIN = join(process.cwd(), 'dist/cli/main.js')
const ADMIN = { accessKeyId: 'AKIAIRSADRYRUNTEST01', secretAccessKey: 'dryRunTestSecretKeydryRunTestSecretKey01' }
const ENV = { ...process.env, IRSA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, IRSA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }

const LIST = '{Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:ListBucket", Resource: "arn:aws:s3:::payments"}]}'
const COMMON = `
providers:
  - url: https://oidc.eks.us-west-2.amazonaws.com/id/DRYRUN
policies:
  - name: read-payments
    document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::payments/*"}]}
`
const V1 = `${COMMON}
roles:
  - name: payments-reader
    managedPolicies: [read-payments]
    inlinePolicies: {list: ${LIST}}
    tags: {team: payments}
    serviceAccounts: [payments/reader, payments/old]
  - name: payments-batch
    inlinePolicies: {list: ${LIST}}
podIdentityAssociations:
  - {namespace: payments, serviceAccount: batch, role: payments-batch}
`
// payments-reader loses payments/old (trust and binding) and its attachment, gains a tag; a new role and association.
const V2 = `${COMMON}
roles:
  - name: payments-reader
    inlinePolicies: {list: ${LIST}}
    tags: {team: payments, tier: gold}
    serviceAccounts: [payments/reader]
  - name: payments-batch
    inlinePolicies: {list: ${LIST}}
  - name: payments-writer
    inlinePolicies: {list: ${LIST}}
podIdentityAssociations:
  - {namespace: payments, serviceAccount: batch, role: payments-batch}
  - {namespace: payments, serviceAccount: writer, role: payments-writer}
`

let server: LoopbackServer
let iam: IAMClient
let account: string
const file = (name: string, text: string): string => {
  const path = join(server.dir, name)
  writeFileSync(path, text)
  return path
}

interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

async function irsa(...args: string[]): Promise<Ran> {
  try {
    const r = await run('node', [MAIN, ...args], { env: ENV })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}

/** Everything a config can change, read back through the IAM API and the store. */
async function snapshot(): Promise<unknown> {
  const details = await iam.send(new GetAccountAuthorizationDetailsCommand({}))
  const providers = await iam.send(new ListOpenIDConnectProvidersCommand({}))
  const store = server.serving.rt.store
  return {
    roles: details.RoleDetailList,
    policies: details.Policies,
    providers: providers.OpenIDConnectProviderList,
    bindings: await store.listBindings(),
    associations: await store.listPodIdentityAssociations('irsa'),
  }
}

async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const a = srv.address()
  await new Promise<void>((resolve) => srv.close(() => resolve()))
  return typeof a === 'object' && a !== null ? a.port : 0
}

beforeAll(async () => {
  server = await startLoopbackServer({ prefix: 'irsa-dry-run-', admin: ADMIN, config: parseConfig(V1, 'v1.yaml') })
  iam = server.client(ADMIN)
  account = server.serving.rt.account
})
afterAll(async () => {
  await server?.close()
})

describe('irsa apply --dry-run', () => {
  it('--endpoint: prints the plan and changes nothing; the apply then does what it said', async () => {
    const v2 = file('v2.yaml', V2)
    const role = (name: string): string => `arn:aws:iam::${account}:role/${name}`
    const before = await snapshot()
    const text = await irsa('apply', v2, '--endpoint', server.url, '--dry-run')
    expect(text.stderr).toBe('')
    expect(text.code).toBe(0)
    expect(text.stdout.trimEnd().split('\n')).toEqual([
      '~ update trust of role payments-reader',
      '+ tag role payments-reader: tier=gold',
      `- detach arn:aws:iam::${account}:policy/read-payments from role payments-reader`,
      `+ create role payments-writer (${role('payments-writer')})`,
      '+ create inline policy list of role payments-writer',
      `- delete binding payments/old (was ${role('payments-reader')}; no longer listed)`,
      `+ create pod identity association irsa/payments/writer → ${role('payments-writer')}`,
      'Plan: 7 steps; 2 to create, 2 to update, 5 unchanged.',
    ])
    const json = await irsa('apply', v2, '--endpoint', server.url, '--dry-run', '--format', 'json')
    const doc = JSON.parse(json.stdout) as { schema: string; steps: { kind: string; resource: string; name: string; before: unknown; after: unknown }[]; summary: object }
    expect(doc.schema).toBe('irsa-plan/v1')
    expect(doc.steps.map((s) => [s.kind, s.resource, s.name])).toEqual([
      ['update', 'role', 'payments-reader'],
      ['tag', 'role', 'payments-reader'],
      ['detach', 'role', 'payments-reader'],
      ['create', 'role', 'payments-writer'],
      ['create', 'inlinePolicy', 'list'],
      ['delete', 'binding', 'payments/old'],
      ['create', 'podIdentityAssociation', 'irsa/payments/writer'],
    ])
    expect(doc.steps[0]?.before).toContain('system:serviceaccount:payments:old')
    expect(doc.steps[0]?.after).not.toContain('system:serviceaccount:payments:old')
    expect(doc.steps[5]).toMatchObject({ before: { roleArn: role('payments-reader'), audience: null }, after: null })
    expect(doc.summary).toEqual({ create: 2, update: 2, unchanged: 5 })
    expect(await snapshot()).toEqual(before)

    // The apply does what the plan said, and a dry run afterwards plans nothing.
    const applied = await irsa('apply', v2, '--endpoint', server.url, '--format', 'json')
    expect(JSON.parse(applied.stdout)).toMatchObject({ created: 2, updated: 2, unchanged: 5 })
    expect(await snapshot()).not.toEqual(before)
    const again = await irsa('apply', v2, '--endpoint', server.url, '--dry-run')
    expect(again.stdout).toBe('No changes: 8 objects already as the config says.\n')
  })

  it('--local: plans on the state store with the same plan as over the API, and changes nothing', async () => {
    const v1 = file('v1.yaml', V1)
    const remote = await irsa('apply', v1, '--endpoint', server.url, '--dry-run')
    expect(remote.code).toBe(0)
    expect(remote.stdout).toContain('+ attach')
    const before = await snapshot()
    const local = await irsa('apply', v1, '--local', '--data', server.data, '--dry-run')
    expect(local.stderr).toBe('')
    expect(local.stdout).toBe(remote.stdout)
    const json = await irsa('apply', v1, '--local', '--data', server.data, '--dry-run', '--format', 'json')
    expect(JSON.parse(json.stdout)).toMatchObject({ schema: 'irsa-plan/v1' })
    expect(await snapshot()).toEqual(before)

    // Without --dry-run, --local applies on the store the server reads.
    const applied = await irsa('apply', v1, '--local', '--data', server.data)
    expect(applied.code).toBe(0)
    expect(applied.stdout).toMatch(/^updated {3}role {5}payments-reader \(trust policy, -tag tier, \+managed arn:/m)
    expect((await irsa('apply', v1, '--endpoint', server.url, '--dry-run')).stdout).toMatch(/^No changes: /)
  })

  it('bad input is one line on stderr and a non-zero exit, and nothing is planned', async () => {
    const v1 = file('v1.yaml', V1)
    const bad = file('bad.yaml', 'roles:\n  - name: x\n    serviceAccounts: [a/b]\n    colour: blue\n')
    const port = await freePort()
    const [unreachable, notUrl, malformed, noState, both] = await Promise.all([
      irsa('apply', v1, '--endpoint', `http://127.0.0.1:${port}`, '--dry-run'),
      irsa('apply', v1, '--endpoint', 'ftp://127.0.0.1', '--dry-run'),
      irsa('apply', bad, '--endpoint', server.url, '--dry-run'),
      irsa('apply', v1, '--local', '--data', join(server.dir, 'nothing-here'), '--dry-run'),
      irsa('apply', v1, '--local', '--endpoint', server.url, '--dry-run'),
    ])
    expect(unreachable).toMatchObject({ code: 1, stdout: '' })
    expect(unreachable.stderr).toMatch(new RegExp(`^irsa: cannot reach irsa at http://127\\.0\\.0\\.1:${port}: [^\\n]+\\n$`))
    expect(notUrl).toEqual({ code: 2, stdout: '', stderr: 'irsa: --endpoint "ftp://127.0.0.1" is not an http:// or https:// URL\n' })
    expect(malformed).toMatchObject({ code: 2, stdout: '' })
    expect(malformed.stderr).toMatch(/^irsa: [^\n]*bad\.yaml:4: roles\[0\]\.colour: unknown key [^\n]*\n$/)
    expect(noState).toMatchObject({ code: 2, stdout: '' })
    expect(noState.stderr).toMatch(/^irsa: no irsa state at [^\n]*nothing-here[^\n]*\n$/)
    expect(both).toEqual({ code: 2, stdout: '', stderr: 'irsa: --local applies to the state store, --endpoint to a running server: give one of them\n' })
  })
})
