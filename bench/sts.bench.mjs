// AssumeRoleWithWebIdentity throughput: irsa (child process: node dist/cli/main.js serve) against
// moto_server (python moto) in the same run, with N keep-alive HTTP clients over loopback, plus this
// machine's raw RS256 crypto.verify rate as the ceiling. See bench/README.md ("STS benchmark").
//
// Env knobs: BENCH_CONCURRENCY (16), BENCH_SECONDS (irsa measured window, 5), BENCH_TOKENS (distinct
// pre-minted tokens for irsa, 12000), BENCH_MOTO_SECONDS (3), BENCH_MOTO_MAX (2000), MOTO_SERVER (binary).
import { spawn } from 'node:child_process'
import { createPrivateKey, createPublicKey, sign as rsaSign, verify as rsaVerify } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { cpuSeconds, freePort, onExit, waitHttp } from './lib/processes.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ADMIN = { IRSA_ADMIN_ACCESS_KEY_ID: 'AKIAIRSABENCHMARK001', IRSA_ADMIN_SECRET_ACCESS_KEY: 'benchmarkSecretKeybenchmarkSecretKey1234' }
const NS = 'bench'
const SA = 'app'
const ROLE = 'bench-role'

// ---- token minting worker: the project's own minting code, a slice of the tokens per thread ----
if (!isMainThread) {
  const { mintServiceAccountToken } = await import(join(ROOT, 'dist/tokens/service-account-token.js'))
  const { parseSigningKey } = await import(join(ROOT, 'dist/tokens/signing-key.js'))
  const { key, issuer, from, to, now } = workerData
  const signingKey = parseSigningKey(key)
  const out = []
  for (let i = from; i < to; i++) {
    const uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
    out.push(
      await mintServiceAccountToken(
        { issuer, audiences: ['sts.amazonaws.com'], namespace: NS, serviceAccount: { name: SA, uid: '11111111-2222-4333-8444-555555555555' }, pod: { name: `app-${i}`, uid }, now, expirationSeconds: 3600, jti: uid },
        signingKey,
      ),
    )
  }
  parentPort.postMessage(out)
  process.exit(0)
}

const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : Number(process.env[name]))
const CONCURRENCY = env('BENCH_CONCURRENCY', 16)
const SECONDS = env('BENCH_SECONDS', 5)
const TOKENS = env('BENCH_TOKENS', 12000)
const MOTO_SECONDS = env('BENCH_MOTO_SECONDS', 3)
const MOTO_MAX = env('BENCH_MOTO_MAX', 2000)
const WARMUP = 300

const { children, cleanup, stopAll } = onExit('SIGTERM')

async function mintTokens(key, issuer, count) {
  const threads = Math.max(1, Math.min(availableParallelism(), 8))
  const per = Math.ceil(count / threads)
  const now = Math.floor(Date.now() / 1000)
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) =>
      new Promise((resolve, reject) => {
        const w = new Worker(fileURLToPath(import.meta.url), { workerData: { key, issuer, from: t * per, to: Math.min(count, (t + 1) * per), now } })
        w.once('message', resolve)
        w.once('error', reject)
      }),
    ),
  )
  return parts.flat()
}

function body(roleArn, session, token) {
  return `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${encodeURIComponent(roleArn)}&RoleSessionName=${session}&WebIdentityToken=${token}`
}

function post(agent, port, payload) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    // A server that stops answering must not hang the bench: count it as an error.
    req.setTimeout(15_000, () => req.destroy(new Error('no response within 15 s')))
    req.on('error', reject)
    req.end(payload)
  })
}

/** N keep-alive clients draining `payloads` until they run out or `seconds` pass. */
async function drive(port, payloads, { seconds, warmup, serverPid }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  let next = 0
  let errors = 0
  let firstError
  const failed = (e) => ({ status: 0, text: String(e instanceof Error ? e.message : e) })
  const check = (r) => {
    if (r.status !== 200 || !r.text.includes('<AccessKeyId>')) {
      errors++
      firstError ??= `HTTP ${r.status}: ${r.text.slice(0, 300)}`
    }
  }
  // Warm-up (JIT, connections, caches), not measured.
  const warm = Math.min(warmup, Math.floor(payloads.length / 10))
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < warm) check(await post(agent, port, payloads[next++]).catch(failed))
    }),
  )
  const latencies = []
  const cpu0 = process.cpuUsage()
  const server0 = cpuSeconds(serverPid)
  const start = performance.now()
  const deadline = start + seconds * 1000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < payloads.length && performance.now() < deadline) {
        const p = payloads[next++]
        const t0 = performance.now()
        const r = await post(agent, port, p).catch(failed)
        latencies.push(performance.now() - t0)
        check(r)
      }
    }),
  )
  const elapsed = (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpu0)
  const clientCpu = (cpu.user + cpu.system) / 1e6 / elapsed
  const serverCpu = (cpuSeconds(serverPid) - server0) / elapsed
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN
  return { requests: latencies.length, elapsed, rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99), errors, firstError, exhausted: next >= payloads.length, clientCpu, serverCpu }
}

/** Single-thread RS256 verifications per second on a JWT-sized input: the per-core ceiling. */
function rawVerifyRate(key, token) {
  const privateKey = createPrivateKey({ key, format: 'jwk' })
  const publicKey = createPublicKey(privateKey)
  const [h, p] = token.split('.')
  const data = Buffer.from(`${h}.${p}`)
  const sig = rsaSign('sha256', data, privateKey)
  for (let i = 0; i < 500; i++) rsaVerify('sha256', data, publicKey, sig)
  let n = 0
  const start = performance.now()
  while (performance.now() - start < 1000) {
    for (let i = 0; i < 100; i++) rsaVerify('sha256', data, publicKey, sig)
    n += 100
  }
  return n / ((performance.now() - start) / 1000)
}

async function iamClient(endpoint, credentials) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const { IAMClient, CreateRoleCommand } = await import('@aws-sdk/client-iam')
  const iam = new IAMClient({ endpoint, region: 'us-east-1', credentials })
  return { iam, CreateRoleCommand }
}

async function startIrsa() {
  const { openRuntime } = await import(join(ROOT, 'dist/cli/bootstrap.js'))
  const dir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), 'irsa-bench-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}`
  // Initialise the state first so the bench can read the signing key (then close it for the server).
  const { rt } = await openRuntime({ data: dir, issuer, port, env: ADMIN })
  const key = await rt.activeSigningKey()
  const account = rt.account
  const providerArn = rt.ownProviderArn
  await rt.store.close()
  const nodeArgs = process.env.BENCH_SERVER_NODE_OPTIONS ? process.env.BENCH_SERVER_NODE_OPTIONS.split(' ') : []
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist/cli/main.js'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', dir, '--issuer', issuer], {
    env: { ...process.env, ...ADMIN },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  await waitHttp(`${issuer}/healthz`, 20)
  const hostPath = issuer.replace(/^http:\/\//, '')
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${hostPath}:sub`]: `system:serviceaccount:${NS}:${SA}`, [`${hostPath}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  }
  const { iam, CreateRoleCommand } = await iamClient(issuer, { accessKeyId: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN.IRSA_ADMIN_SECRET_ACCESS_KEY })
  await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: JSON.stringify(trust) }))
  iam.destroy()
  return { port, issuer, key, roleArn: `arn:aws:iam::${account}:role/${ROLE}`, pid: child.pid }
}

async function startMoto() {
  const port = await freePort()
  const bin = process.env.MOTO_SERVER ?? 'moto_server'
  const child = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] })
  children.push(child)
  let failed
  child.once('error', (e) => (failed = e))
  const url = `http://127.0.0.1:${port}`
  try {
    await waitHttp(`${url}/moto-api/`, 30)
  } catch (e) {
    throw failed ?? e
  }
  const { iam, CreateRoleCommand } = await iamClient(url, { accessKeyId: 'AKIAMOTOBENCH0000000', secretAccessKey: 'moto' })
  const r = await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/example.com' }, Action: 'sts:AssumeRoleWithWebIdentity' }] }) }))
  iam.destroy()
  return { port, roleArn: r.Role.Arn, pid: child.pid }
}

/** The harness's own ceiling: the same clients against a server that answers a canned body at once. */
async function startEcho(sample) {
  const port = await freePort()
  const script = `const b=Buffer.from(process.env.ECHO_BODY);require('node:http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(200,{'content-type':'text/xml','content-length':b.length});s.end(b)})}).listen(${port},'127.0.0.1')`
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ECHO_BODY: sample }, stdio: 'ignore' })
  children.push(child)
  await waitHttp(`http://127.0.0.1:${port}/`, 10)
  return { port, pid: child.pid }
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a')

async function main() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  console.log(`irsa STS benchmark — Node ${process.version}, ${cpu} (${availableParallelism()} logical CPUs), ${process.platform} ${process.arch}`)
  console.log(`AssumeRoleWithWebIdentity, ${CONCURRENCY} keep-alive clients on loopback; irsa in a child process (its own core)\n`)

  const irsa = await startIrsa()
  const t0 = performance.now()
  const tokens = await mintTokens(irsa.key, irsa.issuer, TOKENS)
  console.log(`minted ${tokens.length} distinct RS256 service-account tokens in ${fmt((performance.now() - t0) / 1000, 1)} s`)
  const verifyRate = rawVerifyRate(irsa.key.privateJwk, tokens[0])

  const irsaPayloads = tokens.map((tk, i) => body(irsa.roleArn, `bench-${i}`, tk))
  process.stderr.write('measuring irsa…\n')
  const irsaResult = await drive(irsa.port, irsaPayloads, { seconds: SECONDS, warmup: WARMUP, serverPid: irsa.pid })

  let motoResult
  let motoError
  try {
    process.stderr.write('starting moto…\n')
    const moto = await startMoto()
    process.stderr.write('measuring moto…\n')
    const n = Math.min(MOTO_MAX, tokens.length)
    const motoPayloads = tokens.slice(0, n).map((tk, i) => body(moto.roleArn, `bench-${i}`, tk))
    motoResult = await drive(moto.port, motoPayloads, { seconds: MOTO_SECONDS, warmup: 50, serverPid: moto.pid })
  } catch (e) {
    motoError = e instanceof Error ? e.message : String(e)
  }

  const row = (name, r) =>
    `${name.padEnd(6)} ${fmt(r.rps).padStart(9)} ${fmt(r.p50, 2).padStart(9)} ${fmt(r.p99, 2).padStart(9)} ${fmt(r.requests).padStart(9)} ${fmt(r.elapsed, 2).padStart(7)} ${String(r.errors).padStart(6)} ${fmt(r.serverCpu * 100).padStart(6)}% ${fmt(r.clientCpu * 100).padStart(6)}%`
  console.log('')
  console.log(`target     req/s   p50 ms    p99 ms  requests      s  errors  server  client  (CPU, 100% = one core)`)
  console.log(row('irsa', irsaResult))
  if (motoResult !== undefined) console.log(row('moto', motoResult))
  else console.log(`moto   unavailable: ${motoError}`)
  if (irsaResult.exhausted) console.log(`(irsa used all ${tokens.length} tokens before ${SECONDS} s; raise BENCH_TOKENS for a longer window)`)
  for (const [name, r] of [['irsa', irsaResult], ['moto', motoResult]]) if (r?.firstError) console.log(`${name}: first error: ${r.firstError}`)

  // Same request bodies, a canned irsa-sized response: what this client and loopback can do at most.
  const sample = (await post(new http.Agent(), irsa.port, irsaPayloads[0])).text
  process.stderr.write('measuring the harness ceiling…\n')
  const echo = await startEcho(sample)
  const echoResult = await drive(echo.port, irsaPayloads.slice(0, 20000), { seconds: 3, warmup: WARMUP, serverPid: echo.pid })
  console.log(row('echo', echoResult) + '   (harness ceiling: canned response, no work)')

  const ratio = motoResult === undefined ? NaN : irsaResult.rps / motoResult.rps
  const perCore = irsaResult.rps / verifyRate
  console.log('')
  console.log(`raw RS256 crypto.verify (1 core): ${fmt(verifyRate)} /s`)
  console.log(`irsa / moto throughput:           ${fmt(ratio, 1)}×   target ≥ 30×    ${ratio >= 30 ? 'met' : 'NOT met'}`)
  console.log(`irsa / raw verify rate (1 core):  ${fmt(perCore * 100, 1)}%   target ≥ 50%   ${perCore >= 0.5 ? 'met' : 'NOT met'}`)
}

main().then(
  async () => {
    stopAll()
    // Let the children finish closing (and write a --cpu-prof profile, when asked for one).
    await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => { c.once('exit', r); setTimeout(r, 5000) }))))
    process.exit(0)
  },
  (e) => {
    console.error(e)
    stopAll()
    process.exit(1)
  },
)
