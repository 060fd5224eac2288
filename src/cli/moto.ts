/**
 * `irsa serve --backend moto`: run `moto_server` (the Python AWS emulator) as a child process on a
 * free loopback port, wait until it answers, and stop it with irsa: on close, and when irsa's
 * process exits for any reason (the child is killed from an `exit` handler, which runs on crashes
 * and `process.exit` too). moto's account is set to irsa's, so queue URLs and ARNs it returns name
 * the account irsa authorizes for.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { freePort } from './free-port.js'

export interface MotoProcess {
  readonly url: URL
  readonly pid: number | undefined
  stop(): Promise<void>
}

export interface MotoOptions {
  readonly account: string
  /** The executable; `moto_server` on PATH by default. */
  readonly command?: string
  /** How long to wait for it to answer; 30 s by default. */
  readonly timeoutMs?: number
  readonly env?: NodeJS.ProcessEnv
}

export async function startMoto(o: MotoOptions): Promise<MotoProcess> {
  const port = await freePort('127.0.0.1')
  const url = new URL(`http://127.0.0.1:${port}`)
  const child: ChildProcess = spawn(o.command ?? 'moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...(o.env ?? process.env), MOTO_ACCOUNT_ID: o.account },
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 8192) stderr += d
  })
  const killOnExit = (): void => {
    child.kill('SIGKILL')
  }
  process.once('exit', killOnExit)
  let exited = false
  const gone = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())))
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve))
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit)
    if (exited) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await gone
    clearTimeout(timer)
  }
  const deadline = Date.now() + (o.timeoutMs ?? 30_000)
  for (;;) {
    const failed = await Promise.race([spawnFailed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))])
    if (failed !== undefined) {
      process.off('exit', killOnExit)
      throw new Error(`moto_server could not be started: ${failed.message}`)
    }
    if (exited) {
      process.off('exit', killOnExit)
      throw new Error(`moto_server exited before it answered: ${stderr.trim().slice(-500)}`)
    }
    const up = await fetch(new URL('/moto-api/', url)).then(
      (r) => r.ok,
      () => false,
    )
    if (up) return { url, pid: child.pid, stop }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`moto_server did not answer on ${url.href} within ${o.timeoutMs ?? 30_000} ms`)
    }
  }
}
