/**
 * irsa's version, read once from the package's own package.json (`src/cli/` and `dist/cli/` both sit
 * two folders below it), so `irsa --version`, the audit report metadata and the default container
 * image tag all follow the one number a release bumps.
 */
import { readFileSync } from 'node:fs'

function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  const version = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined
  if (typeof version !== 'string' || version === '') throw new Error('package.json has no version')
  return version
}

export const VERSION = packageVersion()
