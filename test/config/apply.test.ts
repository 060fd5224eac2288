// Applying a config: on the Store at start (`serve --config`), then over the IAM API and the bindings
// endpoint of the running server (`irsa apply`). Twice in a row changes nothing the second time.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyConfig } from '../../src/config/apply.js'
import { parseConfig } from '../../src/config/config-file.js'
import { remoteTarget } from '../../src/config/remote-target.js'
import { startServer } from '../../src/cli/serve.js'
import type { Serving } from '../../src/cli/serve.js'
import { PAYMENTS_POLICY_AND_ROLE } from './payments-config.js'

const run = promisify(execFile)
const ADMIN = { IRSA_ADMIN_ACCESS_KEY_ID: 'AKIAIRSAAPPLYTEST001', IRSA_ADMIN_SECRET_ACCESS_KEY: 'applytestsecretapplytestsecretapplytest1' }
const MAIN = join(process.cwd(), 'dist/cli/main.js')

const V1 = `
providers:
  - url: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE
    clientIds: [sts.amazonaws.com]${PAYMENTS_POLICY_AND_ROLE}`
const V2 = `
providers:
  - url: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE
    clientIds: [sts.amazonaws.com, other]
policies:
  - name: read-payments
    document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: "arn:aws:s3:::payments/*"}]}
roles:
  - name: payments-reader
    description: reads payments v2
    maxSessionDuration: 7200
    inlinePolicies:
      get: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}
    permissionsBoundary: read-payments
    tags: {team: payments, tier: gold}
    serviceAccounts: [payments/reader, payments/batch]
  - name: eks-app
    path: /irsa/
    provider: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE
    serviceAccounts: [default/app]
`

let dir: string
let serving: Serving

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-apply-'))
  writeFileSync(join(dir, 'v1.yaml'), V1)
  writeFileSync(join(dir, 'v2.yaml'), V2)
  serving = await startServer({ host: '127.0.0.1', port: 0, data: join(dir, 'data'), env: ADMIN, config: parseConfig(V1, 'v1.yaml') }, () => {})
})
afterAll(async () => {
  await serving?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('apply', () => {
  it('serve --config applied v1 on the store, with the generated trust on the own issuer', async () => {
    const rt = serving.rt
    const role = await rt.store.getRole(rt.account, 'payments-reader')
    expect(role).toBeDefined()
    const trust = JSON.parse(role?.trustPolicy ?? '{}') as { Statement: { Principal: { Federated: string }; Condition: { StringEquals: Record<string, string> } }[] }
    expect(trust.Statement[0]?.Principal.Federated).toBe(rt.ownProviderArn)
    const key = rt.issuer.replace(/^https?:\/\//, '')
    expect(trust.Statement[0]?.Condition.StringEquals).toEqual({ [`${key}:sub`]: 'system:serviceaccount:payments:reader', [`${key}:aud`]: 'sts.amazonaws.com' })
    expect(await rt.store.listBindings()).toEqual([{ namespace: 'payments', serviceAccount: 'reader', roleArn: role?.arn, audience: undefined }])
    // Applying the same config on the store again changes nothing.
    const { storeTarget } = await import('../../src/config/store-target.js')
    const again = await applyConfig(parseConfig(V1), storeTarget(rt))
    expect(again.created + again.updated).toBe(0)
  })

  it('remotely: v1 again is unchanged; v2 updates; v2 again is unchanged', async () => {
    const target = await remoteTarget({ endpoint: serving.url, accessKeyId: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN.IRSA_ADMIN_SECRET_ACCESS_KEY })
    try {
      const same = await applyConfig(parseConfig(V1), target)
      expect(same.items.filter((i) => i.status !== 'unchanged')).toEqual([])
      const v2 = await applyConfig(parseConfig(V2), target)
      const byName = Object.fromEntries(v2.items.map((i) => [`${i.kind}:${i.name}`, i]))
      expect(byName['provider:https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE']?.changes).toEqual(['+clientId other'])
      expect(byName['policy:read-payments']?.status).toBe('updated')
      expect(byName['role:payments-reader']?.changes).toEqual(
        expect.arrayContaining(['description', 'maxSessionDuration 3600 → 7200', '+tag tier', '+inline get', '-inline list', expect.stringMatching(/^permissionsBoundary arn:/), expect.stringMatching(/^-managed arn:/)]),
      )
      expect(byName['role:eks-app']?.status).toBe('created')
      expect(byName['binding:payments/batch']?.status).toBe('created')
      expect(byName['binding:default/app']?.status).toBe('created')
      const again = await applyConfig(parseConfig(V2), target)
      expect(again.items.filter((i) => i.status !== 'unchanged')).toEqual([])
      expect(again.unchanged).toBe(again.items.length)
    } finally {
      target.close()
    }
    const role = await serving.rt.store.getRole(serving.rt.account, 'eks-app')
    expect(role?.trustPolicy).toContain('oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE')
  })

  it('irsa apply (built CLI): json report, exit 2 on a bad file, exit 1 on a conflict', async () => {
    const env = { ...process.env, ...ADMIN }
    const ok = await run('node', [MAIN, 'apply', join(dir, 'v2.yaml'), '--endpoint', serving.url, '--format', 'json'], { env })
    const report = JSON.parse(ok.stdout) as { created: number; updated: number; unchanged: number }
    expect(report.created + report.updated).toBe(0)
    const text = await run('node', [MAIN, 'apply', join(dir, 'v2.yaml'), '--endpoint', serving.url], { env })
    expect(text.stdout).toMatch(/^unchanged role {5}payments-reader$/m)

    writeFileSync(join(dir, 'bad.yaml'), 'roles:\n  - name: x\n    serviceAccounts: [a/b]\n    colour: blue\n')
    const bad = await run('node', [MAIN, 'apply', join(dir, 'bad.yaml'), '--endpoint', serving.url], { env }).catch((e: { code: number; stderr: string }) => e)
    expect('code' in bad && bad.code).toBe(2)
    expect(bad.stderr).toBe(`irsa: ${join(dir, 'bad.yaml')}:4: roles[0].colour: unknown key (allowed: name, path, description, maxSessionDuration, trust, provider, inlinePolicies, managedPolicies, permissionsBoundary, tags, serviceAccounts)\n`)

    writeFileSync(join(dir, 'conflict.yaml'), 'roles:\n  - name: payments-reader\n    path: /elsewhere/\n    serviceAccounts: [payments/reader]\n')
    const conflict = await run('node', [MAIN, 'apply', join(dir, 'conflict.yaml'), '--endpoint', serving.url], { env }).catch((e: { code: number; stderr: string }) => e)
    expect('code' in conflict && conflict.code).toBe(1)
    expect(conflict.stderr).toMatch(/^irsa: conflict: role payments-reader exists with path \/, the file says \/elsewhere\//)
  })

  it('the bindings endpoint is admin-only and SigV4-authenticated', async () => {
    const res = await fetch(`${serving.url}/irsa/v1/bindings`)
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ error: { code: 'MissingAuthenticationToken', message: expect.any(String) } })
  })
})
