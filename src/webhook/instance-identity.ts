/**
 * The EC2 instance's account and region from instance metadata (IMDSv2: a session token, then the
 * instance identity document), as the upstream webhook reads them for --compose-role-arn.
 */

const IMDS = 'http://169.254.169.254'

export interface InstanceIdentity {
  readonly accountId: string
  readonly region: string
}

/** Throws when metadata cannot be reached within 2 s per call or the document lacks the fields. */
export async function instanceIdentity(base = IMDS, f: typeof fetch = fetch): Promise<InstanceIdentity> {
  const token = await (await f(`${base}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, signal: AbortSignal.timeout(2000) })).text()
  const doc = (await (await f(`${base}/latest/dynamic/instance-identity/document`, { headers: { 'x-aws-ec2-metadata-token': token }, signal: AbortSignal.timeout(2000) })).json()) as { accountId?: unknown; region?: unknown }
  if (typeof doc.accountId !== 'string' || typeof doc.region !== 'string') throw new Error('no accountId/region in the instance identity document')
  return { accountId: doc.accountId, region: doc.region }
}
