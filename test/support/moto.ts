// A real moto_server (python moto, the usual local AWS stand-in) on a free loopback port, for tests
// of code that talks to an AWS backend: started by the test, stopped (SIGTERM) on close. Never a
// silent skip: without moto_server on the PATH (or MOTO_SERVER) the start fails saying what to install.
import { spawn } from 'node:child_process'
import { freePort } from './free-port.js'

export interface Moto {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** moto's default account, in which every resource is created. */
  readonly account: string
  readonly region: string
  /** Any key works against moto; these are the ones the tests sign with. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  close(): Promise<void>
}

export async function startMoto(region = 'us-east-1'): Promise<Moto> {
  const port = await freePort()
  const bin = process.env['MOTO_SERVER'] ?? 'moto_server'
  const child = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)))
  let failed: Error | undefined
  child.once('error', (e) => (failed = e))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  for (let i = 0; ; i++) {
    if (failed !== undefined) throw new Error(`cannot start ${bin} (pip install 'moto[server]'): ${failed.message}`)
    if (child.exitCode !== null) throw new Error(`${bin} exited with ${child.exitCode}: ${stderr}`)
    try {
      if ((await fetch(`${url}/moto-api/`)).status < 500) break
    } catch {
      // not up yet
    }
    if (i > 300) {
      await close()
      throw new Error(`${bin} did not answer on ${url} within 30 s: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { url, account: '123456789012', region, credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'moto' }, close }
}
