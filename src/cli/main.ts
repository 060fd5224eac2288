#!/usr/bin/env node
/** The `irsa` command line: a thin layer that parses flags, calls library functions and prints. */
import { createReadStream } from 'node:fs'
import { access, readFile } from 'node:fs/promises'
import { Command, InvalidArgumentError, Option } from 'commander'
import { isIrsaError } from '../errors.js'
import { POLICY_KINDS } from '../policy/kind.js'
import type { PolicyKind } from '../policy/kind.js'
import { policyEvalCommand } from './policy-eval.js'
import { policyValidateCommand } from './policy-validate.js'
import { execCommand } from './exec.js'
import { listSigningKeys, rotateSigningKey } from './keys.js'
import { exportContext } from '../respond/cloudtrail/decision-events.js'
import { cloudTrailText, exportLog, formatLogLine, logTime, parseDuration, pruneLog, readLog } from './log.js'
import { serveOpsOptions, serveOpsSettings, startServer } from './serve.js'
import type { ServeOpsFlags } from './serve.js'
import { applyCommand, formatApplyOutcome, loadConfigFile } from './apply.js'
import { recordedEndpoint, withState } from './state.js'
import { DEFAULT_DATA_DIR, DEFAULT_PORT } from './bootstrap.js'
import { issueServiceAccountToken } from './issue-token.js'
import { IrsaError } from '../errors.js'
import { registerAuditCommands } from './audit.js'
import { registerWebhookCommands } from './webhook.js'
import { registerInvestigateCommand } from './investigate.js'
import { registerContainCommand } from './contain.js'
import { POD_IDENTITY_SERVICE, STS_AUDIENCE } from '../model/aws-names.js'
import { VERSION } from './version.js'

export function buildProgram(): Command {
  const program = new Command('irsa')
    .description('IAM Roles for Service Accounts, end to end and governed')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()

  const policy = program.command('policy').description('The IAM policy engine: evaluate and validate policies')

  policy
    .command('eval')
    .description('Evaluate requests given as JSON Lines (stdin or --cases); prints one JSON decision per line')
    .option('--cases <file>', 'read cases from FILE instead of stdin')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('json'))
    .option('--explain', 'text format: add the explanation and deciding statements')
    .option('--summary', 'print a one-line summary of outcomes on stderr')
    .action(async (opts: { cases?: string; format: 'json' | 'text'; explain?: boolean; summary?: boolean }) => {
      if (opts.cases !== undefined) await access(opts.cases)
      const input = opts.cases === undefined ? process.stdin : createReadStream(opts.cases)
      const summary = await policyEvalCommand(input, process.stdout, { format: opts.format, explain: opts.explain ?? false })
      if (opts.summary) {
        const parts = Object.entries(summary.outcomes).map(([k, v]) => `${k} ${v}`)
        process.stderr.write(`${summary.cases} cases: ${[...parts, `errors ${summary.errors}`].join(', ')}\n`)
      }
    })

  policy
    .command('validate')
    .description('Validate policy documents; exit 0 clean, 1 problems found, 2 unreadable input')
    .argument('<files...>', 'policy JSON files')
    .requiredOption('--kind <kind>', `policy kind: ${POLICY_KINDS.join('|')}`, parseKind)
    .option('--managed', 'identity/boundary: apply the managed-policy size limit (6,144)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (files: string[], opts: { kind: PolicyKind; managed?: boolean; format: 'text' | 'json' }) => {
      const code = await policyValidateCommand(
        files,
        { kind: opts.kind, format: opts.format, managed: opts.managed ?? false },
        {
          readFile: (p) => readFile(p, 'utf8'),
          stdout: (s) => process.stdout.write(s),
          stderr: (s) => process.stderr.write(s),
        },
      )
      process.exitCode = code
    })

  program
    .command('serve')
    .description('Serve the OIDC issuer, the STS and IAM APIs and /healthz')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', parseInteger, DEFAULT_PORT)
    .option('--data <dir>', 'state directory (SQLite)', DEFAULT_DATA_DIR)
    .addOption(storeOption())
    .option('--issuer <url>', 'issuer URL (default: the stored one, else http://HOST:PORT)')
    .option('--account <id>', 'AWS account id of this identity plane')
    .option('--region <region>', 'region reported to clients')
    .addOption(new Option('--signing-algorithm <alg>', 'algorithm of the first signing key').choices(['RS256', 'ES256']).default('RS256'))
    .option('--demo', 'create a demo namespace, service account and least-privilege role')
    .option('--log', 'log requests as JSON lines (never secrets)')
    .addOption(serveOpsOptions()[0])
    .addOption(serveOpsOptions()[1])
    .addOption(serveOpsOptions()[2])
    .addOption(serveOpsOptions()[3])
    .addOption(serveOpsOptions()[4])
    .option('--config <file>', 'apply this declarative config (YAML) at start')
    .option('--cluster-name <name>', 'name of the EKS cluster this server emulates (default: the stored one, else irsa)')
    .option('--ui-token <token>', 'token for the web dashboard at /ui (default IRSA_UI_TOKEN; --demo generates one)')
    .option('--webhook-token <token>', 'bearer token POST /mutate requires (default IRSA_WEBHOOK_TOKEN; unset: /mutate is refused)')
    .option('--allowed-host <name...>', 'more Host names to answer when listening on loopback (DNS rebinding protection accepts loopback names and the issuer host)')
    .option('--allow-jwks-host <host>', "let external issuers' jwks_uri name this host besides their own (repeatable; HOST or HOST:PORT)", collectJwksHost, [])
    .option('--backend <url|moto>', 'enforce the issued credentials on other AWS services and forward allowed calls to this emulator (moto: start moto_server)')
    .option('--backend-credentials <akid:secret>', 're-sign forwarded requests with these credentials (default: forward as received)')
    .action(async (o: { backend?: string; backendCredentials?: string; host: string; port: number; data: string; store?: string; issuer?: string; account?: string; region?: string; signingAlgorithm: 'RS256' | 'ES256'; demo?: boolean; log?: boolean; config?: string; clusterName?: string; uiToken?: string; webhookToken?: string; allowedHost?: string[]; allowJwksHost: string[] } & ServeOpsFlags) => {
      const config = o.config === undefined ? undefined : await loadConfigFile(o.config)
      const serving = await startServer(
        {
          host: o.host,
          port: o.port,
          data: o.data,
          ...(o.store === undefined ? {} : { storeUrl: o.store }),
          ...(o.issuer === undefined ? {} : { issuer: o.issuer }),
          ...(o.account === undefined ? {} : { account: o.account }),
          ...(o.region === undefined ? {} : { region: o.region }),
          signingAlgorithm: o.signingAlgorithm,
          demo: o.demo ?? false,
          logger: o.log ?? false,
          ...serveOpsSettings(o),
          ...(config === undefined ? {} : { config }),
          ...(o.clusterName === undefined ? {} : { clusterName: o.clusterName }),
          ...(o.uiToken === undefined ? {} : { uiToken: o.uiToken }),
          ...(o.webhookToken === undefined ? {} : { webhookToken: o.webhookToken }),
          ...(o.allowedHost === undefined ? {} : { allowedHosts: o.allowedHost }),
          allowJwksHosts: o.allowJwksHost,
          ...(o.backend === undefined ? {} : { backend: { backend: o.backend, ...(o.backendCredentials === undefined ? {} : { credentials: o.backendCredentials }) } }),
        },
        (line) => process.stdout.write(`${line}\n`),
      )
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          void serving.close().then(resolve, resolve)
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
    })

  program
    .command('apply')
    .description('Apply a declarative config (YAML) to a running server; exit 2 on a bad file, 1 on a conflict')
    .argument('<file>', 'config file')
    .option('--endpoint <url>', 'server URL (default: the one recorded in --data, else http://127.0.0.1:7788)')
    .option('--data <dir>', 'state directory (for the endpoint and admin credentials)', DEFAULT_DATA_DIR)
    .addOption(storeOption('store the endpoint is recorded in (with --local: the store to apply to)'))
    .option('--local', 'apply to the state store (--data, --store) directly instead of a running server')
    .option('--dry-run', 'print the plan (what would change) and change nothing')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (file: string, o: { endpoint?: string; data: string; store?: string; local?: boolean; dryRun?: boolean; format: 'text' | 'json' }) => {
      const endpoint = o.endpoint ?? (o.store === undefined || o.local === true ? undefined : await recordedEndpoint(o.store, o.data))
      const flags = { local: o.local === true, dryRun: o.dryRun === true, ...(o.store === undefined ? {} : { store: o.store }) }
      const outcome = await applyCommand(file, { data: o.data, ...flags, ...(endpoint === undefined ? {} : { endpoint }) })
      process.stdout.write(formatApplyOutcome(outcome, o.format))
    })

  program
    .command('token')
    .description('Print a projected service-account token signed by this issuer')
    .requiredOption('--namespace <ns>', 'namespace')
    .requiredOption('--service-account <name>', 'service account')
    .option('--audience <aud>', 'token audience', STS_AUDIENCE)
    .option('--expiration <seconds>', 'lifetime in seconds (min 600)', parseInteger, 86400)
    .option('--pod <name>', 'bind the token to a pod name (a pods.eks.amazonaws.com token is always bound: default SA-token)')
    .option('--data <dir>', 'state directory', DEFAULT_DATA_DIR)
    .addOption(storeOption())
    .action(async (o: { namespace: string; serviceAccount: string; audience: string; expiration: number; pod?: string; data: string; store?: string }) => {
      // The kubelet projects a Pod Identity token into a pod, and EKS Auth names the pod in the
      // session: such a token is always pod-bound.
      const pod = o.pod ?? (o.audience === POD_IDENTITY_SERVICE ? `${o.serviceAccount}-token`.slice(0, 253) : undefined)
      const t = await withState(stateOf(o), (rt) =>
        issueServiceAccountToken(rt, {
          namespace: o.namespace,
          serviceAccount: o.serviceAccount,
          audience: [o.audience],
          expirationSeconds: o.expiration,
          ...(pod === undefined ? {} : { pod }),
        }),
      )
      process.stdout.write(`${t.token}\n`)
    })

  program
    .command('exec')
    .description('Run a command with IRSA environment variables, as a pod would (AWS SDKs assume the role through irsa)')
    .requiredOption('--namespace <ns>', 'namespace')
    .requiredOption('--service-account <name>', 'service account')
    .option('--role-arn <arn>', 'role to assume (default: the service account binding)')
    .option('--audience <aud>', 'token audience')
    .option('--expiration <seconds>', 'token lifetime in seconds', parseInteger, 3600)
    .option('--pod <name>', 'bind the token to a pod name')
    .option('--endpoint <url>', 'STS endpoint (default: the running server)')
    .option('--pod-identity', 'run as EKS Pod Identity (container credentials from the server agent endpoint) instead of IRSA')
    .option('--data <dir>', 'state directory', DEFAULT_DATA_DIR)
    .addOption(storeOption())
    .argument('<command...>', 'command and arguments, after --')
    .action(async (command: string[], o: { namespace: string; serviceAccount: string; roleArn?: string; audience?: string; expiration: number; pod?: string; endpoint?: string; podIdentity?: boolean; data: string; store?: string }) => {
      const code = await withState(stateOf(o), (rt) =>
        execCommand(
          rt,
          {
            namespace: o.namespace,
            serviceAccount: o.serviceAccount,
            ...(o.roleArn === undefined ? {} : { roleArn: o.roleArn }),
            ...(o.audience === undefined ? {} : { audience: o.audience }),
            expiration: o.expiration,
            ...(o.pod === undefined ? {} : { pod: o.pod }),
            ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
            ...(o.podIdentity === true ? { podIdentity: true } : {}),
          },
          command,
        ),
      )
      process.exitCode = code
    })

  const keys = program.command('keys').description('Signing keys of the issuer')
  keys
    .command('rotate')
    .description('Add a new signing key; old public keys stay published until their tokens expire')
    .addOption(new Option('--algorithm <alg>', 'algorithm').choices(['RS256', 'ES256']).default('RS256'))
    .option('--data <dir>', 'state directory', DEFAULT_DATA_DIR)
    .addOption(storeOption())
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (o: { algorithm: 'RS256' | 'ES256'; data: string; store?: string; format: 'text' | 'json' }) => {
      const r = await withState(stateOf(o), (rt) => rotateSigningKey(rt, o.algorithm))
      process.stdout.write(o.format === 'json' ? `${JSON.stringify(r)}\n` : `new signing key ${r.kid}${r.retired.length ? `; retired ${r.retired.join(', ')}` : ''}\n`)
    })
  keys
    .command('list')
    .description('List signing keys')
    .option('--data <dir>', 'state directory', DEFAULT_DATA_DIR)
    .addOption(storeOption())
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (o: { data: string; store?: string; format: 'text' | 'json' }) => {
      const rows = await withState(stateOf(o), (rt) => listSigningKeys(rt))
      if (o.format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
      else for (const r of rows) process.stdout.write(`${r.kid}  ${r.alg}  ${r.active ? 'active ' : 'retired'}  ${r.published ? 'published' : 'unpublished'}  created ${r.createdAt}\n`)
    })

  // Positional options: `irsa log export --since …` is the subcommand's --since, not the listing's.
  const logCommand = program
    .command('log')
    .enablePositionalOptions()
    .description('Show the decision log (every token exchange and authorization, never a secret)')
    .option('--since <duration>', 'only entries newer than this (e.g. 15m, 2h, 7d)')
    .option('--role <arn>', 'only this role')
    .option('--subject <sub>', 'only this token subject (system:serviceaccount:NS:SA)')
    .addOption(new Option('--outcome <outcome>', 'only this outcome').choices(['Allow', 'Deny', 'Error']))
    .option('--limit <n>', 'at most this many entries', parseInteger, 100)
    .option('--data <dir>', 'state directory', DEFAULT_DATA_DIR)
    .addOption(storeOption())
    .addOption(new Option('--format <format>', 'output format (cloudtrail: {"Records": [...]} in CloudTrail\'s record shape)').choices(['text', 'json', 'cloudtrail']).default('text'))
    .action(async (o: { since?: string; role?: string; subject?: string; outcome?: 'Allow' | 'Deny' | 'Error'; limit: number; data: string; store?: string; format: 'text' | 'json' | 'cloudtrail' }) => {
      const since = o.since === undefined ? undefined : logTime('--since', o.since, Date.now())
      await withState(stateOf(o), async (rt) => {
        const rows = await readLog(rt, {
          ...(since === undefined ? {} : { since }),
          ...(o.role === undefined ? {} : { role: o.role }),
          ...(o.subject === undefined ? {} : { subject: o.subject }),
          ...(o.outcome === undefined ? {} : { outcome: o.outcome }),
          limit: o.limit,
        })
        if (o.format === 'cloudtrail') {
          for await (const chunk of cloudTrailText(rows, await exportContext(rt))) process.stdout.write(chunk)
          return
        }
        const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined
        for (const r of rows) process.stdout.write(o.format === 'json' ? `${JSON.stringify(r)}\n` : `${formatLogLine(r, color)}\n`)
      })
    })
  logCommand
    .command('export')
    .description('Write the decision log of a window to a file (gzip for .gz), streamed, for archiving before pruning')
    .requiredOption('--since <time>', 'from this time: a duration ago (30d) or an ISO 8601 time')
    .option('--until <time>', 'up to this time, exclusive (a duration ago or an ISO 8601 time; default now)')
    .addOption(new Option('--format <format>', 'cloudtrail ({"Records": [...]}) or jsonl (the decision records)').choices(['cloudtrail', 'jsonl']).default('cloudtrail'))
    .option('--output <file>', 'write here (FILE.gz is gzipped); default standard output')
    .option('--data <dir>', 'state directory', DEFAULT_DATA_DIR)
    .addOption(storeOption())
    .action(async (o: { since: string; until?: string; format: 'cloudtrail' | 'jsonl'; output?: string; data: string; store?: string }) => {
      const now = Date.now()
      const since = logTime('--since', o.since, now)
      const before = o.until === undefined ? undefined : logTime('--until', o.until, now)
      const n = await withState(stateOf(o), (rt) => exportLog(rt, { since, ...(before === undefined ? {} : { before }), format: o.format, ...(o.output === undefined ? {} : { output: o.output }) }))
      if (o.output !== undefined && o.output !== '-') process.stderr.write(`exported ${n} decisions to ${o.output}\n`)
    })
  logCommand
    .command('prune')
    .description('Delete decisions older than a duration (export them first to keep them)')
    .requiredOption('--older-than <duration>', 'delete decisions older than this (e.g. 90d)')
    .option('--data <dir>', 'state directory', DEFAULT_DATA_DIR)
    .addOption(storeOption())
    .action(async (o: { olderThan: string; data: string; store?: string }) => {
      const secs = parseDuration(o.olderThan)
      if (secs === undefined) throw new IrsaError('ERR_CLI_USAGE', `--older-than expects a duration such as 90d or 12h, not ${o.olderThan}`)
      const before = Date.now() - secs * 1000
      const n = await withState(stateOf(o), (rt) => pruneLog(rt.store, before))
      process.stdout.write(`pruned ${n} decisions older than ${new Date(before).toISOString()}\n`)
    })

  // `irsa webhook` and `irsa webhook manifests` (src/cli/webhook.ts).
  registerWebhookCommands(program)

  // The auditor: `irsa audit`, `irsa audit rules`, `irsa who-can`, `irsa what-can` (src/cli/audit.ts).
  registerAuditCommands(program, (code) => {
    process.exitCode = code
  })

  // Incident response: `irsa investigate` and `irsa contain` (src/cli/investigate.ts, src/cli/contain.ts).
  registerInvestigateCommand(program, (code) => (process.exitCode = code))
  registerContainCommand(program, (code) => (process.exitCode = code))

  return program
}

/** `--store URL` (or IRSA_STORE): the same store for every command that reads or changes state. */
function storeOption(what = 'state store'): Option {
  return new Option('--store <url>', `${what}: postgres://… (shared by replicas) or sqlite:PATH (default: SQLite under --data)`).env('IRSA_STORE')
}

function stateOf(o: { data: string; store?: string }): { data: string; store?: string } {
  return o.store === undefined ? { data: o.data } : { data: o.data, store: o.store }
}

function parseInteger(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number')
  return Number(v)
}

/** One `--allow-jwks-host` value (`HOST` or `HOST:PORT`), as the URL parser writes a host, added to the list. */
function collectJwksHost(v: string, list: string[]): string[] {
  let host: string | undefined
  try {
    const u = new URL(`https://${v}`)
    host = u.pathname === '/' && u.search === '' && u.hash === '' && u.username === '' && [u.host, u.hostname].includes(v.toLowerCase()) ? v.toLowerCase() : undefined
  } catch {
    host = undefined
  }
  if (host === undefined) throw new InvalidArgumentError('expected a host name or address, optionally with :PORT')
  return [...list, host]
}

function parseKind(v: string): PolicyKind {
  if (!(POLICY_KINDS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${POLICY_KINDS.join(', ')}`)
  return v as PolicyKind
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv as string[])
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string }
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      // commander has already printed its message; help and version exit 0.
      return err.exitCode ?? 2
    }
    const message = isIrsaError(e) ? e.message : e instanceof Error ? e.message : String(e)
    process.stderr.write(`irsa: ${message.split('\n')[0]}\n`)
    return isIrsaError(e, 'ERR_CLI_INPUT', 'ERR_CLI_USAGE') || (err.code !== undefined && ['ENOENT', 'EACCES', 'EISDIR'].includes(err.code)) ? 2 : 1
  }
}

// A closed pipe (`irsa audit rules | head`) ends the command quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0)
  throw e
})

main(process.argv).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(`irsa: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  },
)
