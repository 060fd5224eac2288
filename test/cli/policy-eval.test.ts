/** The `irsa policy eval` contract, through the built CLI as other tools call it. */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const EXAMPLES = fileURLToPath(new URL('../../examples/irsa-trust-cases.jsonl', import.meta.url))

function run(args: string[], input = ''): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8' })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const user = 'arn:aws:iam::111122223333:user/alice'
const line = (name: unknown, policies: object, action = 's3:GetObject') =>
  JSON.stringify({ name, request: { principal: user, action, resource: 'arn:aws:s3:::b/k' }, policies })
const allowS3 = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } }

describe('irsa policy eval', () => {
  it('answers one line per input line, in order, with the input name', () => {
    const input = [
      line('one', { identity: [allowS3] }),
      line('two', { identity: [allowS3] }, 'ec2:RunInstances'),
      line({ id: 3 }, { identity: [JSON.stringify(allowS3)], boundary: [] }),
      '',
      line('four', { identity: [allowS3], session: [{ Version: '2012-10-17', Statement: { Effect: 'Deny', Action: '*', Resource: '*' } }] }),
    ].join('\n')
    const r = run(['policy', 'eval'], input)
    expect(r.code).toBe(0)
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(out.map((o) => [o.name, o.decision])).toEqual([
      ['one', 'Allow'],
      ['two', 'ImplicitDeny'],
      [{ id: 3 }, 'ImplicitDeny'],
      ['four', 'ExplicitDeny'],
    ])
  })

  it('reports malformed lines and goes on', () => {
    const input = ['{not json', line('bad-policy', { identity: [{ Statement: { Effect: 'Maybe', Action: '*', Resource: '*' } }] }), JSON.stringify({ name: 'no-request' }), line('ok', { identity: [allowS3] })].join('\n')
    const r = run(['policy', 'eval'], input)
    expect(r.code).toBe(0)
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(out).toHaveLength(4)
    expect(out[0]).toMatchObject({ name: null, error: expect.stringMatching(/not valid JSON/) })
    expect(out[1]).toMatchObject({ name: 'bad-policy', error: expect.stringMatching(/Effect/) })
    expect(out[2]).toMatchObject({ name: 'no-request', error: expect.stringMatching(/request/) })
    expect(out[3]).toMatchObject({ name: 'ok', decision: 'Allow' })
  })

  it('reads --cases FILE and prints text with --format text', () => {
    const r = run(['policy', 'eval', '--cases', EXAMPLES, '--format', 'text', '--summary'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^reader pod assumes its role\tAllow/m)
    expect(r.stdout).toMatch(/^another service account is refused\tImplicitDeny/m)
    expect(r.stderr).toMatch(/7 cases: .*errors 0/)
  })

  it('exits 2 with one line for a missing cases file', () => {
    const r = run(['policy', 'eval', '--cases', '/nonexistent/cases.jsonl'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^irsa: .*nonexistent/)
  })
})
