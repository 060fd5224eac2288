/**
 * Who signed a request: the administrator (acting as the account's root user) or a role session
 * issued by this STS. Resolved from the SigV4 access key and the presented security token; session
 * secrets come out of the sealed token, so no database read is needed.
 */
import { AwsError } from '../aws/aws-error.js'
import type { SessionClaims } from './session-token.js'
import { verifySigV4 } from '../aws/sigv4/verify.js'
import type { CredentialLookup, LookupCredentials, SigV4Request } from '../aws/sigv4/verify.js'
import { safeEqual } from './safe-equal.js'
import type { Runtime } from './runtime.js'

export type Identity =
  | { readonly kind: 'admin'; readonly accessKeyId: string; readonly account: string; readonly arn: string; readonly userId: string }
  | {
      readonly kind: 'session'
      readonly accessKeyId: string
      readonly account: string
      readonly arn: string
      readonly userId: string
      readonly claims: SessionClaims
    }

/** The administrator, acting as the account's root user. */
export function adminIdentity(rt: Runtime): Identity {
  return { kind: 'admin', accessKeyId: rt.admin.accessKeyId, account: rt.account, arn: `arn:${rt.partition}:iam::${rt.account}:root`, userId: rt.account }
}

/** Resolve an access key (and its session token) to the caller and its signing secret. */
export function identityLookup(rt: Runtime): LookupCredentials<Identity> {
  return async (accessKeyId, token): Promise<CredentialLookup<Identity> | undefined> => {
    if (safeEqual(accessKeyId, rt.admin.accessKeyId)) return { found: true, secretAccessKey: rt.admin.secretAccessKey, credential: adminIdentity(rt) }
    if (!accessKeyId.startsWith('ASIA')) return { found: false, reason: 'unknown-key' }
    if (token === undefined) return { found: false, reason: 'invalid-token' }
    const opened = await rt.openSession(token)
    if (!opened.ok) return { found: false, reason: 'invalid-token' }
    const c = opened.payload
    if (!safeEqual(c.accessKeyId, accessKeyId)) return { found: false, reason: 'invalid-token' }
    if (c.expiresAt <= rt.nowSeconds()) return { found: false, reason: 'expired' }
    return {
      found: true,
      secretAccessKey: c.secretAccessKey,
      expiresAt: c.expiresAt,
      credential: {
        kind: 'session',
        accessKeyId,
        account: c.account,
        arn: `arn:${rt.partition}:sts::${c.account}:assumed-role/${c.roleName}/${c.sessionName}`,
        userId: `${c.roleId}:${c.sessionName}`,
        claims: c,
      },
    }
  }
}

/** Verify SigV4 for `service` and resolve the caller; throws AwsError with AWS's code otherwise. */
export async function authenticate(rt: Runtime, request: SigV4Request, service: string): Promise<Identity> {
  const result = await verifySigV4<Identity>(request, { now: rt.clock.now(), expectedService: service, lookupCredentials: identityLookup(rt) })
  if (!result.ok) throw new AwsError(result.code, result.message, { status: result.status })
  return result.credential
}
