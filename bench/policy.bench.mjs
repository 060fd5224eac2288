// Policy engine benchmark: irsa (compiled build in dist/) vs @cloud-copilot/iam-simulate's core
// `authorize()` (Strict mode) on the same requests. Policies are compiled / loaded once, outside the
// timed loops; each engine is warmed up first. Run with `npm run bench:policy` (builds first).
// iam-simulate is AGPL-3.0: it is only *called* here, as a pinned devDependency.
import { createRequire } from 'node:module'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

import { compilePolicy } from '../dist/policy/compile.js'
import { evaluate } from '../dist/policy/evaluate.js'

const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 1500) // measured time per engine per scenario
const WARMUP = 2000

// ------------------------------------------------------------------------------------------------
// iam-simulate loader (its package `exports` only expose '.', so load the core by file URL)
// ------------------------------------------------------------------------------------------------
const require = createRequire(import.meta.url)
const simCjs = require.resolve('@cloud-copilot/iam-simulate')
const simAt = (rel) => new URL(rel, new URL('../esm/index.js', pathToFileURL(simCjs))).href
const policyCjs = createRequire(simCjs).resolve('@cloud-copilot/iam-policy')
const { authorize } = await import(simAt('./core_engine/CoreSimulatorEngine.js'))
const { AwsRequestImpl } = await import(simAt('./request/request.js'))
const { RequestContextImpl } = await import(simAt('./requestContext.js'))
const { DiscoveryContextKeyConstraints } = await import(simAt('./context_keys/discoveryContextKeyConstraints.js'))
const { loadPolicy } = await import(new URL('../esm/index.js', pathToFileURL(policyCjs)).href)
const simVersion = require(new URL('../../package.json', pathToFileURL(simCjs)).pathname).version
const discovery = new DiscoveryContextKeyConstraints([])
const SIM_OUTCOME = { Allowed: 'Allow', ExplicitlyDenied: 'ExplicitDeny', ImplicitlyDenied: 'ImplicitDeny' }

/** Pre-build one iam-simulate authorization request per (request, policies): only authorize() is timed. */
function simPrepare(req, p) {
  const ctx = {}
  for (const [k, v] of Object.entries(req.context ?? {})) ctx[k] = Array.isArray(v) ? v.map(String) : String(v)
  const load = (doc, name) => loadPolicy(doc, { name })
  const auth = {
    request: new AwsRequestImpl(
      req.principal,
      { resource: req.resource, accountId: req.resourceAccount },
      req.action,
      new RequestContextImpl(ctx),
      false,
    ),
    identityPolicies: (p.identity ?? []).map((d, i) => load(d, `identity${i}`)),
    resourcePolicy: p.resource ? load(p.resource.doc, 'resource') : undefined,
    permissionBoundaries: p.boundary ? p.boundary.map((d, i) => load(d, `boundary${i}`)) : undefined,
    sessionPolicy: p.session ? load(p.session, 'session') : undefined,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: discovery },
  }
  return () => SIM_OUTCOME[authorize(auth).result]
}

function irsaPrepare(req, p) {
  const set = {}
  if (p.identity) set.identity = p.identity.map((d, i) => compilePolicy(d, { kind: 'identity', name: `identity${i}` }))
  if (p.resource) set.resource = [compilePolicy(p.resource.doc, { kind: p.resource.kind, name: 'resource' })]
  if (p.boundary) set.boundary = p.boundary.map((d, i) => compilePolicy(d, { kind: 'boundary', name: `boundary${i}` }))
  if (p.session) set.session = [compilePolicy(p.session, { kind: 'session', name: 'session' })]
  return () => evaluate(req, set).decision
}

// ------------------------------------------------------------------------------------------------
// Scenarios
// ------------------------------------------------------------------------------------------------
const ACCT = '111122223333'
const HOST = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'
const PROVIDER = `arn:aws:iam::${ACCT}:oidc-provider/${HOST}`

function trustScenario() {
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${HOST}:sub`]: 'system:serviceaccount:default:app', [`${HOST}:aud`]: 'sts.amazonaws.com' },
        },
      },
    ],
  }
  const requests = []
  for (let i = 0; i < 64; i++) {
    const allowed = i % 2 === 0
    requests.push({
      principal: PROVIDER,
      principalType: 'Federated',
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: `arn:aws:iam::${ACCT}:role/irsa`,
      resourceAccount: ACCT,
      context: {
        [`${HOST}:sub`]: allowed ? 'system:serviceaccount:default:app' : `system:serviceaccount:ns${i}:sa${i}`,
        [`${HOST}:aud`]: 'sts.amazonaws.com',
      },
    })
  }
  return { name: '(a) IRSA trust policy, 1 statement', target: 50, policies: { resource: { doc: trust, kind: 'trust' } }, requests, compile: [{ doc: trust, kind: 'trust' }] }
}

function twentyStatementPolicy() {
  const Statement = []
  for (let i = 0; i < 20; i++) {
    Statement.push({
      Sid: `S${i}`,
      Effect: 'Allow',
      Action: [`s3:GetObject${i}`, `s3:PutObject${i}`, `s3:DeleteObject${i}`],
      Resource: [`arn:aws:s3:::bucket-${i}/*`, `arn:aws:s3:::bucket-${i}`],
      Condition: { StringLike: { 's3:prefix': [`home/team${i}/*`] } },
    })
  }
  return { Version: '2012-10-17', Statement }
}

function identityScenario() {
  const doc = twentyStatementPolicy()
  const requests = []
  for (let i = 0; i < 64; i++) {
    const s = i % 20
    const kind = i % 4 // 0: match; 1: wrong prefix; 2: no action match; 3: last statement match
    const stmt = kind === 3 ? 19 : s
    requests.push({
      principal: `arn:aws:iam::${ACCT}:user/alice`,
      action: kind === 2 ? 's3:ListBucket' : `s3:PutObject${stmt}`,
      resource: `arn:aws:s3:::bucket-${stmt}/k${i}`,
      resourceAccount: ACCT,
      context: { 's3:prefix': kind === 1 ? 'tmp/x' : `home/team${stmt}/f${i}` },
    })
  }
  return { name: '(b) identity policy, 20 statements', target: 20, policies: { identity: [doc] }, requests, compile: [{ doc, kind: 'identity' }] }
}

function mixedScenario() {
  const session = `arn:aws:sts::${ACCT}:assumed-role/app/s1`
  const identity = [
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'] },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::data/${aws:PrincipalTag/team}/*' },
        { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
      ],
    },
  ]
  const boundary = [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'ec2:*'], Resource: '*' }] }]
  const sessionPolicy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } } }],
  }
  const bucketPolicy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/app` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/public/*' },
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:DeleteObject',
        Resource: 'arn:aws:s3:::data/*',
        Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'admin' } },
      },
    ],
  }
  const actions = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket']
  const requests = []
  for (let i = 0; i < 64; i++) {
    requests.push({
      principal: session,
      action: actions[i % actions.length],
      resource: i % 5 === 0 ? 'arn:aws:s3:::data' : `arn:aws:s3:::data/${i % 3 === 0 ? 'public' : 'red'}/o${i}`,
      resourceAccount: ACCT,
      context: {
        'aws:PrincipalTag/team': i % 7 === 0 ? 'admin' : 'red',
        'aws:SecureTransport': i % 11 === 0 ? 'false' : 'true',
        'aws:SourceIp': i % 6 === 0 ? '192.168.1.1' : '10.1.2.3',
      },
    })
  }
  return {
    name: '(c) mixed: identity+boundary+session+resource',
    target: undefined,
    policies: { identity, boundary, session: sessionPolicy, resource: { doc: bucketPolicy, kind: 'resource' } },
    requests,
    compile: [...identity.map((doc) => ({ doc, kind: 'identity' })), { doc: bucketPolicy, kind: 'resource' }],
  }
}

// ------------------------------------------------------------------------------------------------
// Timing
// ------------------------------------------------------------------------------------------------
function gc() {
  if (typeof globalThis.gc === 'function') globalThis.gc()
}

/** µs per call of fns[i % n], measured over at least MIN_MS after a warm-up. */
function time(fns) {
  for (let i = 0; i < WARMUP; i++) fns[i % fns.length]()
  gc()
  let n = 0
  let sink = 0
  const t0 = performance.now()
  let elapsed = 0
  do {
    for (let i = 0; i < 256; i++) sink += fns[(n + i) % fns.length]().length
    n += 256
    elapsed = performance.now() - t0
  } while (elapsed < MIN_MS)
  if (sink === -1) console.log('') // keep the results alive
  return { us: (elapsed * 1000) / n, n }
}

function compileTime(items) {
  const reps = 2000
  for (let i = 0; i < 200; i++) for (const it of items) compilePolicy(it.doc, { kind: it.kind })
  const t0 = performance.now()
  for (let i = 0; i < reps; i++) for (const it of items) compilePolicy(it.doc, { kind: it.kind })
  return ((performance.now() - t0) * 1000) / (reps * items.length)
}

const cpus = os.cpus()
console.log(`irsa policy benchmark — Node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} logical CPUs), ${os.platform()} ${os.arch()}`)
console.log(`reference: @cloud-copilot/iam-simulate ${simVersion} core authorize(), Strict mode; ≥${MIN_MS} ms measured per cell after ${WARMUP} warm-up calls`)
console.log('')

const rows = []
for (const sc of [trustScenario(), identityScenario(), mixedScenario()]) {
  const ours = sc.requests.map((r) => irsaPrepare(r, sc.policies))
  const sims = sc.requests.map((r) => simPrepare(r, sc.policies))
  // Sanity: both engines must decide the benchmark requests the same way.
  let mismatches = 0
  const tally = {}
  sc.requests.forEach((_, i) => {
    const a = ours[i]()
    const b = sims[i]()
    tally[a] = (tally[a] ?? 0) + 1
    if (a !== b) mismatches++
  })
  gc()
  const irsa = time(ours)
  gc()
  const sim = time(sims)
  rows.push({ sc, irsa, sim, mismatches, tally, compileUs: compileTime(sc.compile) })
}

const pad = (s, n) => String(s).padEnd(n)
const lpad = (s, n) => String(s).padStart(n)
console.log(`${pad('scenario', 48)}${lpad('irsa µs/op', 12)}${lpad('sim µs/op', 12)}${lpad('ratio', 9)}${lpad('target', 9)}  met   compile µs/policy  decisions`)
for (const r of rows) {
  const ratio = r.sim.us / r.irsa.us
  const target = r.sc.target === undefined ? '—' : `≥${r.sc.target}×`
  const met = r.sc.target === undefined ? '—' : ratio >= r.sc.target ? 'yes' : 'NO'
  console.log(
    `${pad(r.sc.name, 48)}${lpad(r.irsa.us.toFixed(3), 12)}${lpad(r.sim.us.toFixed(1), 12)}${lpad(ratio.toFixed(1) + '×', 9)}${lpad(target, 9)}  ${pad(met, 5)} ${lpad(r.compileUs.toFixed(2), 17)}  ${JSON.stringify(r.tally)}${r.mismatches ? `  ⚠ ${r.mismatches} decisions differ from iam-simulate` : ''}`,
  )
}
console.log('')
console.log('ratio = iam-simulate µs/op ÷ irsa µs/op (higher is better for irsa). Baselines measured for iam-simulate when the targets were set: 102 µs (a), 1,668 µs (b) on 2 cores.')
