// The AWS CLI v1 and boto3 through the gateway, configured only with AWS_ENDPOINT_URL (as
// `irsa exec` sets it): the least-privilege role reads payments/* and is refused everything else
// in the service's own error; STS still answers through the same endpoint; an operation the
// gateway does not map is flagged `unmapped` in the decision log.
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { awsCliBatch } from '../support/aws-cli-batch.js'
import { ADMIN, REGION, startGateway } from './proxy-harness.js'
import type { GatewayFixture } from './proxy-harness.js'
import type { AwsKeys } from '../support/test-server.js'

let gw: GatewayFixture
let dir: string

const env = (k: AwsKeys): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: dir,
  AWS_ENDPOINT_URL: gw.url,
  AWS_DEFAULT_REGION: REGION,
  AWS_ACCESS_KEY_ID: k.accessKeyId,
  AWS_SECRET_ACCESS_KEY: k.secretAccessKey,
  ...(k.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: k.sessionToken }),
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_MAX_ATTEMPTS: '1',
})

/** Run a Python script without blocking the in-process server. */
function python(script: string, e: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script], { env: e })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', () => resolve({ stdout, stderr }))
  })
}

beforeAll(async () => {
  gw = await startGateway('irsa-gw-cli-')
  dir = gw.server.dir
  const admin = gw.server.track(new S3Client({ endpoint: gw.url, region: REGION, credentials: ADMIN, forcePathStyle: true, maxAttempts: 1 }))
  await admin.send(new CreateBucketCommand({ Bucket: 'payments' }))
  await admin.send(new PutObjectCommand({ Bucket: 'payments', Key: 'invoice.txt', Body: 'pay 42' }))
}, 60_000)
afterAll(async () => gw?.close())

describe('AWS CLI v1 through the gateway', () => {
  it('allowed calls work, refused ones print the service error, and STS still answers', async () => {
    const admin = await awsCliBatch([['dynamodb', 'create-table', '--table-name', 'orders', '--key-schema', 'AttributeName=id,KeyType=HASH', '--attribute-definitions', 'AttributeName=id,AttributeType=S', '--billing-mode', 'PAY_PER_REQUEST'], ['sqs', 'create-queue', '--queue-name', 'jobs', '--endpoint-url', gw.url]], env(ADMIN))
    expect(admin.map((r) => r.rc)).toEqual([0, 0])
    // AWS CLI v1 ignores AWS_ENDPOINT_URL for SQS (hence --endpoint-url); clients that send to the
    // queue URL's host must find irsa there, not the backend.
    const queueUrl = (admin[1]?.json as { QueueUrl: string }).QueueUrl
    expect(queueUrl.startsWith(gw.url)).toBe(true)
    gw.facts.schemas.set('orders', 'id')
    const before = gw.backend.seen.length
    const [cp, ls, put, get, ddb, sqs, who] = await awsCliBatch(
      [
        ['s3', 'cp', '--quiet', 's3://payments/invoice.txt', `${dir}/cp.txt`],
        ['s3', 'ls', 's3://payments/'],
        ['s3api', 'put-object', '--bucket', 'payments', '--key', 'evil.txt', '--body', `${dir}/cp.txt`],
        ['s3api', 'get-object', '--bucket', 'payments', '--key', 'invoice.txt', `${dir}/out.txt`],
        ['dynamodb', 'put-item', '--table-name', 'orders', '--item', '{"id":{"S":"x"}}'],
        ['sqs', 'send-message', '--queue-url', queueUrl, '--message-body', 'hi', '--endpoint-url', gw.url],
        ['sts', 'get-caller-identity'],
      ],
      env(gw.session),
    )
    expect(cp?.rc).toBe(0)
    expect(await readFile(`${dir}/cp.txt`, 'utf8')).toBe('pay 42')
    expect(ls?.rc).not.toBe(0)
    expect(ls?.err).toContain('AccessDenied')
    expect(put?.err).toContain('An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::111122223333:assumed-role/demo-app-reader/gw is not authorized to perform: s3:PutObject')
    expect(get?.rc).toBe(0)
    expect(ddb?.err).toContain('(AccessDeniedException) when calling the PutItem operation')
    expect(sqs?.err).toMatch(/\(AccessDenied(Exception)?\) when calling the SendMessage operation/)
    expect((who?.json as { Arn: string }).Arn).toBe('arn:aws:sts::111122223333:assumed-role/demo-app-reader/gw')
    // Only the two reads reached moto (cp's HeadObject and GetObject, and get-object's GetObject).
    expect(gw.backend.seen.slice(before).every((s) => s.startsWith('GET /payments/invoice.txt') || s.startsWith('HEAD /payments/invoice.txt'))).toBe(true)
    const [scan] = await awsCliBatch([['dynamodb', 'scan', '--table-name', 'orders']], env(ADMIN))
    expect((scan?.json as { Count: number }).Count).toBe(0)
  })
})

describe('boto3 through the gateway', () => {
  it('reads payments/*, is refused a delete, and an unmapped operation is flagged in the log', async () => {
    const script = `
import boto3, json
from botocore.exceptions import ClientError
s3 = boto3.client('s3')
out = {'body': s3.get_object(Bucket='payments', Key='invoice.txt')['Body'].read().decode()}
for name, call in [('delete', lambda: s3.delete_object(Bucket='payments', Key='invoice.txt')),
                   ('unmapped', lambda: boto3.client('logs').describe_log_groups())]:
    try:
        call(); out[name] = 'ok'
    except ClientError as e:
        out[name] = e.response['Error']['Code']
print(json.dumps(out))
`
    const r = await python(script, env(gw.session))
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({ body: 'pay 42', delete: 'AccessDenied', unmapped: 'AccessDeniedException' })
    const rows = await gw.server.serving.rt.store.listDecisions({ limit: 50 })
    const unmapped = rows.find((d) => d.action === 'logs:DescribeLogGroups')
    expect(unmapped?.outcome).toBe('Deny')
    expect(unmapped?.detail?.unmapped).toBe(true)
    expect(unmapped?.detail?.resources).toEqual(['*'])
  })
})
