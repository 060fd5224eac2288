// Property-based fuzzing of the Pod Identity association API (POST create / POST update on a real
// server on loopback), fast-check with fixed seeds and bounded runs, signed with SigV4 as the
// session of a caller allowed every eks: action but not iam:PassRole: arbitrary bodies, role ARNs,
// tags and cluster names always get a rest-json 4xx (an x-amzn-ErrorType and a {"message"} body),
// never a 5xx, and never change what is stored.
import { Sha256 } from '@aws-crypto/sha256-js'
import { CreatePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks'
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POD_IDENTITY_TRUST } from '../eks/helpers.js'
import { ADMIN, raw, REGION, startSecServer } from './helpers.js'
import type { Credentials, RawResponse, SecServer } from './helpers.js'

let s: SecServer
let caller: Credentials
let adminRole: string
let existingId: string
let snapshot: string

const POD_TRUST = JSON.stringify(POD_IDENTITY_TRUST)

/** Everything stored about associations, as one comparable string. */
async function stored(): Promise<string> {
  return JSON.stringify(await s.serving.rt.store.listPodIdentityAssociations('irsa'))
}

async function signedPost(path: string, body: string, creds: Credentials): Promise<RawResponse> {
  const u = new URL(s.url)
  const signer = new SignatureV4({ service: 'eks', region: REGION, credentials: creds, sha256: Sha256 })
  const req = await signer.sign(
    new HttpRequest({ method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path, headers: { host: u.host, 'content-type': 'application/json' }, body }),
  )
  return raw(s.url, { method: 'POST', path, headers: req.headers, body })
}

beforeAll(async () => {
  s = await startSecServer()
  adminRole = (await s.iam.send(new CreateRoleCommand({ RoleName: 'cluster-admin', AssumeRolePolicyDocument: POD_TRUST }))).Role?.Arn as string
  await s.iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: POD_TRUST }))
  const eks = new EKSClient({ endpoint: s.url, region: REGION, credentials: ADMIN, maxAttempts: 1 })
  existingId = (await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: 'irsa', namespace: 'shop', serviceAccount: 'cart', roleArn: `arn:aws:iam::${s.account}:role/app` }))).association?.associationId as string
  eks.destroy()
  const arn = await s.role('eks-no-pass', 'ci', 'deployer')
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'eks:*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' }] }
  await s.iam.send(new PutRolePolicyCommand({ RoleName: 'eks-no-pass', PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }))
  caller = await s.session(arn, 'ci', 'deployer')
  snapshot = await stored()
}, 60_000)
afterAll(async () => s?.close())

const roleArn = fc.oneof(
  fc.constantFrom('cluster-admin', 'app', 'nope', 'cluster-admin/../app').map((n) => `arn:aws:iam::${s.account}:role/${n}`),
  fc.constantFrom('arn:aws:iam::999999999999:role/cluster-admin', 'arn:aws-cn:iam::000000000000:role/x', 'arn:aws:iam:::role/', 'arn:aws:sts::000000000000:assumed-role/a/b', '*', ''),
  fc.string({ maxLength: 40 }),
  fc.jsonValue({ maxDepth: 2 }),
)
const name = fc.oneof(fc.constantFrom('default', 'shop', 'cart', 'kube-system', 'A', '-x', 'a'.repeat(300)), fc.string({ maxLength: 20 }), fc.integer())
const tags = fc.oneof(fc.constant(undefined), fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.string({ maxLength: 10 }), fc.integer())), fc.jsonValue({ maxDepth: 2 }))
const extra = fc.dictionary(fc.constantFrom('clientRequestToken', 'targetRoleArn', 'policy', 'disableSessionTags', 'x'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })
/** Requests that would be accepted from a caller allowed iam:PassRole: the ones that must still store nothing. */
const wellFormed = fc
  .record({
    namespace: fc.constantFrom('default', 'shop', 'payments'),
    serviceAccount: fc.constantFrom('web', 'cart', 'worker'),
    roleArn: fc.constantFrom('cluster-admin', 'app').map((n) => `arn:aws:iam::${s.account}:role/${n}`),
    tags: fc.option(fc.dictionary(fc.constantFrom('team', 'env'), fc.string({ maxLength: 8 })), { nil: undefined }),
  })
  .map((b) => JSON.stringify(b))
const body = fc.oneof(
  { arbitrary: wellFormed, weight: 2 },
  fc.record({ namespace: name, serviceAccount: name, roleArn, tags, extra }).map(({ extra: x, ...b }) => JSON.stringify({ ...x, ...b })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
)
const cluster = fc.oneof({ arbitrary: fc.constant('irsa'), weight: 3 }, fc.constantFrom('IRSA', 'irsa ', 'other', '..', '%2e'), fc.string({ minLength: 1, maxLength: 20 }))

function expectRestJsonClientError(r: RawResponse, what: string): void {
  expect(r.status >= 400 && r.status < 500, `${r.status} for ${what}: ${r.body.slice(0, 300)}`).toBe(true)
  expect(typeof r.headers['x-amzn-errortype'], `no x-amzn-ErrorType for ${what}`).toBe('string')
  expect(JSON.parse(r.body), what).toEqual({ message: expect.any(String) })
}

describe('Pod Identity association fuzzing (fast-check, real server, caller without iam:PassRole)', () => {
  it('CreatePodIdentityAssociation: any body on any cluster name is a rest-json 4xx and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(cluster, body, async (c, b) => {
        const r = await signedPost(`/clusters/${encodeURIComponent(c)}/pod-identity-associations`, b, caller)
        expectRestJsonClientError(r, `create on ${JSON.stringify(c)} with ${b.slice(0, 200)}`)
        expect(await stored()).toBe(snapshot)
      }),
      { seed: 20261207, numRuns: 150 },
    )
  })

  it('UpdatePodIdentityAssociation: any body on the existing association or any id leaves every association as it was', async () => {
    const id = fc.oneof(fc.constant(existingId), fc.constantFrom('a-00000000000000000', 'a-', ''), fc.string({ maxLength: 25 }))
    await fc.assert(
      fc.asyncProperty(id, body, async (i, b) => {
        const r = await signedPost(`/clusters/irsa/pod-identity-associations/${encodeURIComponent(i)}`, b, caller)
        // An update that names no role changes nothing and may answer 200 with the association as it is.
        if (r.status === 200) expect(JSON.parse(r.body)).toMatchObject({ association: { associationId: existingId, roleArn: `arn:aws:iam::${s.account}:role/app` } })
        else expectRestJsonClientError(r, `update of ${JSON.stringify(i)} with ${b.slice(0, 200)}`)
        expect(await stored()).toBe(snapshot)
      }),
      { seed: 20261208, numRuns: 150 },
    )
  })

  it('the fuzzed caller is really denied by iam:PassRole, not by something earlier', async () => {
    const r = await signedPost('/clusters/irsa/pod-identity-associations', JSON.stringify({ namespace: 'x', serviceAccount: 'y', roleArn: adminRole }), caller)
    expect(r.status).toBe(403)
    expect(r.headers['x-amzn-errortype']).toBe('AccessDeniedException')
    expect((JSON.parse(r.body) as { message: string }).message).toContain(`iam:PassRole on resource: ${adminRole}`)
  })
})
