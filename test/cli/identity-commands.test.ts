/** `irsa token`, `irsa keys`, `irsa exec` and `irsa log` through the built CLI on one data directory. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
let data: string

function irsa(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(() => {
  data = mkdtempSync(join(tmpdir(), 'irsa-cli-'))
})

describe('identity-plane commands', () => {
  it('irsa token prints a Kubernetes-shaped projected token', () => {
    const r = irsa(['token', '--data', data, '--namespace', 'payments', '--service-account', 'reader', '--pod', 'reader-0', '--expiration', '3600'])
    expect(r.code).toBe(0)
    const token = r.stdout.trim()
    const header = decodeProtectedHeader(token)
    expect(Object.keys(header).sort()).toEqual(['alg', 'kid'])
    const claims = decodeJwt(token)
    expect(claims).toMatchObject({
      aud: ['sts.amazonaws.com'],
      iss: 'http://127.0.0.1:7788',
      sub: 'system:serviceaccount:payments:reader',
      'kubernetes.io': { namespace: 'payments', pod: { name: 'reader-0' }, serviceaccount: { name: 'reader' } },
    })
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600)
    expect(claims.nbf).toBe(claims.iat)
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/)
    // Same service account, same uid across tokens (the object is stable).
    const again = decodeJwt(irsa(['token', '--data', data, '--namespace', 'payments', '--service-account', 'reader']).stdout.trim())
    expect((again['kubernetes.io'] as { serviceaccount: { uid: string } }).serviceaccount.uid).toBe(
      (claims['kubernetes.io'] as { serviceaccount: { uid: string } }).serviceaccount.uid,
    )
  })

  it('irsa token refuses bad input with one line and a non-zero exit', () => {
    for (const args of [
      ['--namespace', 'Bad_NS', '--service-account', 'x'],
      ['--namespace', 'ns', '--service-account', 'x', '--expiration', '10'],
      ['--namespace', 'ns', '--service-account', 'x', '--expiration', '99999999'],
    ]) {
      const r = irsa(['token', '--data', data, ...args])
      expect(r.code).not.toBe(0)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(/^irsa: /)
    }
  })

  it('irsa keys rotate adds a key and keeps the old one published', () => {
    const before = JSON.parse(irsa(['keys', 'list', '--data', data, '--format', 'json']).stdout) as { kid: string; active: boolean }[]
    expect(before.filter((k) => k.active)).toHaveLength(1)
    const r = JSON.parse(irsa(['keys', 'rotate', '--data', data, '--format', 'json', '--algorithm', 'ES256']).stdout) as { kid: string; retired: string[] }
    expect(r.retired).toEqual([before[0]?.kid])
    const after = JSON.parse(irsa(['keys', 'list', '--data', data, '--format', 'json']).stdout) as { kid: string; alg: string; active: boolean; published: boolean }[]
    expect(after.find((k) => k.kid === r.kid)).toMatchObject({ alg: 'ES256', active: true, published: true })
    expect(after.find((k) => k.kid === before[0]?.kid)).toMatchObject({ active: false, published: true })
    const token = irsa(['token', '--data', data, '--namespace', 'a', '--service-account', 'b']).stdout.trim()
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: r.kid })
  })

  it('irsa exec gives the command the IRSA environment, and no static keys', () => {
    const probe = `const fs=require('fs');console.log(JSON.stringify({arn:process.env.AWS_ROLE_ARN,file:process.env.AWS_WEB_IDENTITY_TOKEN_FILE,token:fs.readFileSync(process.env.AWS_WEB_IDENTITY_TOKEN_FILE,'utf8'),sts:process.env.AWS_ENDPOINT_URL_STS,all:process.env.AWS_ENDPOINT_URL,region:process.env.AWS_REGION,dregion:process.env.AWS_DEFAULT_REGION,key:process.env.AWS_ACCESS_KEY_ID??null}))`
    const r = irsa(
      ['exec', '--data', data, '--namespace', 'ns', '--service-account', 'sa', '--role-arn', 'arn:aws:iam::111122223333:role/r', '--endpoint', 'http://127.0.0.1:1', '--', process.execPath, '-e', probe],
      { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' },
    )
    expect(r.code).toBe(0)
    const seen = JSON.parse(r.stdout) as Record<string, string | null>
    expect(seen).toMatchObject({ arn: 'arn:aws:iam::111122223333:role/r', sts: 'http://127.0.0.1:1', all: 'http://127.0.0.1:1', region: 'us-east-1', dregion: 'us-east-1', key: null })
    expect(decodeJwt(seen.token as string).sub).toBe('system:serviceaccount:ns:sa')
    expect(() => readFileSync(seen.file as string)).toThrow()
  })

  it('irsa exec passes the exit code through, and explains a missing binding', () => {
    const r = irsa(['exec', '--data', data, '--namespace', 'ns', '--service-account', 'sa', '--role-arn', 'arn:aws:iam::111122223333:role/r', '--endpoint', 'http://127.0.0.1:1', '--', process.execPath, '-e', 'process.exit(7)'])
    expect(r.code).toBe(7)
    const unbound = irsa(['exec', '--data', data, '--namespace', 'ns', '--service-account', 'nobody', '--', 'true'])
    expect(unbound.code).toBe(2)
    expect(unbound.stderr).toMatch(/bound to no role/)
  })

  it('irsa log reads the decision log as JSON lines', () => {
    const r = irsa(['log', '--data', data, '--format', 'json'])
    expect(r.code).toBe(0)
    const bad = irsa(['log', '--data', data, '--since', 'yesterday'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--since expects a duration/)
  })
})
