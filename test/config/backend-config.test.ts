// `backend:` in the config file: `moto`, a URL, or {url, credentials}; validated like the flags
// (a malformed credential pair is refused without echoing it), and `irsa serve --config` starts
// the gateway from it unless --backend is given.
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/config-file.js'
import { isIrsaError } from '../../src/errors.js'
import { startLoopbackServer } from '../support/test-server.js'

const ADMIN = { accessKeyId: 'AKIABACKENDCONFIG001', secretAccessKey: 'backend-config-secret-000000000000000000' }

function problem(text: string): string {
  try {
    parseConfig(text, 'irsa.yaml')
  } catch (e) {
    if (isIrsaError(e) && e.code === 'ERR_CLI_INPUT') return e.message
    throw e
  }
  throw new Error('expected the config to be refused')
}

describe('backend: in the config file', () => {
  it('accepts moto, a URL, and a URL with credentials', () => {
    expect(parseConfig('backend: moto').backend).toEqual({ backend: 'moto' })
    expect(parseConfig('backend: http://localhost:4566').backend).toEqual({ backend: 'http://localhost:4566' })
    expect(parseConfig('backend:\n  url: https://emu.internal:4566\n  credentials: AKIDX:se:cret').backend).toEqual({ backend: 'https://emu.internal:4566', credentials: 'AKIDX:se:cret' })
    expect(parseConfig('roles: []').backend).toBeUndefined()
  })

  it('refuses what the flags refuse, naming the line, never echoing a credential', () => {
    expect(problem('backend: ftp://x')).toBe('irsa.yaml:1: backend: "ftp://x" is neither moto nor an http(s) URL')
    expect(problem('backend:\n  credentials: A:B')).toBe('irsa.yaml:2: backend: url is required (moto or an http(s) URL)')
    expect(problem('backend:\n  url: moto\n  region: x')).toContain('backend.region: unknown key (allowed: url, credentials)')
    const bad = problem('backend:\n  url: moto\n  credentials: no-colon-supersecret')
    expect(bad).toBe('irsa.yaml:3: backend.credentials: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY')
    expect(bad).not.toContain('supersecret')
  })

  it('irsa serve --config starts the gateway from it; --backend wins', async () => {
    const fromFile = await startLoopbackServer({ prefix: 'irsa-backend-config-', admin: ADMIN, config: parseConfig('backend: moto') })
    try {
      const moto = fromFile.serving.backend?.moto
      expect(moto?.pid).toBeGreaterThan(0)
      expect((await fetch(new URL('/moto-api/', moto?.url))).ok).toBe(true)
    } finally {
      await fromFile.close()
    }
    const flag = await startLoopbackServer({ prefix: 'irsa-backend-config-', admin: ADMIN, config: parseConfig('backend: http://127.0.0.1:9/'), backend: { backend: 'moto' } })
    try {
      expect(flag.serving.backend?.moto).toBeDefined()
    } finally {
      await flag.close()
    }
  }, 60_000)
})
