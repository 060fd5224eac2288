/**
 * Unknown fields survive (the upstream bug class: #84 startupProbe, #165 grpc probe, #208 sidecar
 * restartPolicy): pods from `kubectl run … --dry-run=client -o json` and hand-written pods with
 * fields no Kubernetes version has, sidecars, ephemeral containers and existing env.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyJsonPatch } from './fixtures.js'
import { startFakeDiscovery } from './fake-discovery.js'
import { decodePatch, post, review, testApp } from './helpers.js'
import type { ServiceAccountRecord } from '../../src/webhook/service-account.js'

const run = promisify(execFile)
const ROLE = 'arn:aws:iam::111122223333:role/app'
const SA: ServiceAccountRecord = { namespace: 'team-a', name: 'app', annotations: { 'eks.amazonaws.com/role-arn': ROLE } }

/** Every value of `before` is still in `after` at the same place (arrays may have grown). */
function expectPreserved(before: unknown, after: unknown, path = ''): void {
  if (before === null) return // `env: null` may become a list
  if (Array.isArray(before)) {
    expect(Array.isArray(after), path).toBe(true)
    // Named lists (volumes, env, mounts) are matched by name: the token volume is prepended.
    const named = (x: unknown): string | undefined => (x !== null && typeof x === 'object' ? ((x as { name?: string }).name ?? undefined) : undefined)
    before.forEach((v, i) => {
      const n = named(v)
      const match = n === undefined ? (after as unknown[])[i] : (after as unknown[]).find((a) => named(a) === n)
      expectPreserved(v, match, `${path}/${n ?? i}`)
    })
  } else if (before !== null && typeof before === 'object') {
    for (const [k, v] of Object.entries(before)) expectPreserved(v, (after as Record<string, unknown>)[k], `${path}/${k}`)
  } else expect(after, path).toEqual(before)
}

async function admit(pod: unknown, o: { cc?: boolean; region?: string } = {}): Promise<{ patched: Record<string, unknown>; patch: unknown[] }> {
  const app = await testApp({ serviceAccounts: [SA], containerCredentials: o.cc ? ['team-a/app'] : [], flags: { region: o.region ?? '' } })
  const res = (await post(app, review(pod, { namespace: 'team-a' }))).json()
  await app.close()
  expect(res.response.allowed).toBe(true)
  const patch = decodePatch(res)
  return { patched: applyJsonPatch(pod as Record<string, unknown>, patch), patch }
}

type Container = { name: string; env?: { name: string; value?: string }[]; volumeMounts?: { name: string }[] } & Record<string, unknown>
const containers = (p: Record<string, unknown>, key = 'containers'): Container[] => (p.spec as Record<string, Container[]>)[key] ?? []

describe('pods from kubectl run --dry-run=client', () => {
  let api: { url: string; close(): Promise<void> }
  beforeAll(async () => {
    api = await startFakeDiscovery()
  })
  afterAll(async () => {
    await api.close()
  })
  const kubectlPod = async (...args: string[]): Promise<Record<string, unknown>> => {
    const dash = args.indexOf('--')
    const [flags, command] = dash < 0 ? [args, []] : [args.slice(0, dash), args.slice(dash)]
    const { stdout } = await run('kubectl', ['run', ...flags, '--dry-run=client', '-o', 'json', `--server=${api.url}`, '--namespace=team-a', '--overrides={"spec":{"serviceAccountName":"app"}}', ...command])
    return JSON.parse(stdout) as Record<string, unknown>
  }

  it('a plain pod', async () => {
    const pod = await kubectlPod('web', '--image=nginx', '--port=80', '--labels=app=web')
    const { patched } = await admit(pod)
    expectPreserved(pod, patched)
    const c = containers(patched)[0]
    expect(c?.env?.map((e) => e.name)).toEqual(['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'])
    expect(c?.resources).toEqual({})
  })

  it('a pod with env, command and requests keeps them and gets the rest appended', async () => {
    const pod = await kubectlPod('job', '--image=busybox', '--env=FOO=bar', '--env=AWS_REGION=eu-west-1', '--restart=Never', '--', 'sh', '-c', 'sleep 1')
    const { patched } = await admit(pod, { region: 'us-east-1' })
    expectPreserved(pod, patched)
    expect(containers(patched)[0]?.env?.map((e) => e.name)).toEqual(['FOO', 'AWS_REGION', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'])
  })

  it('EKS Pod Identity mode on a labelled kubectl pod adds one label key', async () => {
    const pod = await kubectlPod('cc', '--image=nginx', '--labels=app=cc,tier=web')
    const { patched, patch } = await admit(pod, { cc: true })
    expectPreserved(pod, patched)
    expect(patch).toContainEqual({ op: 'add', path: '/metadata/labels/eks.amazonaws.com~1pod-identity', value: 'enabled' })
    expect((patched.metadata as { labels: Record<string, string> }).labels).toEqual({ app: 'cc', tier: 'web', 'eks.amazonaws.com/pod-identity': 'enabled' })
  })
})

describe('hand-written pods', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'team-a', labels: {}, futureMetadata: { x: 1 } },
    spec: {
      serviceAccountName: 'app',
      futureSpecField: { nested: [1, 2, { deep: true }] },
      hostUsers: false,
      resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'gpu' }],
      volumes: [{ name: 'data', emptyDir: {}, futureVolumeField: 'x' }],
      initContainers: [
        { name: 'init', image: 'busybox', env: null },
        // A native sidecar (#208): restartPolicy must survive.
        { name: 'proxy', image: 'envoy', restartPolicy: 'Always', startupProbe: { httpGet: { path: '/ready', port: 9901 } }, resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }] },
      ],
      containers: [
        {
          name: 'app',
          image: 'app',
          env: [{ name: 'EXISTING', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          envFrom: [{ configMapRef: { name: 'cfg' } }],
          volumeMounts: [{ name: 'data', mountPath: '/data', recursiveReadOnly: 'IfPossible', futureMountField: 1 }],
          // #165 and #84: grpc and startup probes.
          readinessProbe: { grpc: { port: 5000 } },
          startupProbe: { exec: { command: ['true'] }, failureThreshold: 30 },
          futureContainerField: { a: 'b' },
          lifecycle: { stopSignal: 'SIGUSR1' },
        },
        { name: 'skipme', image: 'x', futureContainerField: 2 },
      ],
      ephemeralContainers: [{ name: 'debug', image: 'busybox', targetContainerName: 'app' }],
    },
    status: { phase: 'Pending' },
  }

  it('every field survives; only additions are made', async () => {
    const p = structuredClone(pod) as unknown as { metadata: { annotations?: Record<string, string> } }
    p.metadata.annotations = { 'eks.amazonaws.com/skip-containers': 'skipme' }
    const { patched, patch } = await admit(p)
    expectPreserved(p, patched)
    for (const op of patch as { op: string; path: string }[]) {
      expect(op.op).toBe('add')
      expect(op.path).not.toMatch(/^\/spec\/(init)?[cC]ontainers$/)
    }
    expect(containers(patched)[1]).toEqual(pod.spec.containers[1])
    expect((patched.spec as { ephemeralContainers: unknown }).ephemeralContainers).toEqual(pod.spec.ephemeralContainers)
    const app = containers(patched)[0]
    expect(app?.env?.map((e) => e.name)).toEqual(['EXISTING', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'])
    expect(app?.volumeMounts?.map((m) => m.name)).toEqual(['data', 'aws-iam-token'])
    expect(containers(patched, 'initContainers')[0]?.env?.map((e) => e.name)).toEqual(['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'])
    expect(containers(patched, 'initContainers')[1]?.restartPolicy).toBe('Always')
    expect((patched.spec as { volumes: { name: string }[] }).volumes.map((v) => v.name)).toEqual(['aws-iam-token', 'data'])
  })

  it('a pod with everything already injected gets no patch at all', async () => {
    const { patched } = await admit(pod)
    const again = await admit(patched)
    expect(again.patch).toEqual([])
  })
})
