// A real PostgreSQL for the tests. CI (.ci/run) starts one and exports IRSA_TEST_POSTGRES_URL; when
// that is unset (vitest run directly), the tests start their own throwaway server the same way:
// initdb into a temp dir, pg_ctl start on a free loopback port, stop afterwards. Never a silent skip:
// without PostgreSQL server binaries the tests fail, saying what to install.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from 'pg'
import { freePort } from './free-port.js'

export interface TestPostgres {
  /** The server's URL (database `postgres`, a superuser). */
  readonly url: string
  /** A new empty database on the server; returns its URL. */
  createDatabase(): Promise<string>
  /** Stop the server (a no-op for the CI-provided one). */
  stop(): Promise<void>
}

export interface OwnPostgres extends TestPostgres {
  readonly port: number
  /** Start the stopped server again, on the same port and data. */
  start(): void
  /** Stop the server but keep its data (to test a database outage). */
  pause(): void
}

/** The directory holding initdb/pg_ctl: PATH first, else the Debian layout. */
function binDir(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir !== '' && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin')
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian package `postgresql`, or set IRSA_TEST_POSTGRES_URL to a server the tests may create databases on',
  )
}

/** initdb refuses to run as root: run the server binaries as this user instead. */
function serverUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined
  for (const name of [process.env.IRSA_TEST_POSTGRES_USER, 'postgres', 'nobody']) {
    if (name === undefined || name === '') continue
    try {
      execFileSync('id', ['-u', name], { stdio: 'ignore' })
      return name
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('running as root and no non-root user (postgres, nobody) to run PostgreSQL as; set IRSA_TEST_POSTGRES_USER')
}

function databaseCreator(serverUrl: string): () => Promise<string> {
  return async () => {
    const name = `irsa_test_${randomBytes(6).toString('hex')}`
    const client = new Client({ connectionString: serverUrl })
    await client.connect()
    try {
      await client.query(`CREATE DATABASE ${name}`)
    } finally {
      await client.end()
    }
    const u = new URL(serverUrl)
    u.pathname = `/${name}`
    return u.toString()
  }
}

/** Start a throwaway PostgreSQL: initdb into a temp dir, listen on a free loopback port. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = binDir()
  const user = serverUser()
  const dir = mkdtempSync(join(tmpdir(), 'irsa-pg-'))
  const data = join(dir, 'data')
  if (user !== undefined) {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, gid)
  }
  const run = (cmd: string, args: string[]): void => {
    const file = join(bin, cmd)
    if (user === undefined) execFileSync(file, args, { stdio: 'pipe' })
    else execFileSync('runuser', ['-u', user, '--', file, ...args], { stdio: 'pipe' })
  }
  run('initdb', ['-D', data, '-U', 'irsa', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'])
  const port = await freePort()
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`
  const start = (): void => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'])
  const pause = (): void => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
  start()
  let running = true
  const url = `postgres://irsa@127.0.0.1:${port}/postgres`
  return {
    url,
    port,
    createDatabase: databaseCreator(url),
    start() {
      start()
      running = true
    },
    pause() {
      pause()
      running = false
    },
    async stop() {
      if (running) pause()
      running = false
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The CI server (IRSA_TEST_POSTGRES_URL), else a throwaway one started for the caller. */
export async function testPostgres(): Promise<TestPostgres> {
  const url = process.env.IRSA_TEST_POSTGRES_URL
  if (url !== undefined && url !== '') return { url, createDatabase: databaseCreator(url), stop: async () => undefined }
  return startOwnPostgres()
}
