import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isIrsaError } from '../../src/errors.js'
import type { IrsaErrorCode } from '../../src/errors.js'
import { createIssuerFetcher } from '../../src/tokens/https-fetch.js'

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const OPENSSL = hasOpenssl()

async function expectCode(p: Promise<unknown>, code: IrsaErrorCode, message: RegExp | string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(isIrsaError(e, code), `expected ${code}, got ${String(e)}`).toBe(true)
  if (typeof message === 'string') expect((e as Error).message).toBe(message)
  else expect((e as Error).message).toMatch(message)
}

function listen(server: http.Server | https.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(String((server.address() as AddressInfo).port))))
}

function close(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

const handler: http.RequestListener = (req, res) => {
  switch (req.url) {
    case '/ok':
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ hello: 'world' }))
      return
    case '/redirect':
      res.writeHead(302, { location: '/ok' })
      res.end()
      return
    case '/missing':
      res.writeHead(404)
      res.end('nope')
      return
    case '/busy':
      res.writeHead(503)
      res.end()
      return
    case '/throttled':
      res.writeHead(429)
      res.end()
      return
    case '/not-json':
      res.end('<html>')
      return
    case '/big-declared':
      res.setHeader('content-length', String(2048))
      res.end('x'.repeat(2048))
      return
    case '/big-chunked':
      res.write(`{"a":"${'x'.repeat(1000)}`)
      res.write(`${'x'.repeat(1000)}"}`)
      res.end()
      return
    case '/slow':
      return // never answers
    default:
      res.writeHead(500)
      res.end()
  }
}

describe('createIssuerFetcher over plain HTTP', () => {
  const server = http.createServer(handler)
  let base = ''
  beforeAll(async () => {
    base = `http://127.0.0.1:${await listen(server)}`
  })
  afterAll(() => close(server))

  it('fetches JSON from a loopback host', async () => {
    await expect(createIssuerFetcher()(`${base}/ok`)).resolves.toEqual({ hello: 'world' })
  })

  it('refuses http to non-loopback hosts without connecting, and other schemes', async () => {
    const fetchJson = createIssuerFetcher()
    await expectCode(fetchJson('http://oidc.example.com/.well-known/openid-configuration'), 'ERR_TOKEN_FETCH', /allowed only for loopback hosts/)
    await expectCode(fetchJson('http://10.1.2.3/keys'), 'ERR_TOKEN_FETCH', /allowed only for loopback hosts/)
    await expectCode(fetchJson('file:///etc/passwd'), 'ERR_TOKEN_FETCH', /does not use https/)
    await expectCode(fetchJson('not a url'), 'ERR_TOKEN_FETCH', /not an absolute URL/)
    await expectCode(fetchJson(`http://u:p@127.0.0.1:1/`), 'ERR_TOKEN_FETCH', /user info/)
  })

  it('does not follow redirects and reports non-2xx statuses', async () => {
    const fetchJson = createIssuerFetcher()
    await expectCode(fetchJson(`${base}/redirect`), 'ERR_TOKEN_FETCH', /HTTP 302; redirects are not followed/)
    await expectCode(fetchJson(`${base}/missing`), 'ERR_TOKEN_FETCH', /answered HTTP 404/)
    await expectCode(fetchJson(`${base}/busy`), 'ERR_TOKEN_IDP_UNAVAILABLE', /answered HTTP 503/)
    await expectCode(fetchJson(`${base}/throttled`), 'ERR_TOKEN_IDP_UNAVAILABLE', /answered HTTP 429/)
  })

  it('rejects bad JSON, over-size bodies (declared or streamed) and slow servers', async () => {
    const fetchJson = createIssuerFetcher({ maxBytes: 1024, timeoutMs: 300 })
    await expectCode(fetchJson(`${base}/not-json`), 'ERR_TOKEN_FETCH', /did not return valid JSON/)
    await expectCode(fetchJson(`${base}/big-declared`), 'ERR_TOKEN_FETCH', /larger than 1024 bytes/)
    await expectCode(fetchJson(`${base}/big-chunked`), 'ERR_TOKEN_FETCH', /larger than 1024 bytes/)
    const started = Date.now()
    await expectCode(fetchJson(`${base}/slow`), 'ERR_TOKEN_FETCH', /Timed out after 300 ms/)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('reports connection failures', async () => {
    const closed = http.createServer()
    const port = await listen(closed)
    await close(closed)
    await expectCode(createIssuerFetcher()(`http://127.0.0.1:${port}/ok`), 'ERR_TOKEN_FETCH', /Could not fetch .*ECONNREFUSED/)
  })
})

describe.skipIf(!OPENSSL)('createIssuerFetcher over HTTPS (certificates made with the openssl command)', () => {
  let dir = ''
  let rootPem = ''
  let intermediateThumbprint = ''
  let rootThumbprint = ''
  let leafThumbprint = ''
  let base = ''
  let wrongHostBase = ''
  const servers: https.Server[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'irsa-tls-'))
    const ossl = (...args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
    }
    writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n')
    writeFileSync(join(dir, 'leaf.ext'), 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n')
    writeFileSync(join(dir, 'other.ext'), 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:other.example\n')
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    ossl('req', '-x509', ...ec, '-keyout', 'root.key', '-out', 'root.pem', '-days', '2', '-subj', '/CN=irsa test root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    ossl('req', ...ec, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=irsa test intermediate')
    ossl('x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.pem', '-days', '2', '-extfile', 'ca.ext')
    for (const name of ['leaf', 'other']) {
      ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`)
      ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`)
    }
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8')
    rootPem = read('root.pem')
    const thumb = (pem: string): string => new X509Certificate(pem).fingerprint.replace(/:/g, '').toLowerCase()
    intermediateThumbprint = thumb(read('int.pem'))
    rootThumbprint = thumb(rootPem)
    leafThumbprint = thumb(read('leaf.pem'))
    // The server presents leaf + intermediate, as real servers do; the root is not sent.
    const make = (name: string): https.Server => https.createServer({ key: read(`${name}.key`), cert: read(`${name}.pem`) + read('int.pem') }, handler)
    const good = make('leaf')
    const wrongHost = make('other')
    servers.push(good, wrongHost)
    base = `https://127.0.0.1:${await listen(good)}`
    wrongHostBase = `https://127.0.0.1:${await listen(wrongHost)}`
  })

  afterAll(async () => {
    await Promise.all(servers.map(close))
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  it('accepts an untrusted chain whose intermediate CA thumbprint is configured (AWS fallback)', async () => {
    const fetchJson = createIssuerFetcher({ thumbprints: (url) => (url.startsWith(base) ? [intermediateThumbprint] : []) })
    await expect(fetchJson(`${base}/ok`)).resolves.toEqual({ hello: 'world' })
    // Per-call thumbprints work too, in upper case with colons as some tools print them.
    const colon = intermediateThumbprint.toUpperCase().replace(/(..)(?!$)/g, '$1:')
    await expect(createIssuerFetcher()(`${base}/ok`, { thumbprints: [colon] })).resolves.toEqual({ hello: 'world' })
    await expect(createIssuerFetcher()(`${base}/ok`, { thumbprints: [leafThumbprint] })).resolves.toEqual({ hello: 'world' })
  })

  it('rejects an untrusted chain when no presented certificate matches, with the AWS message', async () => {
    const message = "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
    await expectCode(createIssuerFetcher()(`${base}/ok`, { thumbprints: ['0'.repeat(40)] }), 'ERR_TOKEN_THUMBPRINT', message)
    await expectCode(createIssuerFetcher()(`${base}/ok`), 'ERR_TOKEN_THUMBPRINT', message)
    // The root is not presented by the server, so its thumbprint cannot match.
    await expectCode(createIssuerFetcher()(`${base}/ok`, { thumbprints: [rootThumbprint] }), 'ERR_TOKEN_THUMBPRINT', message)
  })

  it('never excuses a host-name mismatch, even with a matching thumbprint', async () => {
    const fetchJson = createIssuerFetcher()
    await expectCode(fetchJson(`${wrongHostBase}/ok`, { thumbprints: [intermediateThumbprint] }), 'ERR_TOKEN_FETCH', /rejected: .*127\.0\.0\.1/)
  })

  it('accepts a chain trusted through the CA store (here: an added CA) without any thumbprint', async () => {
    const fetchJson = createIssuerFetcher({ ca: [rootPem] })
    await expect(fetchJson(`${base}/ok`)).resolves.toEqual({ hello: 'world' })
    await expectCode(fetchJson(`${wrongHostBase}/ok`), 'ERR_TOKEN_FETCH', /rejected: ERR_TLS_CERT_ALTNAME_INVALID/)
    await expectCode(fetchJson(`${base}/busy`), 'ERR_TOKEN_IDP_UNAVAILABLE', /HTTP 503/)
  })

  it('applies the TLS decision before statuses and bodies', async () => {
    await expectCode(createIssuerFetcher()(`${base}/missing`), 'ERR_TOKEN_THUMBPRINT', /doesn't match configured thumbprint/)
  })
})
