// Admission webhook benchmark: the real `irsa webhook` command (dist/, built by `npm run build`)
// serving HTTPS with a self-signed certificate made here with openssl; a keep-alive node https
// client sends AdmissionReviews (a typical Deployment pod, 1,000 service accounts in the file) at a
// fixed concurrency and reports AdmissionReviews per second and latency percentiles.
// Run with `npm run bench:webhook`. Knobs: BENCH_MS (default 5000), BENCH_CONCURRENCY (default 8).
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpuSeconds } from './lib/processes.mjs'

const MS = Number(process.env.BENCH_MS ?? 5000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const WARMUP = 3000
const TARGET_RPS = 5000
const TARGET_P99_MS = 5
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))

const dir = mkdtempSync(join(os.tmpdir(), 'irsa-webhook-bench-'))
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
const ca = readFileSync(join(dir, 'tls.crt'))
const items = []
for (let i = 0; i < 1000; i++) {
  items.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: `team-${i % 50}`, name: `app-${i}`, annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::111122223333:role/app-${i}`, 'eks.amazonaws.com/sts-regional-endpoints': 'true' } } })
}
writeFileSync(join(dir, 'sa.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }))

const pod = (i) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: `app-${i}-7d4b9c-`, namespace: `team-${i % 50}`, labels: { app: `app-${i}`, 'pod-template-hash': '7d4b9c' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `app-${i}-7d4b9c`, uid: '3f1c', controller: true, blockOwnerDeletion: true }] },
  spec: {
    serviceAccountName: `app-${i}`,
    volumes: [{ name: 'kube-api-access-abcde', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] } }],
    containers: [
      { name: 'app', image: 'registry.example.com/app:1.2.3', ports: [{ containerPort: 8080, protocol: 'TCP' }], env: [{ name: 'LOG_LEVEL', value: 'info' }], resources: { requests: { cpu: '100m', memory: '128Mi' } }, volumeMounts: [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }], readinessProbe: { httpGet: { path: '/ready', port: 8080 } }, imagePullPolicy: 'IfNotPresent' },
      { name: 'proxy', image: 'envoyproxy/envoy:v1.31', resources: {}, volumeMounts: [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] },
    ],
    restartPolicy: 'Always',
    dnsPolicy: 'ClusterFirst',
  },
})
const bodies = Array.from({ length: 64 }, (_, i) =>
  JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: `uid-${i}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: `team-${(i * 7) % 50}`, operation: 'CREATE', userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' }, object: pod(i * 7), dryRun: false } }),
)

const server = spawn(process.execPath, [CLI, 'webhook', '--host', '127.0.0.1', '--port', '0', '--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'), '--service-accounts', join(dir, 'sa.json'), '--aws-default-region', 'eu-west-1'], { stdio: ['ignore', 'pipe', 'inherit'] })
const url = await new Promise((resolve, reject) => {
  let out = ''
  server.stdout.on('data', (d) => {
    out += d
    const m = /listening on (https:\/\/\S+)/.exec(out)
    if (m) resolve(new URL('/mutate', m[1]))
  })
  server.on('exit', (code) => reject(new Error(`irsa webhook exited ${code}`)))
})

const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca })
function send(body) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode}`))))
    })
    req.on('error', reject)
    req.end(body)
  })
}

// Sanity: every body is admitted with a patch.
for (const b of bodies.slice(0, 4)) {
  const r = JSON.parse((await send(b)).toString())
  if (!r.response.allowed || !r.response.patch) throw new Error(`unexpected response ${JSON.stringify(r)}`)
}

async function phase(ms, count) {
  const latencies = []
  let n = 0
  let errors = 0
  const t0 = performance.now()
  const worker = async () => {
    for (;;) {
      const now = performance.now()
      if (count !== undefined ? n >= count : now - t0 >= ms) return
      const i = n++
      const s = performance.now()
      try {
        await send(bodies[i % bodies.length])
        latencies.push(performance.now() - s)
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return { latencies, errors, elapsed: performance.now() - t0 }
}

await phase(undefined, WARMUP)
const serverCpu0 = cpuSeconds(server.pid)
const clientCpu0 = process.cpuUsage()
const { latencies, errors, elapsed } = await phase(MS)
const serverCpu = (cpuSeconds(server.pid) - serverCpu0) / (elapsed / 1000)
const clientCpuU = process.cpuUsage(clientCpu0)
const clientCpu = (clientCpuU.user + clientCpuU.system) / 1e6 / (elapsed / 1000)
latencies.sort((a, b) => a - b)
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]
const rps = latencies.length / (elapsed / 1000)
const p99 = pct(99)
server.kill('SIGTERM')
agent.destroy()
rmSync(dir, { recursive: true, force: true })

const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
console.log(`irsa webhook benchmark — Node ${process.version}, ${cpu} (${os.cpus().length} logical CPUs), ${os.platform()} ${os.arch()}`)
console.log(`HTTPS keep-alive, concurrency ${CONCURRENCY}, ${(elapsed / 1000).toFixed(1)} s measured after ${WARMUP} warm-up reviews; server and client share this machine`)
console.log(`reviews      ${latencies.length}  (errors ${errors})   CPU: server ${(serverCpu * 100).toFixed(0)}%, client ${(clientCpu * 100).toFixed(0)}% of one core`)
console.log(`throughput   ${Math.round(rps)} AdmissionReviews/s   target ≥ ${TARGET_RPS}   ${rps >= TARGET_RPS ? 'met' : 'NOT met'}`)
console.log(`latency ms   p50 ${pct(50).toFixed(2)}  p90 ${pct(90).toFixed(2)}  p99 ${p99.toFixed(2)}  max ${latencies[latencies.length - 1].toFixed(2)}   p99 target < ${TARGET_P99_MS}   ${p99 < TARGET_P99_MS ? 'met' : 'NOT met'}`)
