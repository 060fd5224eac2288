// Soak: the built server(s) (node dist/cli/main.js serve) under a steady open-loop mixed workload for
// minutes, checking every answer, then a report of errors by kind, latency, achieved rate and the
// servers' RSS at start (after warm-up) and end. Exits non-zero on any error or RSS growth >= 10%.
//
//   npm run soak -- --rate 1000 --minutes 10 [--store postgres://…] [--replicas N] [--format json]
//
// Workload (open loop: requests are sent on schedule whether or not earlier ones have answered, and
// latency counts from the scheduled time, so a stalled server shows up as latency, not as a slower
// client): 40% AssumeRoleWithWebIdentity with pre-issued service-account tokens, 30% GetCallerIdentity
// and 20% GetRole + 10% ListRoles SigV4-signed with the session's credentials. Signed requests are
// pre-signed in small pools refreshed every minute (a load generator must not spend its CPU on SigV4).
// See docs/operations.md ("Soak test").
import { spawn } from 'node:child_process'
import { createHash, createHmac } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cpuSeconds, freePort, onExit, rss, waitHttp } from './lib/processes.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ADMIN = { IRSA_ADMIN_ACCESS_KEY_ID: 'AKIAIRSASOAKTEST0001', IRSA_ADMIN_SECRET_ACCESS_KEY: 'soakSecretKeysoakSecretKeysoakSecretKey1' }
const NS = 'soak'
const SA = 'app'
const ROLE = 'soak-role'
const TOKENS = 400
const POOL = 64
const MIX = [
  ['AssumeRoleWithWebIdentity', 0.4],
  ['GetCallerIdentity', 0.3],
  ['GetRole', 0.2],
  ['ListRoles', 0.1],
]
const EXPECT = {
  AssumeRoleWithWebIdentity: '<SessionToken>',
  GetCallerIdentity: '<GetCallerIdentityResult>',
  GetRole: '<RoleName>soak-role</RoleName>',
  ListRoles: '<ListRolesResult>',
}

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '1' },
    warmup: { type: 'string' },
    store: { type: 'string' },
    replicas: { type: 'string', default: '1' },
    format: { type: 'string', default: 'table' },
    'max-rss-growth': { type: 'string', default: '10' },
    'server-node-options': { type: 'string', default: '' },
  },
})
const RATE = Number(args.rate)
const SECONDS = Number(args.minutes) * 60
// RSS is taken after the warm-up (JIT, heap sizing, connection pools): the default is 10% of the run, 30-60 s.
const WARMUP = args.warmup === undefined ? Math.min(60, Math.max(30, SECONDS / 10)) : Number(args.warmup)
const REPLICAS = Number(args.replicas)
const MAX_GROWTH = Number(args['max-rss-growth'])
if (!(RATE > 0) || !(SECONDS > 0) || !(REPLICAS >= 1) || !['table', 'json'].includes(args.format)) {
  process.stderr.write('usage: soak.mjs --rate R --minutes M [--warmup S] [--store URL] [--replicas N] [--format table|json]\n')
  process.exit(2)
}

const { children, cleanup } = onExit('SIGKILL')

/** SHA-256 / HMAC for @smithy/signature-v4 on node:crypto (faster than the JS implementation). */
class Sha256 {
  constructor(secret) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(secret))
  }
  update(data) {
    this.h.update(typeof data === 'string' ? data : Buffer.from(data))
  }
  async digest() {
    return new Uint8Array(this.h.digest())
  }
}

async function startServers(dir) {
  const { openRuntime } = await import(join(ROOT, 'dist/cli/bootstrap.js'))
  const ports = []
  for (let i = 0; i < REPLICAS; i++) ports.push(await freePort())
  const issuer = `http://127.0.0.1:${ports[0]}`
  const storeArgs = args.store === undefined ? (REPLICAS > 1 ? ['--store', `sqlite:${join(dir, 'irsa.db')}`] : ['--data', dir]) : ['--store', args.store]
  // Initialise the state first (issuer, keys) so every replica starts on the same one.
  const { rt } = await openRuntime({ data: dir, issuer, port: ports[0], env: ADMIN, ...(args.store === undefined ? {} : { storeUrl: args.store }) })
  const key = await rt.activeSigningKey()
  const providerArn = rt.ownProviderArn
  const account = rt.account
  await rt.store.close()
  const nodeArgs = args['server-node-options'] === '' ? [] : args['server-node-options'].split(' ')
  const servers = ports.map((port) => {
    const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist/cli/main.js'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--issuer', issuer, ...storeArgs], {
      env: { ...process.env, ...ADMIN },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)))
    children.push(child)
    return { port, url: `http://127.0.0.1:${port}`, child, stderr: () => stderr }
  })
  await Promise.all(servers.map((s) => waitHttp(`${s.url}/readyz`, 60, (status) => status === 200)))
  return { servers, issuer, key, providerArn, account }
}

async function setup(env) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const { IAMClient, CreateRoleCommand, PutRolePolicyCommand } = await import('@aws-sdk/client-iam')
  const { STSClient, AssumeRoleWithWebIdentityCommand } = await import('@aws-sdk/client-sts')
  const hostPath = env.issuer.replace(/^http:\/\//, '')
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: env.providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${hostPath}:sub`]: `system:serviceaccount:${NS}:${SA}`, [`${hostPath}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  }
  const iam = new IAMClient({ endpoint: env.servers[0].url, region: 'us-east-1', credentials: { accessKeyId: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN.IRSA_ADMIN_SECRET_ACCESS_KEY } })
  await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: JSON.stringify(trust) }))
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: ROLE,
      PolicyName: 'read-roles',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListRoles'], Resource: '*' }] }),
    }),
  )
  iam.destroy()
  const roleArn = `arn:aws:iam::${env.account}:role/${ROLE}`

  const { mintServiceAccountToken } = await import(join(ROOT, 'dist/tokens/service-account-token.js'))
  const { parseSigningKey } = await import(join(ROOT, 'dist/tokens/signing-key.js'))
  const signingKey = parseSigningKey(env.key)
  const now = Math.floor(Date.now() / 1000)
  const lifetime = Math.max(3600, SECONDS + 1800)
  const tokens = []
  for (let i = 0; i < TOKENS; i++) {
    const uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
    tokens.push(
      await mintServiceAccountToken(
        { issuer: env.issuer, audiences: ['sts.amazonaws.com'], namespace: NS, serviceAccount: { name: SA, uid: '11111111-2222-4333-8444-555555555555' }, pod: { name: `app-${i}`, uid }, now, expirationSeconds: lifetime, jti: uid },
        signingKey,
      ),
    )
  }
  const assumeBodies = tokens.map((t, i) => Buffer.from(`Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${encodeURIComponent(roleArn)}&RoleSessionName=soak-${i}&DurationSeconds=${Math.min(43200, lifetime)}&WebIdentityToken=${t}`))

  const sts = new STSClient({ endpoint: env.servers[0].url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } })
  const r = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'soak-signer', WebIdentityToken: tokens[0], DurationSeconds: 3600 }))
  sts.destroy()
  const credentials = { accessKeyId: r.Credentials.AccessKeyId, secretAccessKey: r.Credentials.SecretAccessKey, sessionToken: r.Credentials.SessionToken }
  return { assumeBodies, credentials }
}

/** Pools of pre-signed requests per signed action and replica, refreshed every minute. */
async function signedPools(servers, credentials) {
  const { SignatureV4 } = await import('@smithy/signature-v4')
  const { HttpRequest } = await import('@smithy/protocol-http')
  const signers = {
    sts: new SignatureV4({ service: 'sts', region: 'us-east-1', credentials, sha256: Sha256 }),
    iam: new SignatureV4({ service: 'iam', region: 'us-east-1', credentials, sha256: Sha256 }),
  }
  const bodies = {
    GetCallerIdentity: ['sts', 'Action=GetCallerIdentity&Version=2011-06-15'],
    GetRole: ['iam', `Action=GetRole&Version=2010-05-08&RoleName=${ROLE}`],
    ListRoles: ['iam', 'Action=ListRoles&Version=2010-05-08&MaxItems=20'],
  }
  const pools = {}
  const build = async () => {
    const next = {}
    for (const [action, [service, body]] of Object.entries(bodies)) {
      next[action] = []
      for (const s of servers) {
        const list = []
        for (let i = 0; i < POOL; i++) {
          const req = new HttpRequest({
            method: 'POST',
            protocol: 'http:',
            hostname: '127.0.0.1',
            port: s.port,
            path: '/',
            headers: { host: `127.0.0.1:${s.port}`, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) },
            body,
          })
          const signed = await signers[service].sign(req, { signingDate: new Date(Date.now() - i * 1000) })
          list.push({ headers: signed.headers, body: Buffer.from(body) })
        }
        next[action].push(list)
      }
    }
    Object.assign(pools, next)
  }
  await build()
  const timer = setInterval(() => void build(), 60_000)
  return { pools, stop: () => clearInterval(timer) }
}

/**
 * One request; a reset on a reused keep-alive socket (the server closed it as idle just as it was
 * picked: the request never reached the server) is retried once on a fresh socket, as Node's
 * documentation and the AWS SDKs do, and counted in `retriedResets`.
 */
let retriedResets = 0
async function send(agent, port, headers, body) {
  const r = await sendOnce(agent, port, headers, body)
  if (r.status === 0 && r.error === 'ECONNRESET' && r.reused) {
    retriedResets++
    return sendOnce(agent, port, headers, body)
  }
  return r
}

function sendOnce(agent, port, headers, body) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', (e) => resolve({ status: 0, error: e.code ?? e.message }))
    })
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })))
    req.on('error', (e) => resolve({ status: 0, error: e.code ?? e.message, reused: req.reusedSocket }))
    req.end(body)
  })
}

function errorKind(action, r) {
  if (r.status === 0) return `${action}: network ${r.error}`
  const code = /<Code>([^<]+)<\/Code>/.exec(r.text)?.[1]
  return `${action}: HTTP ${r.status}${code === undefined ? '' : ` ${code}`}`
}

async function run() {
  const dir = mkdtempSync(join(process.env.SOAK_DATA_DIR ?? tmpdir(), 'irsa-soak-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  const env = await startServers(dir)
  const { assumeBodies, credentials } = await setup(env)
  const { pools, stop: stopPools } = await signedPools(env.servers, credentials)
  const agents = env.servers.map(() => new http.Agent({ keepAlive: true, maxSockets: 128 }))

  const total = Math.round(RATE * (WARMUP + SECONDS))
  const cumulative = []
  let acc = 0
  for (const [name, share] of MIX) cumulative.push([name, (acc += share)])
  const pick = (i) => {
    const x = ((i * 0.6180339887498949) % 1 + 1) % 1 // low-discrepancy: an even mix at every scale
    return cumulative.find(([, c]) => x < c)?.[0] ?? 'ListRoles'
  }
  const latencies = new Float64Array(total)
  let measured = 0
  let completed = 0
  let inflightMax = 0
  let inflight = 0
  const errors = new Map()
  const counts = Object.fromEntries(MIX.map(([n]) => [n, 0]))
  const rssStart = []
  const rssMax = env.servers.map(() => 0)
  const sampleRss = () => env.servers.forEach((s, i) => (rssMax[i] = Math.max(rssMax[i], rss(s.child.pid))))
  const rssTimer = setInterval(sampleRss, 5000)

  const t0 = performance.now()
  const measureFrom = t0 + WARMUP * 1000
  let sent = 0
  let done
  const finished = new Promise((r) => (done = r))
  let rssTaken = false
  let stopped = false
  const cpuStart = []
  let clientCpuStart
  const fire = (i, scheduled) => {
    const action = pick(i)
    const replica = i % env.servers.length
    const server = env.servers[replica]
    let headers, body
    if (action === 'AssumeRoleWithWebIdentity') {
      body = assumeBodies[i % assumeBodies.length]
      headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) }
    } else {
      const pool = pools[action][replica]
      const entry = pool[i % pool.length]
      headers = entry.headers
      body = entry.body
    }
    inflight++
    inflightMax = Math.max(inflightMax, inflight)
    void send(agents[replica], server.port, headers, body).then((r) => {
      if (stopped) return
      inflight--
      completed++
      const end = performance.now()
      if (scheduled >= measureFrom) {
        latencies[measured++] = end - scheduled
        counts[action]++
      }
      if (r.status !== 200 || !r.text.includes(EXPECT[action])) {
        const kind = errorKind(action, r)
        errors.set(kind, (errors.get(kind) ?? 0) + 1)
      }
      if (completed === total) done()
    })
  }
  // Every 5 ms, send whatever the schedule says is due, each stamped with its scheduled time.
  const tick = setInterval(() => {
    const now = performance.now()
    if (!rssTaken && now >= measureFrom) {
      rssTaken = true
      env.servers.forEach((s) => rssStart.push(rss(s.child.pid)))
      env.servers.forEach((s) => cpuStart.push(cpuSeconds(s.child.pid)))
      clientCpuStart = process.cpuUsage()
    }
    while (sent < total) {
      const scheduled = t0 + (sent / RATE) * 1000
      if (scheduled > now) break
      fire(sent, scheduled)
      sent++
    }
    if (sent >= total) {
      clearInterval(tick)
      // A server that fell behind has a backlog: give it 30 s, then count what is left as errors.
      setTimeout(done, 30_000).unref()
    }
  }, 5)
  await finished
  const elapsed = (performance.now() - measureFrom) / 1000
  const unanswered = total - completed
  if (unanswered > 0) errors.set('unanswered 30 s after the schedule ended', unanswered)
  clearInterval(rssTimer)
  stopPools()
  stopped = true
  const rssEnd = env.servers.map((s) => rss(s.child.pid))
  const serverCpu = env.servers.reduce((sum, s, i) => sum + cpuSeconds(s.child.pid) - cpuStart[i], 0)
  const clientCpu = process.cpuUsage(clientCpuStart)
  const loadAverage = (await import('node:os')).loadavg()
  sampleRss()
  for (const a of agents) a.destroy()

  // Graceful stop: each replica drains and exits 0.
  const exits = await Promise.all(
    env.servers.map(
      (s) =>
        new Promise((resolve) => {
          s.child.once('exit', (code, signal) => resolve(signal ?? code))
          s.child.kill('SIGTERM')
        }),
    ),
  )

  const lat = latencies.subarray(0, measured).sort()
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN
  const growth = rssStart.map((s, i) => ((rssEnd[i] - s) / s) * 100)
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0)
  return {
    target: { rate: RATE, minutes: SECONDS / 60, warmupSeconds: WARMUP, replicas: REPLICAS, store: args.store === undefined ? 'sqlite' : args.store.replace(/\/\/[^@/]*@/, '//…@') },
    requests: { scheduled: total, answered: completed, measured, byAction: counts },
    errors: { total: errorCount, byKind: Object.fromEntries(errors) },
    latencyMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: lat.length === 0 ? NaN : lat[lat.length - 1] },
    achievedRate: measured / elapsed,
    maxInFlight: inflightMax,
    retriedResets,
    // CPU per answered request is what the load on a shared machine distorts least.
    cpu: {
      serverSeconds: serverCpu,
      serverMsPerRequest: (serverCpu * 1000) / Math.max(1, measured),
      serverCoresUsed: serverCpu / elapsed,
      clientCoresUsed: (clientCpu.user + clientCpu.system) / 1e6 / elapsed,
      machineCores: (await import('node:os')).availableParallelism(),
      loadAverage1m: loadAverage[0],
    },
    rss: env.servers.map((s, i) => ({ replica: i, startMiB: rssStart[i] / 2 ** 20, endMiB: rssEnd[i] / 2 ** 20, maxMiB: rssMax[i] / 2 ** 20, growthPercent: growth[i] })),
    serverExit: exits,
    pass: errorCount === 0 && growth.every((g) => g < MAX_GROWTH) && exits.every((e) => e === 0),
  }
}

function table(r) {
  const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-')
  const lines = [
    `irsa soak: ${r.target.rate} req/s for ${r.target.minutes} min (+${r.target.warmupSeconds} s warm-up), ${r.target.replicas} replica(s), store ${r.target.store}`,
    '',
    `  requests          ${r.requests.measured} measured (${r.requests.answered} of ${r.requests.scheduled} scheduled answered, with warm-up)`,
    ...Object.entries(r.requests.byAction).map(([a, n]) => `    ${a.padEnd(27)} ${n}`),
    `  achieved rate     ${f(r.achievedRate)} req/s`,
    `  latency ms        p50 ${f(r.latencyMs.p50, 2)}  p90 ${f(r.latencyMs.p90, 2)}  p99 ${f(r.latencyMs.p99, 2)}  max ${f(r.latencyMs.max, 2)}`,
    `  max in flight     ${r.maxInFlight} (keep-alive resets retried: ${r.retriedResets})`,
    `  server CPU        ${f(r.cpu.serverMsPerRequest, 3)} ms/request, ${f(r.cpu.serverCoresUsed, 2)} cores; client ${f(r.cpu.clientCoresUsed, 2)} cores; ${r.cpu.machineCores} cores, load ${f(r.cpu.loadAverage1m, 1)}`,
    `  errors            ${r.errors.total}`,
    ...Object.entries(r.errors.byKind).map(([k, n]) => `    ${k.padEnd(40)} ${n}`),
    ...r.rss.map((x) => `  RSS replica ${x.replica}     start ${f(x.startMiB)} MiB  end ${f(x.endMiB)} MiB  max ${f(x.maxMiB)} MiB  growth ${f(x.growthPercent)}%`),
    `  server exit       ${r.serverExit.join(', ')}`,
    '',
    r.pass ? 'PASS' : 'FAIL',
  ]
  return lines.join('\n')
}

try {
  const r = await run()
  process.stdout.write(args.format === 'json' ? `${JSON.stringify(r, null, 2)}\n` : `${table(r)}\n`)
  process.exitCode = r.pass ? 0 : 1
} catch (e) {
  process.stderr.write(`soak: ${e instanceof Error ? e.stack : String(e)}\n`)
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  process.exitCode = 1
}
