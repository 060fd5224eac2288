// The IMDSv2 client behind `irsa webhook --compose-role-arn`, against a loopback stand-in for the
// instance metadata service: a session token first, then the identity document with that token.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { instanceIdentity } from '../../src/webhook/instance-identity.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

async function fakeImds(document: unknown): Promise<{ base: string; seen: string[] }> {
  const seen: string[] = []
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ttl=${String(req.headers['x-aws-ec2-metadata-token-ttl-seconds'])} token=${String(req.headers['x-aws-ec2-metadata-token'])}`)
    if (req.method === 'PUT' && req.url === '/latest/api/token') res.end('session-token')
    else if (req.method === 'GET' && req.url === '/latest/dynamic/instance-identity/document' && req.headers['x-aws-ec2-metadata-token'] === 'session-token') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(document))
    } else {
      res.statusCode = 401
      res.end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise((resolve) => server.close(() => resolve())))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

describe('instanceIdentity (IMDSv2)', () => {
  it('reads the account and region with a session token', async () => {
    const imds = await fakeImds({ accountId: '111122223333', region: 'eu-west-1', instanceId: 'i-0' })
    expect(await instanceIdentity(imds.base)).toEqual({ accountId: '111122223333', region: 'eu-west-1' })
    expect(imds.seen).toEqual([
      'PUT /latest/api/token ttl=60 token=undefined',
      'GET /latest/dynamic/instance-identity/document ttl=undefined token=session-token',
    ])
  })

  it('refuses a document without an account or region', async () => {
    const imds = await fakeImds({ accountId: '111122223333' })
    await expect(instanceIdentity(imds.base)).rejects.toThrow('no accountId/region in the instance identity document')
  })
})
