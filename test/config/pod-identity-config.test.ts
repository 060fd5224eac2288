// `podIdentityAssociations:` in the declarative config: parsed strictly, applied at `irsa serve
// --config` through the Store, and to a running server through the EKS API (remote target).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyConfig } from '../../src/config/apply.js'
import { parseConfig } from '../../src/config/config-file.js'
import { remoteTarget } from '../../src/config/remote-target.js'
import { startServer } from '../../src/cli/serve.js'
import type { Serving } from '../../src/cli/serve.js'
import { isIrsaError } from '../../src/errors.js'

const ADMIN = { IRSA_ADMIN_ACCESS_KEY_ID: 'AKIAIRSACONFIGPODID1', IRSA_ADMIN_SECRET_ACCESS_KEY: 'configPodIdSecretKeyconfigPodIdSecretKe' }

const V1 = `
roles:
  - name: orders
    inlinePolicies:
      read: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}
  - name: billing
    serviceAccounts: [shop/billing]
podIdentityAssociations:
  - namespace: shop
    serviceAccount: orders
    role: orders
    tags: {team: shop}
  - namespace: shop
    serviceAccount: billing-pi
    role: billing
`
// orders/orders moves to the billing role; the orders role stays in use through a new association.
const V2 = `${V1.replace('role: orders\n', 'role: billing\n')}  - namespace: shop\n    serviceAccount: orders-v2\n    role: orders\n`

let dir: string
let serving: Serving
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-config-pi-'))
  serving = await startServer({ host: '127.0.0.1', port: 0, data: join(dir, 'data'), env: ADMIN, config: parseConfig(V1, 'v1.yaml') }, () => {})
})
afterAll(async () => {
  await serving?.close()
  rmSync(dir, { recursive: true, force: true })
})

const errorOf = (text: string): string => {
  try {
    parseConfig(text, 'irsa.yaml')
  } catch (e) {
    if (isIrsaError(e)) return e.message
    throw e
  }
  return 'no error'
}

describe('podIdentityAssociations in the config', () => {
  it('are validated with the YAML path and line', () => {
    expect(errorOf('podIdentityAssociations:\n  - namespace: a\n    serviceAccount: b\n    role: nope\n')).toBe(
      'irsa.yaml:4: podIdentityAssociations[0].role: role "nope" is not declared under roles (refer to other roles by ARN)',
    )
    expect(errorOf('podIdentityAssociations:\n  - namespace: Bad_NS\n    serviceAccount: b\n    role: arn:aws:iam::111122223333:role/r\n')).toContain('podIdentityAssociations[0].namespace: "Bad_NS" is not a Kubernetes namespace name')
    const twice = 'podIdentityAssociations:\n  - {namespace: a, serviceAccount: b, role: "arn:aws:iam::111122223333:role/r"}\n  - {namespace: a, serviceAccount: b, role: "arn:aws:iam::111122223333:role/s"}\n'
    expect(errorOf(twice)).toContain('has two pod identity associations')
  })

  it('irsa serve --config creates them, and a role named only by an association gets the Pod Identity trust', async () => {
    const rt = serving.rt
    const list = await rt.store.listPodIdentityAssociations('irsa')
    expect(list.map((a) => [a.namespace, a.serviceAccount, a.roleArn, a.tags])).toEqual([
      ['shop', 'billing-pi', `arn:aws:iam::${rt.account}:role/billing`, {}],
      ['shop', 'orders', `arn:aws:iam::${rt.account}:role/orders`, { team: 'shop' }],
    ])
    const orders = JSON.parse((await rt.store.getRole(rt.account, 'orders'))?.trustPolicy ?? '{}') as { Statement: { Principal: object }[] }
    expect(orders.Statement.map((s) => s.Principal)).toEqual([{ Service: 'pods.eks.amazonaws.com' }])
    const billing = JSON.parse((await rt.store.getRole(rt.account, 'billing'))?.trustPolicy ?? '{}') as { Statement: { Principal: object }[] }
    expect(billing.Statement.map((s) => s.Principal)).toEqual([{ Federated: rt.ownProviderArn }, { Service: 'pods.eks.amazonaws.com' }])
  })

  it('irsa apply (remote, through the EKS API) updates the role of an association and leaves the rest unchanged', async () => {
    const target = await remoteTarget({ endpoint: serving.url, accessKeyId: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN.IRSA_ADMIN_SECRET_ACCESS_KEY })
    try {
      const report = await applyConfig(parseConfig(V2, 'v2.yaml'), target)
      const pia = report.items.filter((i) => i.kind === 'podIdentityAssociation').map((i) => [i.name, i.status])
      expect(pia).toEqual([
        ['irsa/shop/orders', 'updated'],
        ['irsa/shop/billing-pi', 'unchanged'],
        ['irsa/shop/orders-v2', 'created'],
      ])
      const again = await applyConfig(parseConfig(V2, 'v2.yaml'), target)
      expect(again.items.filter((i) => i.kind === 'podIdentityAssociation').every((i) => i.status === 'unchanged')).toBe(true)
    } finally {
      target.close()
    }
    const orders = (await serving.rt.store.listPodIdentityAssociations('irsa')).find((a) => a.serviceAccount === 'orders')
    expect(orders?.roleArn).toBe(`arn:aws:iam::${serving.rt.account}:role/billing`)
  })
})
