// `npm start` (scripts/start.mjs → `irsa serve --demo --backend moto`): the built CLI starts moto,
// creates the payments bucket and the least-privilege demo role, and prints two commands; run as
// printed (AWS CLI v1 under `irsa exec`), the first reads the object, the second is refused by the
// gateway. Without moto_server on PATH it starts without a backend and says why in one line.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../support/free-port.js'

const START = fileURLToPath(new URL('../../scripts/start.mjs', import.meta.url))
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const running: { child: ChildProcess; dir: string }[] = []

afterEach(async () => {
  for (const { child, dir } of running.splice(0)) {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await gone
    }
    await rm(dir, { recursive: true, force: true })
  }
})

/** Start `npm start`'s script and collect its output until `until` appears in it. */
async function start(path: string, until: string): Promise<{ out: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'irsa-start-'))
  const port = await freePort()
  const child = spawn(process.execPath, [START, '--port', String(port), '--data', join(dir, 'data')], {
    env: { PATH: path, HOME: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  })
  running.push({ child, dir })
  let out = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d))
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      if (out.includes(until)) resolve()
    })
    child.once('exit', (code) => reject(new Error(`start exited with ${code}:\n${out}`)))
  })
  return { out, dir }
}

function run(command: string, dir: string): Promise<{ rc: number | null; stdout: string; stderr: string }> {
  const [cmd, ...args] = command.replace(/^npx --no-install irsa /, `${process.execPath} ${CLI} `).split(' ')
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args, { env: { PATH: process.env.PATH, HOME: dir, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (rc) => resolve({ rc, stdout, stderr }))
  })
}

describe('npm start with moto_server on PATH', () => {
  it('prints a command that reads s3://payments/invoice.txt and one the gateway refuses', async () => {
    const { out, dir } = await start(process.env.PATH ?? '', 's3 ls s3://payments/')
    expect(out).toMatch(/AWS services {2}http:\/\/127\.0\.0\.1:\d+\/ {3}enforced, forwarded to moto_server/)
    const commands = out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('npx --no-install irsa exec') && l.includes(' aws s3 '))
    expect(commands).toHaveLength(2)
    const [ok, refused] = [await run(commands[0] as string, dir), await run(commands[1] as string, dir)]
    expect(ok.stderr).toBe('')
    expect(ok.stdout).toBe('invoice 2026-001: pay 42.00 EUR\n')
    expect(ok.rc).toBe(0)
    expect(refused.rc).not.toBe(0)
    expect(refused.stderr).toContain(
      'An error occurred (AccessDenied) when calling the ListObjectsV2 operation: User: arn:aws:sts::111122223333:assumed-role/demo-app-reader/',
    )
    expect(refused.stderr).toContain('is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::payments')
  }, 90_000)
})

describe('npm start without moto_server', () => {
  it('runs the demo without a backend and says why in one line', async () => {
    const { out } = await start(dirname(process.execPath), 'Demo: service account')
    expect(out.split('\n')[0]).toBe("moto_server is not on PATH, so AWS service calls are not enforced (pip install 'moto[server]' to try the gateway demo)")
    expect(out).not.toContain('AWS services')
    expect(out).not.toContain('s3://payments')
  }, 60_000)
})
