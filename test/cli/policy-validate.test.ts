import { describe, expect, it } from 'vitest'
import { policyValidateCommand } from '../../src/cli/policy-validate.js'
import type { PolicyValidateIo } from '../../src/cli/policy-validate.js'

const CLEAN_TRUST = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  },
  null,
  2,
)

const BAD_TRUST = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": { "Service": "ec2.amazonaws.com" },
      "Action": "sts:AssumeRole",
      "Resource": "*"
    }
  ]
}`

const WARN_ONLY = JSON.stringify({
  Statement: { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
})

function harness(files: Record<string, string>): PolicyValidateIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    readFile(path: string): Promise<string> {
      const text = files[path]
      if (text === undefined) {
        const e = new Error(`ENOENT: no such file or directory, open '${path}'`) as NodeJS.ErrnoException
        e.code = 'ENOENT'
        return Promise.reject(e)
      }
      return Promise.resolve(text)
    },
    stdout(s: string): void {
      io.out += s
    },
    stderr(s: string): void {
      io.err += s
    },
  }
  return io
}

describe('policyValidateCommand', () => {
  it('exits 0 and prints nothing for a clean file', async () => {
    const io = harness({ 'trust.json': CLEAN_TRUST })
    expect(await policyValidateCommand(['trust.json'], { kind: 'trust', format: 'text' }, io)).toBe(0)
    expect(io.out).toBe('')
    expect(io.err).toBe('')
  })

  it('prints FILE:LINE:COL: severity CODE message and exits 1 on an error', async () => {
    const io = harness({ 'bad.json': BAD_TRUST })
    expect(await policyValidateCommand(['bad.json'], { kind: 'trust', format: 'text' }, io)).toBe(1)
    expect(io.out).toBe('bad.json:8:7: error MalformedPolicyDocument Has prohibited field Resource.\n')
  })

  it('treats warnings alone as clean', async () => {
    const io = harness({ 'w.json': WARN_ONLY })
    expect(await policyValidateCommand(['w.json'], { kind: 'trust', format: 'text' }, io)).toBe(0)
    expect(io.out).toMatch(/^w\.json:1:1: warning MissingVersion Version is missing/)
  })

  it('prints a JSON array with one object per problem, file included', async () => {
    const io = harness({ 'bad.json': BAD_TRUST, 'ok.json': CLEAN_TRUST, 'w.json': WARN_ONLY })
    const code = await policyValidateCommand(['bad.json', 'ok.json', 'w.json'], { kind: 'trust', format: 'json' }, io)
    expect(code).toBe(1)
    const parsed = JSON.parse(io.out) as Record<string, unknown>[]
    expect(parsed).toEqual([
      {
        file: 'bad.json',
        code: 'MalformedPolicyDocument',
        message: 'Has prohibited field Resource.',
        path: '/Statement/0/Resource',
        line: 8,
        column: 7,
        severity: 'error',
      },
      expect.objectContaining({ file: 'w.json', code: 'MissingVersion', severity: 'warning' }),
    ])
  })

  it('prints an empty JSON array for clean input', async () => {
    const io = harness({ 'ok.json': CLEAN_TRUST })
    expect(await policyValidateCommand(['ok.json'], { kind: 'trust', format: 'json' }, io)).toBe(0)
    expect(JSON.parse(io.out)).toEqual([])
  })

  it('exits 2 for an unreadable file, reports it on stderr and still checks the others', async () => {
    const io = harness({ 'bad.json': BAD_TRUST })
    expect(await policyValidateCommand(['missing.json', 'bad.json'], { kind: 'trust', format: 'text' }, io)).toBe(2)
    expect(io.err).toBe("missing.json: cannot read: ENOENT: no such file or directory, open 'missing.json'\n")
    expect(io.out).toContain('bad.json:8:7: error')
  })

  it('passes the managed option through', async () => {
    const v2008 = JSON.stringify({ Version: '2008-10-17', Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } })
    const io = harness({ 'p.json': v2008 })
    expect(await policyValidateCommand(['p.json'], { kind: 'identity', format: 'text' }, io)).toBe(0)
    expect(await policyValidateCommand(['p.json'], { kind: 'identity', format: 'text', managed: true }, io)).toBe(1)
    expect(io.out).toContain('error MalformedPolicyDocument Policy document must be version 2012-10-17 or greater.')
  })

  it('reports syntax errors with their location', async () => {
    const io = harness({ 's.json': '{\n  "Version": "2012-10-17",\n  "Statement": [],\n}' })
    expect(await policyValidateCommand(['s.json'], { kind: 'identity', format: 'text' }, io)).toBe(1)
    expect(io.out).toBe('s.json:4:1: error MalformedPolicyDocument Syntax errors in policy. Trailing commas are not allowed in JSON.\n')
  })
})
