/** `irsa webhook manifests`: the objects, and `kubectl apply --dry-run=client` accepting them (offline, fake discovery). */
import { execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { webhookManifests } from '../../src/webhook/manifests.js'
import { startFakeDiscovery } from './fake-discovery.js'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const run = promisify(execFile)

function kubectl(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(input)
  })
}

let api: { url: string; close(): Promise<void> }
beforeAll(async () => {
  api = await startFakeDiscovery()
})
afterAll(async () => {
  await api.close()
})

describe('webhookManifests', () => {
  const docs = webhookManifests({ namespace: 'irsa', image: 'irsa:test', certificates: { kind: 'cert-manager' }, failurePolicy: 'Ignore', args: [], replicas: 2 })
  const byKind = (k: string): Record<string, unknown> & { webhooks?: Record<string, unknown>[] } => docs.find((d) => d.kind === k) as Record<string, unknown>
  it('registers v1 and v1beta1, CREATE pods, /mutate, the skip label selector', () => {
    const hook = byKind('MutatingWebhookConfiguration').webhooks?.[0]
    expect(hook).toMatchObject({
      admissionReviewVersions: ['v1', 'v1beta1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      clientConfig: { service: { name: 'irsa-pod-identity-webhook', namespace: 'irsa', path: '/mutate', port: 443 } },
      objectSelector: { matchExpressions: [{ key: 'eks.amazonaws.com/skip-pod-identity-webhook', operator: 'DoesNotExist' }] },
    })
    expect((byKind('MutatingWebhookConfiguration').metadata as { annotations: Record<string, string> }).annotations['cert-manager.io/inject-ca-from']).toBe('irsa/irsa-pod-identity-webhook')
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Service', 'Issuer', 'Certificate', 'Deployment', 'MutatingWebhookConfiguration'])
  })
})

describe('irsa webhook manifests | kubectl apply --dry-run=client', () => {
  for (const extra of [[], ['--generate-certs', '--enforce', '--namespace', 'other', '--image', 'example.com/irsa:1']]) {
    it(`applies cleanly ${extra.join(' ')}`, async () => {
      const { stdout } = await run(process.execPath, [CLI, 'webhook', 'manifests', ...extra])
      const docs = parseAllDocuments(stdout)
      expect(Array.isArray(docs) && docs.every((d) => d.errors.length === 0)).toBe(true)
      const res = await kubectl(['apply', '--dry-run=client', '--validate=false', '-f', '-', `--server=${api.url}`], stdout)
      expect(res.stderr).toBe('')
      expect(res.code).toBe(0)
      expect(res.stdout).toMatch(/mutatingwebhookconfiguration.admissionregistration.k8s.io\/irsa-pod-identity-webhook created \(dry run\)/)
      expect(res.stdout).toMatch(/deployment.apps\/irsa-pod-identity-webhook created \(dry run\)/)
      const created = await kubectl(['create', '--dry-run=client', '-o', 'json', '-f', '-', `--server=${api.url}`, '--validate=false'], stdout)
      expect(created.code).toBe(0)
      if (extra.includes('--generate-certs')) {
        expect(stdout).toContain('caBundle:')
        expect(stdout).toContain('failurePolicy: Fail')
        expect(stdout).toContain('- --enforce')
        expect(stdout).toContain('kubernetes.io/tls')
      }
    })
  }
})
