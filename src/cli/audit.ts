/**
 * `irsa audit`, `irsa audit rules`, `irsa who-can`, `irsa what-can`: parse flags, load inputs, call the
 * auditor, print. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input or usage.
 */
import { readFile, writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { InvalidArgumentError, Option } from 'commander'
import { parse as parseYaml } from 'yaml'
import { IrsaError, isIrsaError } from '../errors.js'
import { gatingFindings, runAudit } from '../audit/audit.js'
import type { AuditResult } from '../audit/audit.js'
import type { Severity } from '../audit/finding.js'
import { SEVERITIES } from '../audit/finding.js'
import { buildGraph } from '../audit/graph.js'
import type { AuditGraph } from '../audit/graph.js'
import { loadFiles } from '../audit/load/files.js'
import type { Inventory } from '../audit/model.js'
import { whatCan, whoCan } from '../audit/queries.js'
import { renderHtml } from '../ui/report.js'
import { auditReportView } from '../ui/report-view.js'
import { renderJson } from '../audit/reporters/json.js'
import { renderSarif } from '../audit/reporters/sarif.js'
import { renderText } from '../audit/reporters/text.js'
import { RULES } from '../audit/rules/catalogue.js'
import { makeBaseline, parseBaseline, parseSuppressions } from '../audit/suppress.js'
import type { Baseline, Suppression } from '../audit/suppress.js'
import { registerMigrateCommand } from './audit-migrate.js'
import { VERSION } from './version.js'

export interface AuditIo {
  stdout(s: string): void
  stderr(s: string): void
  /** Whether stdout/stderr are terminals (colour, progress bar). */
  readonly isTTY: boolean
  now(): Date
  writeFile(path: string, text: string): Promise<void>
  readFile(path: string): Promise<string>
}

export interface InputFlags {
  kubernetes?: string[]
  iam?: string[]
  eksCluster?: string[]
  oidcProviders?: string[]
  clusterIssuer?: string[]
  fromKube?: boolean
  kubeconfig?: string
  context?: string
  fromAws?: boolean
  awsEndpoint?: string
  awsRegion?: string
  podIdentityAssociations?: string[]
  eksAccessEntries?: string[]
  awsEksClusters?: string[]
  awsAllClusters?: boolean
  progress?: boolean
}

export interface AuditFlags extends InputFlags {
  format: 'text' | 'json' | 'sarif' | 'html'
  output?: string
  failOn: Severity | 'none'
  minSeverity?: Severity
  rules?: string[]
  skipRules?: string[]
  suppressions?: string
  baseline?: string
  writeBaseline?: string
  showSuppressed?: boolean
  unusedDays?: number
  strict?: boolean
}

export function defaultIo(): AuditIo {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
    now: () => new Date(),
    writeFile: (p, t) => writeFile(p, t, 'utf8'),
    readFile: (p) => readFile(p, 'utf8'),
  }
}

export function progress(io: AuditIo, enabled: boolean): { tick(label: string, done: number, total?: number): void; done(): void } {
  const on = enabled && io.isTTY && process.stderr.isTTY === true
  let last = 0
  return {
    tick(label, done, total) {
      if (!on) return
      const t = Date.now()
      if (t - last < 80 && (total === undefined || done < total)) return
      last = t
      if (total !== undefined && total > 0) {
        const w = 30
        const filled = Math.round((done / total) * w)
        io.stderr(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(w - filled)}] ${done}/${total}   `)
      } else io.stderr(`\r${label} ${done}   `)
    },
    done() {
      if (on) io.stderr('\r\x1b[K')
    },
  }
}

/** Load every input named by the flags (files, and the live sources when asked for). */
export async function loadInputs(flags: InputFlags, io: AuditIo): Promise<Inventory> {
  const hasFiles = (flags.kubernetes?.length ?? 0) + (flags.iam?.length ?? 0) > 0
  if (!hasFiles && flags.fromKube !== true && flags.fromAws !== true) {
    throw new IrsaError('ERR_CLI_USAGE', 'nothing to audit: give --kubernetes PATH… and/or --iam FILE (or --from-kube / --from-aws)')
  }
  const bar = progress(io, flags.progress !== false)
  let files = 0
  const inv = await loadFiles({
    kubernetes: flags.kubernetes ?? [],
    iam: flags.iam ?? [],
    eksClusters: flags.eksCluster ?? [],
    oidcProviders: flags.oidcProviders ?? [],
    clusterIssuers: flags.clusterIssuer ?? [],
    podIdentityAssociations: flags.podIdentityAssociations ?? [],
    accessEntries: flags.eksAccessEntries ?? [],
    onFile: () => bar.tick('reading', ++files),
  })
  if (flags.fromKube === true) {
    const { loadFromKube } = await import('../audit/load/live-kube.js')
    await loadFromKube(inv, { ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }), ...(flags.context === undefined ? {} : { context: flags.context }) })
  }
  if (flags.fromAws === true) {
    // The SDK's Node 20 notice would break the one-line error contract; irsa supports Node 20.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    const { loadFromAws, loadPodIdentityFromAws } = await import('../audit/load/live-aws.js')
    const where = { ...(flags.awsEndpoint === undefined ? {} : { endpoint: flags.awsEndpoint }), ...(flags.awsRegion === undefined ? {} : { region: flags.awsRegion }) }
    await loadFromAws(inv, where)
    if (flags.awsAllClusters === true || (flags.awsEksClusters?.length ?? 0) > 0) {
      await loadPodIdentityFromAws(inv, { ...where, podIdentity: { ...(flags.awsEksClusters === undefined ? {} : { clusters: flags.awsEksClusters }), all: flags.awsAllClusters === true } })
    }
  } else if (flags.awsAllClusters === true || flags.awsEksClusters !== undefined) {
    throw new IrsaError('ERR_CLI_USAGE', '--aws-eks-clusters and --aws-all-clusters read the EKS API: they need --from-aws')
  }
  bar.done()
  return { ...inv, hasRbac: inv.k8s.roles.length + inv.k8s.bindings.length > 0 }
}

export function graphOf(inv: Inventory, io: AuditIo, flags: InputFlags): AuditGraph {
  const bar = progress(io, flags.progress !== false)
  const g = buildGraph(inv, { onProgress: (d, t) => bar.tick('analysing roles', d, t) })
  bar.done()
  return g
}

async function readStructured(io: AuditIo, path: string, code: 'ERR_AUDIT_SUPPRESSION' | 'ERR_AUDIT_BASELINE'): Promise<unknown> {
  let text: string
  try {
    text = await io.readFile(path)
  } catch (e) {
    throw new IrsaError(code, `cannot read ${path}: ${(e as Error).message}`)
  }
  try {
    return /\.json$/i.test(path) ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown)
  } catch (e) {
    throw new IrsaError(code, `${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(e as Error).message}`)
  }
}

export function fail(io: AuditIo, e: unknown): number {
  if (isIrsaError(e)) {
    io.stderr(`irsa: ${e.message}\n`)
    return e.code.startsWith('ERR_AUDIT_') || e.code === 'ERR_CLI_USAGE' || e.code === 'ERR_CLI_INPUT' ? 2 : 1
  }
  throw e
}

export function warn(io: AuditIo, inv: Inventory): void {
  for (const w of inv.warnings) io.stderr(`irsa: warning: ${w.file}${w.object === undefined ? '' : ` (${w.object})`}: ${w.message}\n`)
}

/** `irsa audit`. Returns the exit code. */
export async function auditCommand(flags: AuditFlags, io: AuditIo = defaultIo()): Promise<number> {
  try {
    const now = io.now()
    let suppressions: Suppression[] | undefined
    let baseline: Baseline | undefined
    if (flags.suppressions !== undefined) suppressions = parseSuppressions(await readStructured(io, flags.suppressions, 'ERR_AUDIT_SUPPRESSION'), flags.suppressions)
    if (flags.baseline !== undefined) baseline = parseBaseline(await readStructured(io, flags.baseline, 'ERR_AUDIT_BASELINE'), flags.baseline)
    const inv = await loadInputs(flags, io)
    const graph = graphOf(inv, io, flags)
    const result: AuditResult = runAudit(graph, {
      now,
      ...(flags.rules === undefined ? {} : { rules: flags.rules }),
      ...(flags.skipRules === undefined ? {} : { skipRules: flags.skipRules }),
      ...(suppressions === undefined ? {} : { suppressions }),
      ...(baseline === undefined ? {} : { baseline }),
      ...(flags.unusedDays === undefined ? {} : { unusedDays: flags.unusedDays }),
    })
    if (flags.format !== 'text' || flags.output !== undefined) for (const w of result.warnings) io.stderr(`irsa: warning: ${w.file}${w.object === undefined ? '' : ` (${w.object})`}: ${w.message}\n`)
    const meta = { version: VERSION, generatedAt: now.toISOString() }
    const min = flags.minSeverity === undefined ? undefined : SEVERITIES.indexOf(flags.minSeverity)
    const shown: AuditResult = min === undefined ? result : { ...result, findings: result.findings.filter((f) => SEVERITIES.indexOf(f.severity) >= min) }
    const text =
      flags.format === 'json'
        ? renderJson(shown, meta)
        : flags.format === 'sarif'
          ? renderSarif(shown, meta)
          : flags.format === 'html'
            ? renderHtml(auditReportView(shown, graph, meta.generatedAt), meta)
            : renderText(shown, { color: io.isTTY && flags.output === undefined, showSuppressed: flags.showSuppressed ?? false })
    if (flags.output !== undefined) await io.writeFile(flags.output, text)
    else io.stdout(text)
    if (flags.writeBaseline !== undefined) await io.writeFile(flags.writeBaseline, `${JSON.stringify(makeBaseline(result.findings), null, 2)}\n`)
    if (flags.strict === true && result.warnings.length > 0) return 2
    return gatingFindings(result.findings, flags.failOn).length > 0 ? 1 : 0
  } catch (e) {
    return fail(io, e)
  }
}

/** `irsa audit rules`: the catalogue. */
export function rulesCommand(format: 'text' | 'json', io: AuditIo = defaultIo()): number {
  if (format === 'json') io.stdout(`${JSON.stringify(RULES.map((r) => r.meta), null, 2)}\n`)
  else {
    for (const r of RULES) {
      const m = r.meta
      io.stdout(`${m.id.padEnd(16)} ${m.ref}  ${m.severity.padEnd(8)} ${m.layer.padEnd(3)} ${m.title}\n${' '.repeat(17)}${[...m.mappings.nhi, ...m.mappings.csf, ...m.mappings.zt].join(', ')}\n`)
    }
  }
  return 0
}

export async function whoCanCommand(flags: InputFlags & { role: string; format: 'text' | 'json' }, io: AuditIo = defaultIo()): Promise<number> {
  try {
    const inv = await loadInputs(flags, io)
    warn(io, inv)
    const a = whoCan(graphOf(inv, io, flags), flags.role)
    if (flags.format === 'json') io.stdout(`${JSON.stringify(a, null, 2)}\n`)
    else {
      if (!a.found) {
        io.stdout(`${a.role}: not in the IAM export\n`)
        return 1
      }
      const lines = [`${a.role} (tier ${a.tier ?? '?'})`]
      lines.push(`  trusted issuers: ${a.issuers.map((i) => `${i.issuer}${i.cluster === undefined ? '' : ` [${i.cluster}]`} scope ${i.scope}`).join('; ') || 'none (no web-identity trust)'}`)
      lines.push(`  service accounts (${a.serviceAccounts.length}):`)
      for (const s of a.serviceAccounts) lines.push(`    ${s.cluster}:${s.namespace}/${s.name}${s.annotated ? ' annotated' : ''}${s.admitted ? ' admitted' : ' NOT admitted by the trust'}`)
      lines.push(`  pods and controllers (${a.pods.length}):`)
      for (const p of a.pods) lines.push(`    ${p.cluster}:${p.namespace}/${p.kind}/${p.name} as ${p.serviceAccount}`)
      lines.push(`  RBAC subjects (${a.subjects.length}):`)
      for (const s of a.subjects) lines.push(`    ${s.subject}${s.clusterAdmin ? ' [cluster-admin]' : ''}${s.system ? ' [system]' : ''}: ${s.how.join('; ')}`)
      if (a.claimable.length > 0) lines.push(`  claimable by whoever creates: ${a.claimable.join('; ')}`)
      io.stdout(`${lines.join('\n')}\n`)
    }
    return a.found ? 0 : 1
  } catch (e) {
    return fail(io, e)
  }
}

export async function whatCanCommand(flags: InputFlags & { serviceAccount: string; cluster?: string; format: 'text' | 'json' }, io: AuditIo = defaultIo()): Promise<number> {
  try {
    if (!/^[^/]+\/[^/]+$/.test(flags.serviceAccount)) throw new IrsaError('ERR_CLI_USAGE', '--service-account expects NAMESPACE/NAME')
    const inv = await loadInputs(flags, io)
    warn(io, inv)
    const a = whatCan(graphOf(inv, io, flags), flags.serviceAccount, flags.cluster)
    if (flags.format === 'json') io.stdout(`${JSON.stringify(a, null, 2)}\n`)
    else {
      const lines = [`${a.serviceAccount}${a.cluster === undefined ? '' : ` [${a.cluster}]`}${a.exists ? '' : ' (service account not found)'}`]
      if (a.roles.length === 0) lines.push('  no AWS role: annotated with none, and no trust admits it')
      for (const r of a.roles) {
        lines.push(`  ${r.arn} via ${r.via.join(', ')}${r.found ? ` — tier ${r.tier ?? ''} (${r.tierLabel ?? ''})` : ' — not in the IAM export'}`)
        for (const s of r.sensitive) lines.push(`    ${s.category}: ${s.action}${s.statements.length > 0 ? ` ← ${s.statements.join(', ')}` : ''}`)
        for (const s of r.statements) {
          lines.push(`    ${s.effect} ${s.policy}[${s.index}]${s.sid === undefined ? '' : ` ${s.sid}`}: ${s.actions.length > 0 ? s.actions.join(', ') : `NotAction ${s.notActions.join(', ')}`} on ${s.resources.length > 0 ? s.resources.join(', ') : `NotResource ${s.notResources.join(', ')}`}${s.hasCondition ? ` if ${s.conditionKeys.join(', ')}` : ''}`)
        }
        if (r.unknownPolicies.length > 0) lines.push(`    (documents not exported: ${r.unknownPolicies.join(', ')})`)
      }
      io.stdout(`${lines.join('\n')}\n`)
    }
    return 0
  } catch (e) {
    return fail(io, e)
  }
}

function severityArg(v: string): Severity | 'none' {
  if (v === 'none' || (SEVERITIES as readonly string[]).includes(v)) return v as Severity | 'none'
  throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(', ')}, none`)
}

function intArg(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number')
  return Number(v)
}

export function inputOptions(cmd: Command): Command {
  return cmd
    .option('--kubernetes <paths...>', 'Kubernetes objects: kubectl -o json Lists, YAML files or directories (prefix CLUSTER= to name the cluster)')
    .option('--iam <files...>', 'aws iam get-account-authorization-details output')
    .option('--eks-cluster <files...>', 'aws eks describe-cluster output (the cluster issuer)')
    .option('--oidc-providers <files...>', 'aws iam list-open-id-connect-providers / get-open-id-connect-provider output')
    .option('--cluster-issuer <urls...>', 'cluster issuer URL ([CLUSTER=]URL) when no describe-cluster output is at hand')
    .option('--pod-identity-associations <files...>', 'aws eks list-pod-identity-associations / describe-pod-identity-association output (EKS Pod Identity bindings)')
    .option('--eks-access-entries <files...>', 'aws eks describe-access-entry / list-associated-access-policies / list-access-entries output ([CLUSTER=]FILE)')
    .option('--from-kube', 'read Kubernetes objects live through the kubeconfig')
    .option('--kubeconfig <file>', 'kubeconfig for --from-kube (default: KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context for --from-kube')
    .option('--from-aws', 'read IAM live through the AWS SDK')
    .option('--aws-endpoint <url>', 'IAM endpoint for --from-aws (e.g. a running irsa serve)')
    .option('--aws-region <region>', 'region for --from-aws', 'us-east-1')
    .option('--aws-eks-clusters <names...>', 'with --from-aws: read the Pod Identity associations of these EKS clusters')
    .option('--aws-all-clusters', 'with --from-aws: read the Pod Identity associations of every cluster (eks:ListClusters)')
    .option('--no-progress', 'no progress bar')
}

/** Register `audit`, `audit rules`, `who-can` and `what-can` on the program. */
export function registerAuditCommands(program: Command, setExitCode: (code: number) => void): void {
  const audit = inputOptions(program.command('audit').description('Audit IRSA bindings across Kubernetes and IAM; exit 0 clean, 1 findings at or above --fail-on, 2 bad input'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif', 'html']).default('text'))
    .option('--output <file>', 'write the report to FILE instead of stdout')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (none: never)', severityArg, 'high' as Severity | 'none')
    .option('--min-severity <severity>', 'only show findings at or above this severity', severityArg)
    .option('--rules <ids...>', 'only these rules (ids, R-numbers, globs such as IRSA-TRUST-*, or severities)')
    .option('--skip-rules <ids...>', 'skip these rules')
    .option('--suppressions <file>', 'YAML/JSON suppressions: rule, resource, reason, expires (required), owner')
    .option('--baseline <file>', 'accepted finding fingerprints: only new findings fail')
    .option('--write-baseline <file>', 'write the current findings as a baseline')
    .option('--show-suppressed', 'text format: also show suppressed and baselined findings')
    .option('--unused-days <n>', 'R17 threshold in days', intArg)
    .option('--strict', 'exit 2 when any input produced a warning')
    .action(async (o: AuditFlags & { failOn: Severity | 'none' }) => {
      setExitCode(await auditCommand(o))
    })
  audit
    .command('rules')
    .description('List the rule catalogue')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((o: { format: 'text' | 'json' }) => {
      setExitCode(rulesCommand(o.format))
    })
  registerMigrateCommand(audit, setExitCode)
  inputOptions(program.command('who-can').description('Which service accounts, pods and RBAC subjects can obtain a role'))
    .requiredOption('--role <arn>', 'role ARN')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (o: InputFlags & { role: string; format: 'text' | 'json' }) => {
      setExitCode(await whoCanCommand(o))
    })
  inputOptions(program.command('what-can').description('Effective AWS permissions of a service account, with the statements that grant them'))
    .requiredOption('--service-account <ns/name>', 'NAMESPACE/NAME')
    .option('--cluster <name>', 'cluster name when several are audited')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (o: InputFlags & { serviceAccount: string; cluster?: string; format: 'text' | 'json' }) => {
      setExitCode(await whatCanCommand(o))
    })
}
