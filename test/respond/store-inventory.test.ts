// The audit of the server's own state (dashboard findings, `irsa investigate`) sees the store's EKS
// Pod Identity associations: a broken association is reported, a working one is not.
import { CreateRoleCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAudit } from '../../src/audit/audit.js'
import { buildGraph } from '../../src/audit/graph.js'
import { createAssociation, operatorCaller } from '../../src/eks/associations.js'
import { ownCluster } from '../../src/eks/cluster.js'
import { storeInventory } from '../../src/audit/load/store.js'
import { startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

const POD_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
})
const ASSUME_ONLY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
})

describe('store inventory with Pod Identity associations', () => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer()
    await s.iam.send(new CreateRoleCommand({ RoleName: 'podid-ok', AssumeRolePolicyDocument: POD_TRUST }))
    await s.iam.send(new CreateRoleCommand({ RoleName: 'podid-no-tag', AssumeRolePolicyDocument: ASSUME_ONLY }))
    const cluster = (await ownCluster(s.serving.rt)).name
    await createAssociation(s.serving.rt, cluster, { namespace: 'shop', serviceAccount: 'cart', roleArn: s.roleArn('podid-ok') }, operatorCaller(s.serving.rt))
    await createAssociation(s.serving.rt, cluster, { namespace: 'shop', serviceAccount: 'billing', roleArn: s.roleArn('podid-no-tag') }, operatorCaller(s.serving.rt))
  }, 60_000)
  afterAll(async () => s.close())

  it('carries the associations with the cluster ARN, and the auditor flags only the broken one', async () => {
    const inv = await storeInventory(s.serving.rt)
    expect(inv.iam.podIdentityAssociations.map((a) => `${a.namespace}/${a.serviceAccount}`).sort()).toEqual(['shop/billing', 'shop/cart'])
    expect(inv.iam.clusters[0]?.arn).toBe((await ownCluster(s.serving.rt)).arn)
    const findings = runAudit(buildGraph(inv), { now: new Date(s.serving.rt.clock.now()) }).findings
    const drift = findings.filter((f) => f.ruleId === 'IRSA-LIFE-003' && f.evidence.via === 'pod-identity-association')
    expect(drift.map((f) => f.resources.map((r) => r.arn).find((a) => a?.includes(':role/')))).toEqual([s.roleArn('podid-no-tag')])
  })
})
