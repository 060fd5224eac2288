// Several AWS CLI v1 commands in one Python process (test/support/aws-cli-batch.py): each runs
// through the CLI driver exactly as the `aws` script runs it (argument parsing, botocore, output
// formatting and error printing), and the test pays the interpreter start-up once.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export interface AwsCliBatchResult {
  readonly rc: number
  readonly out: string
  readonly err: string
  /** Parsed stdout when the command succeeded and printed JSON. */
  readonly json: unknown
}

const BATCH = fileURLToPath(new URL('./aws-cli-batch.py', import.meta.url))

/** Run `commands` (argv lists without the leading `aws`) with `env`; one result per command, in order. */
export function awsCliBatch(commands: readonly (readonly string[])[], env: NodeJS.ProcessEnv, python = 'python3'): Promise<AwsCliBatchResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [BATCH], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`aws-cli-batch.py failed (${code ?? 'signal'}): ${stderr}`))
      const results = JSON.parse(stdout) as { rc: number; out: string; err: string }[]
      resolve(results.map((x) => ({ ...x, json: x.rc === 0 && x.out.trim() !== '' ? (JSON.parse(x.out) as unknown) : undefined })))
    })
    child.stdin.end(JSON.stringify(commands))
  })
}
