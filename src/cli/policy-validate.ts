/**
 * `irsa policy validate FILE…`: validate policy files and print one line (or JSON object) per finding.
 * Exit status: 0 when no file has an error (warnings alone are clean), 1 when some file has an error,
 * 2 when a file could not be read (that wins over 1).
 */
import type { PolicyKind } from '../policy/kind.js'
import { validatePolicy } from '../policy/validate.js'
import type { PolicyProblem } from '../policy/validate.js'

export interface PolicyValidateOptions {
  readonly kind: PolicyKind
  readonly format: 'text' | 'json'
  readonly managed?: boolean
}

/** The command's only contact with the world, injected so tests need no disk. */
export interface PolicyValidateIo {
  readFile(path: string): Promise<string>
  stdout(s: string): void
  stderr(s: string): void
}

export interface FileProblem extends PolicyProblem {
  readonly file: string
}

function formatText(p: FileProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.severity} ${p.code} ${p.message}`
}

function describeReadError(e: unknown): string {
  if (e instanceof Error) {
    // Node's fs messages already start with the code ("ENOENT: no such file or directory, …").
    const code = (e as NodeJS.ErrnoException).code
    return code === undefined || e.message.startsWith(code) ? e.message : `${code}: ${e.message}`
  }
  return String(e)
}

export async function policyValidateCommand(
  files: string[],
  opts: PolicyValidateOptions,
  io: PolicyValidateIo,
): Promise<number> {
  const found: FileProblem[] = []
  let unreadable = false
  const options = opts.managed === undefined ? {} : { managed: opts.managed }
  for (const file of files) {
    let text: string
    try {
      text = await io.readFile(file)
    } catch (e) {
      unreadable = true
      io.stderr(`${file}: cannot read: ${describeReadError(e)}\n`)
      continue
    }
    for (const p of validatePolicy(text, opts.kind, options)) found.push({ file, ...p })
  }
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify(found, null, 2)}\n`)
  } else {
    for (const p of found) io.stdout(`${formatText(p)}\n`)
  }
  if (unreadable) return 2
  return found.some((p) => p.severity === 'error') ? 1 : 0
}
