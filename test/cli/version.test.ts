import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli/main.js'
import { VERSION } from '../../src/cli/version.js'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

describe('irsa version', () => {
  it('is package.json version, in source and in the built CLI', async () => {
    expect(VERSION).toBe(pkg.version)
    expect(buildProgram().version()).toBe(pkg.version)
    // dist/cli/version.js resolves package.json from its own place (build first: npm run build).
    const main = new URL('../../dist/cli/main.js', import.meta.url)
    const { stdout } = await promisify(execFile)(process.execPath, [main.pathname, '--version'])
    expect(stdout.trim()).toBe(pkg.version)
  })
})
