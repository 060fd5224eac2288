// `irsa contain --service-account` against EKS Pod Identity, end to end on a real server: a Pod
// Identity session from the agent endpoint /v1/credentials (the JS SDK's container provider), the
// containment through the CLI command, then the old session refused and new credentials refused,
// while another service account on the same role (Pod Identity and IRSA) keeps working; --undo
// restores access; --delete-association removes the association and --undo recreates it exactly.
import { join } from 'node:path'
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { fromHttp } from '@aws-sdk/credential-providers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { containCommand } from '../../src/cli/contain.js'
import type { ContainFlags } from '../../src/cli/contain.js'
import type { ContainmentRecord } from '../../src/respond/containment-store.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'
import { CLUSTER, REGION, startTestServer } from '../eks/helpers.js'
import type { Credentials, TestServer } from '../eks/helpers.js'

let t: TestServer
let roleArn: string

const data = (): string => join(t.dir, 'data')

/** Credentials from the agent endpoint through the SDK's HTTP container provider. */
async function podIdentity(serviceAccount: string, pod: string): Promise<Credentials> {
  const token = await t.token({ namespace: 'shop', serviceAccount, pod })
  const c = await fromHttp({ awsContainerCredentialsFullUri: `${t.url}/v1/credentials`, awsContainerAuthorizationToken: token })()
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken === undefined ? {} : { sessionToken: c.sessionToken }) }
}

/** The raw agent answer (status and body) for a fresh token of shop/NAME. */
async function agent(serviceAccount: string): Promise<{ status: number; body: string }> {
  const token = await t.token({ namespace: 'shop', serviceAccount, pod: `${serviceAccount}-new` })
  const r = await fetch(`${t.url}/v1/credentials`, { headers: { authorization: token } })
  return { status: r.status, body: await r.text() }
}

/** IRSA: a web-identity exchange for shop/NAME through the SDK. */
async function irsa(serviceAccount: string): Promise<Credentials> {
  const { token } = await issueServiceAccountToken(t.serving.rt, { namespace: 'shop', serviceAccount, expirationSeconds: 3600 })
  const sts = new STSClient({ endpoint: t.url, region: REGION, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 })
  try {
    const c = (await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: `${serviceAccount}-irsa`, WebIdentityToken: token }))).Credentials
    return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }
  } finally {
    sts.destroy()
  }
}

/** `iam get-role` with session credentials: 'OK' or the error name. */
async function getRole(creds: Credentials): Promise<string> {
  const iam = new IAMClient({ endpoint: t.url, region: REGION, credentials: creds, maxAttempts: 1 })
  try {
    await iam.send(new GetRoleCommand({ RoleName: 'shared' }))
    return 'OK'
  } catch (e) {
    return (e as Error).name
  } finally {
    iam.destroy()
  }
}

async function cli(flags: Omit<ContainFlags, 'data'>): Promise<{ text: string; json: ContainmentRecord }> {
  let text = ''
  expect(await containCommand({ ...flags, data: data(), format: 'text' }, { stdout: (x) => (text += x), now: () => Date.now() })).toBe(0)
  const listed: ContainmentRecord[] = []
  await containCommand({ list: true, data: data(), format: 'json' }, { stdout: (x) => listed.push(...(JSON.parse(x) as ContainmentRecord[])), now: () => Date.now() })
  const json = listed.at(-1) as ContainmentRecord
  return { text, json }
}

const associations = async (): Promise<unknown[]> => (await t.serving.rt.store.listPodIdentityAssociations(CLUSTER)).filter((a) => a.namespace === 'shop').sort((a, b) => a.serviceAccount.localeCompare(b.serviceAccount))

beforeAll(async () => {
  t = await startTestServer()
  const rt = t.serving.rt
  const host = issuerHostPath(rt.issuer)
  // One role for both mechanisms: Pod Identity for any pod of the cluster, IRSA for shop/checkout and shop/reports.
  roleArn = await t.createRole(
    'shared',
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
        {
          Effect: 'Allow',
          Principal: { Federated: rt.ownProviderArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${host}:sub`]: ['system:serviceaccount:shop:checkout', 'system:serviceaccount:shop:reports'], [`${host}:aud`]: 'sts.amazonaws.com' } },
        },
      ],
    },
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }] },
  )
  const { createAssociation, operatorCaller } = await import('../../src/eks/associations.js')
  await createAssociation(rt, CLUSTER, { namespace: 'shop', serviceAccount: 'checkout', roleArn, tags: { team: 'payments' } }, operatorCaller(rt))
  await createAssociation(rt, CLUSTER, { namespace: 'shop', serviceAccount: 'ledger', roleArn }, operatorCaller(rt))
})
afterAll(async () => t?.close())

describe('contain --service-account with EKS Pod Identity', () => {
  it('revokes the old Pod Identity session and refuses new credentials, and only for that account', async () => {
    const old = await podIdentity('checkout', 'checkout-1')
    const oldIrsa = await irsa('checkout')
    const neighbour = await podIdentity('ledger', 'ledger-1')
    const neighbourIrsa = await irsa('reports')
    for (const c of [old, oldIrsa, neighbour, neighbourIrsa]) expect(await getRole(c)).toBe('OK')
    const trustBefore = (await t.serving.rt.store.getRole(t.account, 'shared'))?.trustPolicy

    const { text, json } = await cli({ role: roleArn, serviceAccount: 'shop/checkout', reason: 'INC-7 pod token leaked' })

    // The contained account: its old Pod Identity and IRSA sessions are refused, and it gets no new ones.
    expect(await getRole(old)).toBe('AccessDenied')
    expect(await getRole(oldIrsa)).toBe('AccessDenied')
    const refused = await agent('checkout')
    expect(refused.status).toBe(400)
    expect(refused.body).toMatch(/\(AccessDeniedException\): Not authorized to assume role .*sts:AssumeRole \(ExplicitDeny/)
    await expect(irsa('checkout')).rejects.toMatchObject({ name: 'AccessDenied' })
    // The output names the account's association, and how to remove it.
    const [assoc] = await t.serving.rt.store.listPodIdentityAssociations(CLUSTER).then((l) => l.filter((a) => a.serviceAccount === 'checkout'))
    expect(text).toContain(`Pod Identity association ${assoc?.associationId} (cluster ${CLUSTER}) → ${roleArn}: kept (remove with --delete-association)`)
    expect(json.podIdentityAssociations?.map((a) => [a.associationId, a.roleArn])).toEqual([[assoc?.associationId, roleArn]])

    // Its neighbours on the same role, Pod Identity and IRSA, old and new sessions alike, keep working.
    expect(await getRole(neighbour)).toBe('OK')
    expect(await getRole(neighbourIrsa)).toBe('OK')
    expect(await getRole(await podIdentity('ledger', 'ledger-2'))).toBe('OK')
    expect(await getRole(await irsa('reports'))).toBe('OK')

    // --undo restores the documents exactly and the account's access.
    const undone = await cli({ undo: json.id, reason: 'INC-7 closed' })
    expect(undone.json.undo).toEqual({ revokePolicy: 'restored', trustPolicy: 'restored' })
    expect((await t.serving.rt.store.getRole(t.account, 'shared'))?.trustPolicy).toBe(trustBefore)
    expect(await t.serving.rt.store.getRolePolicy(roleArn, 'AWSRevokeOlderSessions')).toBeUndefined()
    expect(await getRole(old)).toBe('OK')
    expect(await getRole(await podIdentity('checkout', 'checkout-2'))).toBe('OK')
  })

  it('--delete-association removes the association (logged), and --undo recreates it exactly', async () => {
    const before = await associations()
    const { text, json } = await cli({ role: roleArn, serviceAccount: 'shop/checkout', deleteAssociation: true, reason: 'INC-8' })
    const id = json.podIdentityAssociations?.[0]?.associationId ?? ''
    expect(id).toMatch(/^a-[a-z0-9]{17}$/)
    expect(text).toContain(`Pod Identity association ${id} (cluster ${CLUSTER}) → ${roleArn}: REMOVED`)
    expect(json.changes.deletedAssociations?.map((a) => a.associationId)).toEqual([id])
    expect((await associations()).map((a) => (a as { serviceAccount: string }).serviceAccount)).toEqual(['ledger'])
    expect((await agent('checkout')).status).toBe(404)
    expect(await getRole(await podIdentity('ledger', 'ledger-3'))).toBe('OK')

    const undone = await cli({ undo: json.id, reason: 'INC-8 closed' })
    expect(undone.json.undo?.associations).toEqual({ [id]: 'recreated' })
    expect(undone.text).toContain('undo: recreated')
    expect(await associations()).toEqual(before)
    expect(await getRole(await podIdentity('checkout', 'checkout-3'))).toBe('OK')

    const log = (await t.serving.rt.store.listDecisions({ limit: 500 })).filter((d) => d.detail?.containmentId === json.id)
    expect(log.map((d) => [d.action, d.detail?.associationId ?? null])).toEqual([
      ['eks:DeletePodIdentityAssociation', id],
      ['irsa:Contain', null],
      ['eks:CreatePodIdentityAssociation', id],
      ['irsa:Undo', null],
    ])
  })
})
