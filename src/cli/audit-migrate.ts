/**
 * `irsa audit migrate`: which IRSA bindings can move to EKS Pod Identity, and what it takes. Same
 * inputs as `irsa audit`; prints a table (colours on a TTY) or `--format json` (schema
 * irsa-migrate/v1). Exit 0 with a plan, 2 on bad input or usage.
 */
import type { Command } from 'commander'
import { Option } from 'commander'
import { planMigration } from '../audit/migrate.js'
import type { MigrationItem, MigrationPlan, MigrationStatus } from '../audit/migrate.js'
import type { AuditIo, InputFlags } from './audit.js'
import { defaultIo, fail, graphOf, inputOptions, loadInputs, warn } from './audit.js'

export interface MigrateFlags extends InputFlags {
  format: 'text' | 'json'
  podIdentityIssuer?: string[]
}

const COLOR: Readonly<Record<MigrationStatus, string>> = { done: '\x1b[32m', ready: '\x1b[36m', blocked: '\x1b[1;31m' }
const DIM = '\x1b[2m'
const RESET = '\x1b[0m'

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

function detail(i: MigrationItem): string {
  if (i.status === 'done') return `association ${i.association?.associationId ?? '(exists)'}${i.association?.sameRole === false ? ` → ${i.association.roleArn ?? '?'}` : ''}`
  if (i.status === 'blocked') return i.blockers.map((b) => b.code).join(', ')
  return `${i.createAssociations.length} association(s) to create${i.policyKeys.length > 0 ? `, ${i.policyKeys.length} policy key(s) to rewrite` : ''}`
}

/** The plan as a table plus, per binding that is not done, the steps. */
export function renderMigrationText(plan: MigrationPlan, color: boolean): string {
  const c = (code: string, s: string): string => (color ? `${code}${s}${RESET}` : s)
  const rows = plan.items.map((i) => [i.status, i.cluster, `${i.namespace}/${i.serviceAccount}`, i.roleArn, detail(i)])
  const head = ['STATUS', 'CLUSTER', 'SERVICE ACCOUNT', 'ROLE', 'DETAIL']
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] as string).length)))
  const line = (r: string[], status?: MigrationStatus): string =>
    r
      .map((cell, k) => {
        const padded = k === r.length - 1 ? cell : cell.padEnd(widths[k] as number)
        return k === 0 && status !== undefined ? c(COLOR[status], padded) : padded
      })
      .join('  ')
  const out = [line(head), ...rows.map((r, k) => line(r, plan.items[k]?.status))]
  for (const i of plan.items) {
    if (i.status === 'done' && i.notes.length === 0) continue
    out.push('', c(COLOR[i.status], `${i.cluster}:${i.namespace}/${i.serviceAccount} → ${i.roleArn} (${i.status})`))
    for (const b of i.blockers) out.push(`  cannot move: ${b.message}`)
    if (i.status !== 'done' && i.trustStatement !== undefined) {
      out.push(`  add to the role trust${i.trustVerified === true ? ' (checked with the policy engine)' : ''}:`)
      out.push(`    ${JSON.stringify(i.trustStatement)}`)
    }
    for (const a of i.createAssociations) {
      out.push(`  ${i.status === 'blocked' ? 'would create' : 'create'}: aws eks create-pod-identity-association --cluster-name ${shellQuote(a.clusterName)} --namespace ${shellQuote(a.namespace)} --service-account ${shellQuote(a.serviceAccount)} --role-arn ${shellQuote(a.roleArn)}`)
    }
    for (const k of i.policyKeys) out.push(`  policy ${k.policy} statement ${k.statement}: ${k.key} (${k.where}) is IRSA-only; use ${k.replacement}`)
    for (const n of i.notes) out.push(c(DIM, `  note: ${n}`))
  }
  const s = plan.summary
  out.push('', `${s.total} IRSA binding(s): ${s.done} migrated, ${s.ready} ready, ${s.blocked} blocked.`)
  return `${out.join('\n')}\n`
}

/** Best effort: the issuer `irsa serve` reports on /healthz, so its own cluster counts as Pod-Identity capable. */
async function serverIssuer(endpoint: string): Promise<string | undefined> {
  try {
    const res = await fetch(new URL('/healthz', endpoint), { signal: AbortSignal.timeout(2000) })
    const body = (await res.json()) as { issuer?: unknown }
    return typeof body.issuer === 'string' ? body.issuer : undefined
  } catch {
    return undefined
  }
}

export async function migrateCommand(flags: MigrateFlags, io: AuditIo = defaultIo()): Promise<number> {
  try {
    const inv = await loadInputs(flags, io)
    warn(io, inv)
    const issuers = [...(flags.podIdentityIssuer ?? [])]
    if (flags.fromAws === true && flags.awsEndpoint !== undefined) {
      const own = await serverIssuer(flags.awsEndpoint)
      if (own !== undefined) issuers.push(own)
    }
    const plan = planMigration(graphOf(inv, io, flags), { podIdentityIssuers: issuers })
    io.stdout(flags.format === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : renderMigrationText(plan, io.isTTY))
    return 0
  } catch (e) {
    return fail(io, e)
  }
}

/** `irsa audit migrate`, registered under `irsa audit`. */
export function registerMigrateCommand(audit: Command, setExitCode: (code: number) => void): void {
  inputOptions(audit.command('migrate').description('Plan the move of IRSA bindings to EKS Pod Identity: trust statement, associations, policy keys, or why a binding cannot move'))
    .option('--pod-identity-issuer <urls...>', 'issuers of clusters that serve the EKS Pod Identity API without being EKS (e.g. irsa serve; found on /healthz with --from-aws --aws-endpoint)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (o: MigrateFlags) => {
      setExitCode(await migrateCommand(o))
    })
}
