// The enforcing gateway's cost: irsa (`node dist/cli/main.js serve --demo --backend moto`, a child
// process that starts moto itself) against the same moto_server reached directly, in one run.
// - 1 KiB GetObject, sequential: p50 latency through irsa and direct, the difference (what irsa
//   adds: SigV4 check, mapping, policy evaluation, decision log, forwarding) and irsa's CPU per request.
// - one large streamed PutObject (aws-chunked with a trailing checksum): wall time through irsa and
//   direct, and irsa's peak RSS while it streams (sampled every 20 ms from /proc).
// The reads use the demo role's session (`irsa exec`), the upload the admin (the root user). See
// bench/README.md ("Gateway benchmark").
//
// Env knobs: BENCH_REQUESTS (GetObjects per side, 3000), BENCH_UPLOAD_MIB (256), MOTO_SERVER is not
// used: irsa starts `moto_server` from PATH. `--format json` prints one JSON object instead of text.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { cpuSeconds, freePort, onExit, rss, waitHttp } from './lib/processes.mjs'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(ROOT, 'dist/cli/main.js')
const ADMIN = { accessKeyId: 'AKIAIRSAGATEWAYBENCH', secretAccessKey: 'gatewayBenchSecretKeygatewayBenchSecret1' }
const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : Number(process.env[name]))
const REQUESTS = env('BENCH_REQUESTS', 3000)
const UPLOAD_MIB = env('BENCH_UPLOAD_MIB', 256)
const WARMUP = 100
const JSON_OUT = process.argv.includes('--format') && process.argv[process.argv.indexOf('--format') + 1] === 'json'
const log = (line) => (JSON_OUT ? process.stderr : process.stdout).write(`${line}\n`)

const { children, cleanup } = onExit('SIGTERM')

async function startIrsa() {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-gw-bench-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  const child = spawn(process.execPath, [CLI, 'serve', '--demo', '--backend', 'moto', '--host', '127.0.0.1', '--port', String(port), '--data', join(dir, 'data')], {
    env: { ...process.env, IRSA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, IRSA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  let out = ''
  await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d
      if (out.includes('aws s3 ls s3://payments/')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`irsa serve exited with ${code}:\n${out}`)))
  })
  const moto = /forwarded to moto_server (http:\/\/[^ ]+) \(pid (\d+)\)/.exec(out)
  if (moto === null) throw new Error(`no moto_server in irsa's banner:\n${out}`)
  const url = `http://127.0.0.1:${port}`
  await waitHttp(`${url}/readyz`, 30, (s) => s === 200)
  return { url, pid: child.pid, dir, data: join(dir, 'data'), motoUrl: moto[1].replace(/\/$/, ''), motoPid: Number(moto[2]) }
}

/** The demo role's session credentials: the token `irsa exec` projects, exchanged as a pod's SDK does. */
async function demoSession(irsa) {
  const { token, roleArn } = await new Promise((resolve, reject) => {
    const show = "console.log(JSON.stringify({token:require('fs').readFileSync(process.env.AWS_WEB_IDENTITY_TOKEN_FILE,'utf8'),roleArn:process.env.AWS_ROLE_ARN}))"
    const child = spawn(process.execPath, [CLI, 'exec', '--data', irsa.data, '--namespace', 'demo', '--service-account', 'app', '--', process.execPath, '-e', show], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`irsa exec exited with ${code}`))))
  })
  const sts = new STSClient({ endpoint: irsa.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 })
  const r = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'bench', WebIdentityToken: token }))
  sts.destroy()
  return { accessKeyId: r.Credentials.AccessKeyId, secretAccessKey: r.Credentials.SecretAccessKey, sessionToken: r.Credentials.SessionToken }
}

const s3 = (endpoint, credentials) => new S3Client({ endpoint, region: 'us-east-1', credentials, forcePathStyle: true, maxAttempts: 1 })

async function getLatencies(client, n) {
  const out = []
  for (let i = 0; i < WARMUP + n; i++) {
    const t = performance.now()
    const r = await client.send(new GetObjectCommand({ Bucket: 'payments', Key: 'bench-1k' }))
    const body = await r.Body.transformToByteArray()
    if (body.length !== 1024) throw new Error(`GetObject returned ${body.length} bytes`)
    if (i >= WARMUP) out.push(performance.now() - t)
  }
  return out.sort((a, b) => a - b)
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

async function upload(client, key, mib, pid) {
  const chunk = Buffer.alloc(1024 * 1024, 0x61)
  let peak = pid === undefined ? NaN : rss(pid)
  const timer = pid === undefined ? undefined : setInterval(() => (peak = Math.max(peak, rss(pid))), 20)
  const t = performance.now()
  try {
    const body = Readable.from((function* () {
      for (let i = 0; i < mib; i++) yield chunk
    })())
    await client.send(new PutObjectCommand({ Bucket: 'payments', Key: key, Body: body, ContentLength: mib * 1024 * 1024 }))
  } finally {
    clearInterval(timer)
  }
  return { seconds: (performance.now() - t) / 1000, peakRss: peak }
}

const irsa = await startIrsa()
log(`irsa ${irsa.url} (pid ${irsa.pid}) in front of moto_server ${irsa.motoUrl} (pid ${irsa.motoPid})`)
const session = await demoSession(irsa)
const direct = s3(irsa.motoUrl, ADMIN)
await direct.send(new PutObjectCommand({ Bucket: 'payments', Key: 'bench-1k', Body: Buffer.alloc(1024, 0x62) }))

const viaGateway = s3(irsa.url, session)
log(`GetObject 1 KiB, ${REQUESTS} sequential requests each way (after ${WARMUP} warm-up)…`)
const directLat = await getLatencies(direct, REQUESTS)
const cpu0 = cpuSeconds(irsa.pid)
const gwLat = await getLatencies(viaGateway, REQUESTS)
const cpuPerRequestMs = ((cpuSeconds(irsa.pid) - cpu0) * 1000) / (REQUESTS + WARMUP)

log(`PutObject ${UPLOAD_MIB} MiB streamed, direct then through irsa…`)
const rssIdle = rss(irsa.pid)
const upDirect = await upload(direct, 'big-direct', UPLOAD_MIB, undefined)
const admin = s3(irsa.url, ADMIN)
const upGateway = await upload(admin, 'big-gateway', UPLOAD_MIB, irsa.pid)
for (const c of [direct, viaGateway, admin]) c.destroy()

const round = (x, d = 3) => Number(x.toFixed(d))
const result = {
  requests: REQUESTS,
  getObject1KiB: {
    directP50Ms: round(pct(directLat, 50)),
    gatewayP50Ms: round(pct(gwLat, 50)),
    addedP50Ms: round(pct(gwLat, 50) - pct(directLat, 50)),
    directP99Ms: round(pct(directLat, 99)),
    gatewayP99Ms: round(pct(gwLat, 99)),
    p50Ratio: round(pct(gwLat, 50) / pct(directLat, 50), 2),
    irsaCpuPerRequestMs: round(cpuPerRequestMs),
  },
  upload: {
    mib: UPLOAD_MIB,
    directSeconds: round(upDirect.seconds, 2),
    gatewaySeconds: round(upGateway.seconds, 2),
    timeRatio: round(upGateway.seconds / upDirect.seconds, 2),
    irsaRssIdleMiB: round(rssIdle / 2 ** 20, 1),
    irsaRssPeakMiB: round(upGateway.peakRss / 2 ** 20, 1),
    irsaRssGrowthMiB: round((upGateway.peakRss - rssIdle) / 2 ** 20, 1),
    rssGrowthToUploadRatio: round((upGateway.peakRss - rssIdle) / (UPLOAD_MIB * 2 ** 20), 3),
  },
}
if (JSON_OUT) console.log(JSON.stringify(result, null, 2))
else {
  const g = result.getObject1KiB
  const u = result.upload
  log('')
  log(`GetObject 1 KiB   p50 direct ${g.directP50Ms} ms, through irsa ${g.gatewayP50Ms} ms: irsa adds ${g.addedP50Ms} ms (×${g.p50Ratio}); p99 ${g.directP99Ms} / ${g.gatewayP99Ms} ms`)
  log(`                  irsa CPU ${g.irsaCpuPerRequestMs} ms per request`)
  log(`PutObject ${u.mib} MiB  direct ${u.directSeconds} s, through irsa ${u.gatewaySeconds} s (×${u.timeRatio})`)
  log(`                  irsa RSS ${u.irsaRssIdleMiB} MiB idle, ${u.irsaRssPeakMiB} MiB peak while streaming: +${u.irsaRssGrowthMiB} MiB, ${u.rssGrowthToUploadRatio} of the upload's size`)
}
process.exit(0)
