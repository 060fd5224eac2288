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

const VERSION = '0.1.0'

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

  return program
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
    return isIrsaError(e, 'ERR_CLI_INPUT') || (err.code !== undefined && ['ENOENT', 'EACCES', 'EISDIR'].includes(err.code)) ? 2 : 1
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(`irsa: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  },
)
