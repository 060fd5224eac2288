// SimulatePrincipalPolicy liveness: irsa (child process: node dist/cli/main.js serve) gets the two
// requests of the simulation-stall review while a /healthz poller runs next to them, and the server's
// RSS is sampled. See bench/README.md ("Simulation stall").
//
//   (a) the administrator: 1,000 ActionNames × 1,000 ResourceArns, first page (MaxItems default 100)
//   (b) a session whose role may only simulate itself: 100 × 100 with a ~120 KB PolicyInputList
//       document (10,240 non-white characters, padded with whitespace) whose statements all match
//
// Env knobs: BENCH_ACTIONS (1000), BENCH_RESOURCES (1000), BENCH_POLL_MS (10), BENCH_REPEAT (2: the
// first round runs on a cold server, the second on a warm one).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { freePort, onExit, rss, waitHttp } from './lib/processes.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ADMIN = { IRSA_ADMIN_ACCESS_KEY_ID: 'AKIAIRSABENCHMARK001', IRSA_ADMIN_SECRET_ACCESS_KEY: 'benchmarkSecretKeybenchmarkSecretKey1234' }
const ACTIONS = Number(process.env.BENCH_ACTIONS ?? 1000)
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 1000)
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 10)
const REPEAT = Number(process.env.BENCH_REPEAT ?? 2)
const { children, cleanup } = onExit()
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
const { IAMClient, CreateRoleCommand, PutRolePolicyCommand, SimulatePrincipalPolicyCommand } = await import('@aws-sdk/client-iam')
const { STSClient, AssumeRoleWithWebIdentityCommand } = await import('@aws-sdk/client-sts')

/**
 * A ~120 KB identity policy: 10,240 non-white characters (the inline quota), padded with whitespace
 * to 120 KB. Its first statement allows every S3 action; the others list actions never simulated.
 */
export function bigPolicy() {
  const statements = [JSON.stringify({ Sid: 'All', Effect: 'Allow', Action: 's3:*', Resource: '*' })]
  let size = 40 + statements[0].length
  for (let i = 0; size < 9800; i++) {
    const s = JSON.stringify({ Sid: `S${i}`, Effect: 'Allow', Action: Array.from({ length: 8 }, (_, j) => `ec2:Describe${i}x${j}*`), Resource: '*' })
    statements.push(s)
    size += s.length + 1
  }
  const pad = ' '.repeat(Math.floor((120_000 - 10_000) / statements.length))
  return `{"Version":"2012-10-17","Statement":[${statements.map((s) => `\n${pad}${s}`).join(',')}]}`
}

async function start() {
  const { openRuntime } = await import(join(ROOT, 'dist/server/bootstrap.js'))
  const { issueServiceAccountToken } = await import(join(ROOT, 'dist/server/issue-token.js'))
  const dir = mkdtempSync(join(tmpdir(), 'irsa-bench-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const { rt } = await openRuntime({ data: dir, issuer: url, port, env: ADMIN })
  const { token } = await issueServiceAccountToken(rt, { namespace: 'bench', serviceAccount: 'sim' })
  const account = rt.account
  const providerArn = rt.ownProviderArn
  await rt.store.close()
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', dir, '--issuer', url], {
    env: { ...process.env, ...ADMIN },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  children.push(child)
  await waitHttp(`${url}/healthz`, 20)
  const admin = new IAMClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN.IRSA_ADMIN_SECRET_ACCESS_KEY }, maxAttempts: 1 })
  const host = url.replace(/^http:\/\//, '')
  const roleArn = `arn:aws:iam::${account}:role/sim`
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${host}:sub`]: 'system:serviceaccount:bench:sim' } } }] }
  await admin.send(new CreateRoleCommand({ RoleName: 'sim', AssumeRolePolicyDocument: JSON.stringify(trust) }))
  const own = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: roleArn }] }
  await admin.send(new PutRolePolicyCommand({ RoleName: 'sim', PolicyName: 'simulate-self', PolicyDocument: JSON.stringify(own) }))
  const sts = new STSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 })
  const c = (await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'bench', WebIdentityToken: token }))).Credentials
  sts.destroy()
  const session = new IAMClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, maxAttempts: 1 })
  return { url, pid: child.pid, admin, session, roleArn }
}

/**
 * The /healthz poller runs in a worker thread, so the SDK's own work in this thread (building a
 * 2,000-parameter request, parsing the answer) never delays it: it sees only the server.
 */
const POLLER = `
const { parentPort, workerData } = require('node:worker_threads')
const { performance } = require('node:perf_hooks')
let stop = false
parentPort.on('message', () => (stop = true))
;(async () => {
  await (await fetch(workerData.url + '/healthz')).arrayBuffer()
  parentPort.postMessage('ready')
  const latencies = []
  let last = performance.now(), maxGap = 0, failures = 0
  while (!stop) {
    const t = performance.now()
    try { await (await fetch(workerData.url + '/healthz')).arrayBuffer() } catch { failures++ }
    const now = performance.now()
    latencies.push(now - t)
    maxGap = Math.max(maxGap, now - last)
    last = now
    await new Promise((r) => setTimeout(r, workerData.pollMs))
  }
  parentPort.postMessage({ polls: latencies.length, failures, maxLatency: Math.max(...latencies), maxGap })
})()
`

/** Run `send` while the poller runs and the server's RSS is sampled. */
async function measure(server, send) {
  const worker = new Worker(POLLER, { eval: true, workerData: { url: server.url, pollMs: POLL_MS } })
  await new Promise((r) => worker.once('message', r))
  const polled = new Promise((r) => worker.once('message', r))
  const rss0 = rss(server.pid)
  let peak = rss0
  const sampler = setInterval(() => (peak = Math.max(peak, rss(server.pid))), 20)
  await new Promise((r) => setTimeout(r, 200))
  const t0 = performance.now()
  let outcome
  try {
    const r = await send()
    outcome = `${r.EvaluationResults?.length ?? 0} results, IsTruncated=${r.IsTruncated}`
  } catch (e) {
    outcome = `${e.name}: ${String(e.message).slice(0, 80)}`
  }
  const ms = performance.now() - t0
  await new Promise((r) => setTimeout(r, 200))
  worker.postMessage('stop')
  const p = await polled
  await worker.terminate()
  clearInterval(sampler)
  return { ms, outcome, rss0, peak, ...p }
}

const server = await start()
const actions = Array.from({ length: ACTIONS }, (_, i) => `s3:Action${i}`)
const resources = Array.from({ length: RESOURCES }, (_, i) => `arn:aws:s3:::bucket/key-${i}`)
const runs = [
  [`(a) admin ${ACTIONS} × ${RESOURCES}`, () => server.admin.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: server.roleArn, ActionNames: actions, ResourceArns: resources }))],
  [
    '(b) session 100 × 100, 120 KB input',
    () => server.session.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: server.roleArn, ActionNames: actions.slice(0, 100), ResourceArns: resources.slice(0, 100), PolicyInputList: [bigPolicy()] })),
  ],
]
const mb = (b) => (b / 1048576).toFixed(0)
console.log('request                                 time ms  RSS MB before→peak  healthz polls  max latency ms  max gap ms  answer')
for (let round = 1; round <= REPEAT; round++) for (const [name, send] of runs) {
  const m = await measure(server, send)
  console.log(`${`${name}${REPEAT > 1 ? ` #${round}` : ''}`.padEnd(38)} ${m.ms.toFixed(0).padStart(8)}  ${`${mb(m.rss0)}→${mb(m.peak)}`.padStart(18)}  ${`${m.polls}${m.failures > 0 ? ` (${m.failures} failed)` : ''}`.padStart(13)}  ${m.maxLatency.toFixed(1).padStart(14)}  ${m.maxGap.toFixed(1).padStart(10)}  ${m.outcome}`)
}
server.admin.destroy()
server.session.destroy()
process.exit(0)
