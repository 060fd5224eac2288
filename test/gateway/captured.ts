// Requests built and signed by the real boto3/botocore (test/gateway/capture_requests.py), turned
// into the gateway's input the way the proxy will: Host, raw path, decoded query, lower-case
// headers, the body unless it is object data, and the service and region of the
// SigV4 credential scope.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { GatewayRequest } from '../../src/gateway/request.js'

export interface Call {
  readonly service: string
  readonly operation: string
  readonly params?: Record<string, unknown>
  readonly region?: string
  readonly endpoint_url?: string
  readonly addressing_style?: 'path' | 'virtual' | 'auto'
  /** Re-serialise with another botocore protocol (`query` for SQS). */
  readonly protocol?: 'query'
}

interface Wire {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly body_b64: string
}

const SCRIPT = fileURLToPath(new URL('./capture_requests.py', import.meta.url))

function run(calls: readonly Call[]): Promise<Wire[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Wire[]) : reject(new Error(`capture_requests.py failed (${code ?? 'signal'}): ${err}`))))
    child.stdin.end(JSON.stringify(calls))
  })
}

export const ACCOUNT = '111122223333'

/** `upload`: the call sends object data, which the proxy streams and never passes to the mapping. */
function toRequest(w: Wire, upload: boolean): GatewayRequest {
  const url = new URL(w.url)
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(w.headers)) headers[k.toLowerCase()] = v
  const query: Record<string, string[]> = {}
  for (const [k, v] of new URLSearchParams(url.search)) (query[k] ??= []).push(v)
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(headers['authorization'] ?? '')
  if (scope === null) throw new Error(`no SigV4 credential scope in ${w.url}`)
  return {
    method: w.method,
    host: url.host,
    path: url.pathname,
    query,
    headers,
    body: upload ? undefined : Buffer.from(w.body_b64, 'base64'),
    service: scope[2] as string,
    region: scope[1] as string,
    account: ACCOUNT,
    partition: 'aws',
  }
}

/** Build every call with botocore in one Python process; results in order. */
export async function captureAll(calls: readonly Call[]): Promise<GatewayRequest[]> {
  return (await run(calls)).map((w, i) => toRequest(w, calls[i]?.params?.['Body'] !== undefined))
}
