// `irsa exec --pod-identity` through the built CLI: the AWS CLI v1 inside it gets credentials from
// the server's agent endpoint (container provider), not from web identity.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAssociation, operatorCaller } from '../../src/eks/associations.js'
import { ADMIN, AWS, baseEnv, CLUSTER, MAIN, POD_IDENTITY_TRUST, run, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

let t: TestServer
let env: NodeJS.ProcessEnv

const irsa = (args: readonly string[]): ReturnType<typeof run> => run(process.execPath, [MAIN, 'exec', '--data', join(t.dir, 'data'), ...args], env)

beforeAll(async () => {
  t = await startTestServer()
  const role = await t.createRole('exec-pod-role', POD_IDENTITY_TRUST)
  await createAssociation(t.serving.rt, CLUSTER, { namespace: 'shop', serviceAccount: 'cart', roleArn: role }, operatorCaller(t.serving.rt))
  // The caller's own AWS settings must not leak into the pod: give it some to drop.
  env = baseEnv(t, {
    IRSA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
    IRSA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
    AWS_ACCESS_KEY_ID: ADMIN.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
    AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/should-not-win',
    AWS_WEB_IDENTITY_TOKEN_FILE: '/nonexistent',
  })
})
afterAll(async () => t?.close())

describe('irsa exec --pod-identity', () => {
  it('aws sts get-caller-identity runs as the associated role, with an eks- session', async () => {
    const r = await irsa(['--pod-identity', '--namespace', 'shop', '--service-account', 'cart', '--pod', 'cart-5f7c', '--', AWS, 'sts', 'get-caller-identity', '--output', 'json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const id = JSON.parse(r.stdout) as { Arn: string; Account: string }
    expect(id.Account).toBe(t.account)
    expect(id.Arn).toMatch(new RegExp(`^arn:aws:sts::${t.account}:assumed-role/exec-pod-role/eks-${CLUSTER}-cart-5f7c-[0-9a-f-]{20,36}$`))
  })

  it('sets the container credential variables and none that would win over them', async () => {
    const probe = 'const k=["AWS_CONTAINER_CREDENTIALS_FULL_URI","AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE","AWS_ROLE_ARN","AWS_WEB_IDENTITY_TOKEN_FILE","AWS_ACCESS_KEY_ID"];const fs=require("fs");const f=process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;console.log(JSON.stringify({env:Object.fromEntries(k.map(x=>[x,process.env[x]??null])),aud:JSON.parse(Buffer.from(fs.readFileSync(f,"utf8").split(".")[1],"base64url")).aud}))'
    const r = await irsa(['--pod-identity', '--namespace', 'shop', '--service-account', 'cart', '--', process.execPath, '-e', probe])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as { env: Record<string, string | null>; aud: string[] }
    expect(out.env).toMatchObject({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${t.url}/v1/credentials`, AWS_ROLE_ARN: null, AWS_WEB_IDENTITY_TOKEN_FILE: null, AWS_ACCESS_KEY_ID: null })
    expect(out.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).toMatch(/token$/)
    expect(out.aud).toEqual(['pods.eks.amazonaws.com'])
  })

  it('explains a missing association in one line and exits non-zero', async () => {
    const r = await irsa(['--pod-identity', '--namespace', 'shop', '--service-account', 'nobody', '--', 'true'])
    expect(r.code).not.toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain(`service account shop/nobody has no pod identity association in cluster ${CLUSTER}`)
  })
})

describe('irsa token for Pod Identity', () => {
  it('a pods.eks.amazonaws.com token is pod-bound, so the agent endpoint accepts it as printed', async () => {
    const r = await run(process.execPath, [MAIN, 'token', '--data', join(t.dir, 'data'), '--namespace', 'shop', '--service-account', 'cart', '--audience', 'pods.eks.amazonaws.com'], env)
    expect(r.code).toBe(0)
    const token = r.stdout.trim()
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { 'kubernetes.io': { pod?: { name: string } } }
    expect(claims['kubernetes.io'].pod?.name).toBe('cart-token')
    const res = await fetch(`${t.url}/v1/credentials`, { headers: { authorization: token } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { AccessKeyId: string }).AccessKeyId).toMatch(/^ASIA/)
    // An IRSA token stays unbound unless --pod is given.
    const irsaToken = await run(process.execPath, [MAIN, 'token', '--data', join(t.dir, 'data'), '--namespace', 'shop', '--service-account', 'cart'], env)
    const irsaClaims = JSON.parse(Buffer.from(irsaToken.stdout.trim().split('.')[1] ?? '', 'base64url').toString('utf8')) as { 'kubernetes.io': { pod?: unknown } }
    expect(irsaClaims['kubernetes.io'].pod).toBeUndefined()
  })
})
