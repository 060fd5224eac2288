// Process plumbing shared by the benchmarks and the soak: child processes stopped (and temp dirs
// removed) when the run exits, free loopback ports, waiting for a server, and /proc CPU and memory.
import { readFileSync } from 'node:fs'
import net from 'node:net'

/**
 * Children and clean-up steps run on exit (and Ctrl-C) with `signal` (SIGTERM lets moto and the
 * servers exit cleanly; the soak uses SIGKILL so a stuck server cannot hold the run).
 */
export function onExit(signal = 'SIGTERM') {
  const children = []
  const cleanup = []
  const stopAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) c.kill(signal)
    for (const f of cleanup.splice(0)) f()
  }
  process.on('exit', stopAll)
  process.on('SIGINT', () => process.exit(130))
  return { children, cleanup, stopAll }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** Poll `url` until `ok(status)` (default: any answer below 500), or throw after `seconds`. */
export async function waitHttp(url, seconds, ok = (status) => status < 500) {
  const deadline = Date.now() + seconds * 1000
  for (;;) {
    try {
      if (ok((await fetch(url)).status)) return
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up within ${seconds} s`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** CPU seconds (user + system) a process has used (Linux /proc); NaN where unreadable. */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

/** Resident set size of a process in bytes (Linux /proc); NaN where unreadable. */
export function rss(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? NaN : Number(m[1]) * 1024
  } catch {
    return NaN
  }
}
