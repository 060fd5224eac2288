/**
 * The demo estate in the gateway's backend (`irsa serve --demo --backend …`): a `payments` bucket
 * with one object, made in the backend directly, and the demo role narrowed to exactly
 * `s3:GetObject` on `payments/*`, so one command through the gateway succeeds (reading the object)
 * and the next is refused (listing the bucket).
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import type { Runtime } from '../core/runtime.js'
import { BackendClients } from '../enforce/backend/backend-clients.js'
import type { GatewayOptions } from '../server/gateway.js'
import type { DemoResult } from './demo.js'

export const DEMO_BUCKET = 'payments'
export const DEMO_KEY = 'invoice.txt'
export const DEMO_BODY = 'invoice 2026-001: pay 42.00 EUR\n'
/** The policy name applyDemo gives the demo role's permissions, replaced here. */
const DEMO_POLICY = 'read-demo-bucket'

export interface BackendDemo {
  readonly bucket: string
  readonly key: string
}

export async function applyBackendDemo(rt: Runtime, demo: DemoResult, gateway: Pick<GatewayOptions, 'backend' | 'credentials'>): Promise<BackendDemo> {
  const clients = new BackendClients({ endpoint: gateway.backend.href, region: rt.region, ...(gateway.credentials === undefined ? {} : { credentials: gateway.credentials }) })
  try {
    await clients.s3.send(new CreateBucketCommand({ Bucket: DEMO_BUCKET })).catch((e: unknown) => {
      // A second `--demo` on the same backend finds its bucket already there.
      if ((e as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw e
    })
    await clients.s3.send(new PutObjectCommand({ Bucket: DEMO_BUCKET, Key: DEMO_KEY, Body: DEMO_BODY }))
  } finally {
    clients.destroy()
  }
  const permissions = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'ReadPayments', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${DEMO_BUCKET}/*` }],
  }
  await rt.store.putRolePolicy(demo.roleArn, DEMO_POLICY, JSON.stringify(permissions, null, 2))
  return { bucket: DEMO_BUCKET, key: DEMO_KEY }
}
