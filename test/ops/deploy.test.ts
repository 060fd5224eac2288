// deploy/kubernetes and the Dockerfile: kubectl (client only, against a discovery-only fake API
// server) accepts every manifest, and the security settings the issue asks for are all present.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DIR = `${ROOT}deploy/kubernetes`

type Obj = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const docs: Obj[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) =>
    parseAllDocuments(readFileSync(`${DIR}/${f}`, 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${f}: ${d.errors[0]?.message}`)
      return d.toJS() as Obj
    }),
  )
const find = (kind: string, name: string): Obj => {
  const o = docs.find((d) => d.kind === kind && d.metadata?.name === name)
  if (o === undefined) throw new Error(`no ${kind} ${name}`)
  return o
}

// ---- a discovery-only API server, so kubectl can map kinds to resources without a cluster ----
const resource = (name: string, kind: string, namespaced = true): Obj => ({ name, singularName: kind.toLowerCase(), namespaced, kind, verbs: ['create', 'get', 'list', 'patch'] })
const GROUPS: Record<string, Obj[]> = {
  'apps/v1': [resource('deployments', 'Deployment'), resource('statefulsets', 'StatefulSet')],
  'policy/v1': [resource('poddisruptionbudgets', 'PodDisruptionBudget')],
}
const ROUTES: Record<string, unknown> = {
  '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [resource('namespaces', 'Namespace', false), resource('secrets', 'Secret'), resource('services', 'Service'), resource('serviceaccounts', 'ServiceAccount'), resource('configmaps', 'ConfigMap')],
  },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: Object.keys(GROUPS).map((gv) => {
      const [name, version] = gv.split('/')
      return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } }
    }),
  },
  ...Object.fromEntries(Object.entries(GROUPS).map(([gv, resources]) => [`/apis/${gv}`, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources }])),
}
let api: http.Server
let apiUrl: string
beforeAll(async () => {
  api = http.createServer((req, res) => {
    const body = ROUTES[(req.url ?? '/').split('?')[0] ?? '/']
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body ?? { kind: 'Status', status: 'Failure', code: 404 }))
  })
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => api.close(resolve))
})

function kubectl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', [...args, `--server=${apiUrl}`], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('deploy/kubernetes', () => {
  it('is accepted by kubectl create --dry-run=client', async () => {
    const r = await kubectl(['create', '--dry-run=client', '--validate=false', '-o', 'name', '-f', DIR])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout.trim().split('\n').sort()).toEqual(
      [
        'deployment.apps/irsa',
        'namespace/irsa',
        'poddisruptionbudget.policy/irsa',
        'secret/irsa',
        'secret/postgres',
        'service/irsa',
        'service/postgres',
        'serviceaccount/irsa',
        'statefulset.apps/postgres',
      ].sort(),
    )
  })

  it('runs two irsa replicas on PostgreSQL with readiness /readyz and liveness /healthz', () => {
    const d = find('Deployment', 'irsa')
    expect(d.spec.replicas).toBe(2)
    const c = d.spec.template.spec.containers[0]
    expect(c.readinessProbe.httpGet.path).toBe('/readyz')
    expect(c.livenessProbe.httpGet.path).toBe('/healthz')
    expect(c.args).toEqual(expect.arrayContaining(['serve', '--host=0.0.0.0']))
    expect(c.envFrom).toEqual([{ secretRef: { name: 'irsa' } }])
    const secret = find('Secret', 'irsa').stringData as Record<string, string>
    expect(secret.IRSA_STORE).toMatch(/^postgres:\/\//)
    expect(Object.keys(secret)).toEqual(expect.arrayContaining(['IRSA_ADMIN_ACCESS_KEY_ID', 'IRSA_ADMIN_SECRET_ACCESS_KEY']))
    expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) })
    expect(c.resources.limits.memory).toEqual(expect.any(String))
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(15 + 5)
  })

  it('locks every container down: non-root, read-only root fs, no capabilities, RuntimeDefault seccomp', () => {
    for (const w of [find('Deployment', 'irsa'), find('StatefulSet', 'postgres')]) {
      const pod = w.spec.template.spec
      expect(pod.securityContext.runAsNonRoot).toBe(true)
      expect(pod.securityContext.seccompProfile.type).toBe('RuntimeDefault')
      expect(pod.automountServiceAccountToken).toBe(false)
      for (const c of pod.containers) {
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true)
        expect(c.securityContext.allowPrivilegeEscalation).toBe(false)
        expect(c.securityContext.capabilities.drop).toEqual(['ALL'])
        expect(c.securityContext.capabilities.add).toBeUndefined()
      }
    }
    const mounts = find('Deployment', 'irsa').spec.template.spec.containers[0].volumeMounts.map((m: Obj) => m.mountPath)
    expect(mounts).toEqual(expect.arrayContaining(['/tmp', '/var/lib/irsa']))
  })

  it('keeps one replica through voluntary disruptions and selects the pods it deploys', () => {
    const pdb = find('PodDisruptionBudget', 'irsa')
    const labels = find('Deployment', 'irsa').spec.template.metadata.labels
    expect(pdb.spec.minAvailable).toBe(1)
    expect(labels).toMatchObject(pdb.spec.selector.matchLabels)
    expect(labels).toMatchObject(find('Service', 'irsa').spec.selector)
    expect(find('StatefulSet', 'postgres').spec.template.metadata.labels).toMatchObject(find('Service', 'postgres').spec.selector)
  })
})

describe('Dockerfile', () => {
  const text = readFileSync(`${ROOT}Dockerfile`, 'utf8')
  const lines = text.split('\n').filter((l) => !l.trimStart().startsWith('#'))
  const stages = lines.map((l) => /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(l)).filter((m) => m !== null)

  it('builds in one stage and runs from node:20-bookworm-slim in another', () => {
    expect(stages.map((m) => [m[1], m[2]])).toEqual([
      ['node:20-bookworm-slim', 'build'],
      ['node:20-bookworm-slim', 'runtime'],
    ])
    expect(text).toMatch(/RUN npm ci\b/)
    expect(text).toMatch(/npm prune --omit=dev/)
    expect(text).toMatch(/COPY --from=build .*\/app\/dist/)
  })

  it('runs the last stage as a numeric non-root user with a data volume and a /healthz check', () => {
    const runtime = lines.slice(lines.findIndex((l) => /^FROM .* AS runtime/i.test(l)))
    const users = runtime.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1] ?? '')
    expect(users).toHaveLength(1)
    expect(users[0]).toMatch(/^[1-9]\d*(:\d+)?$/)
    expect(runtime.some((l) => /^VOLUME\s.*\/var\/lib\/irsa/.test(l))).toBe(true)
    expect(runtime.some((l) => /^HEALTHCHECK\s/.test(l))).toBe(true)
    expect(text).toContain('/healthz')
    expect(runtime.some((l) => /^ENTRYPOINT \["node", "\/app\/dist\/cli\/main.js"\]/.test(l))).toBe(true)
  })

  it('keeps secrets, state and build output out of the build context', () => {
    const ignored = readFileSync(`${ROOT}.dockerignore`, 'utf8').split('\n')
    for (const p of ['.git', 'node_modules', 'dist', '.irsa', '.env', '*.db']) expect(ignored).toContain(p)
  })
})
