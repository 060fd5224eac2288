/**
 * Issue temporary credentials for a role session: a fresh `ASIA…` access key id of the role's
 * account, a random secret, and the session token that seals the session's claims (so any replica
 * verifies it without a database read). Shared by AssumeRoleWithWebIdentity and EKS Auth
 * AssumeRoleForPodIdentity (the issue step of their exchanges), once the decide step has allowed it.
 */
import type { Role } from '../model/iam.js'
import type { Runtime } from '../core/runtime.js'
import { accessKeyId, secretAccessKey } from './access-key.js'
import type { SessionClaims } from '../core/session-token.js'

/** The claims that describe how the session came to be; the identity and lifetime are filled in here. */
export type SessionOrigin = Omit<SessionClaims, 'v' | 'accessKeyId' | 'secretAccessKey' | 'account' | 'roleArn' | 'roleId' | 'roleName' | 'sessionName' | 'issuedAt' | 'expiresAt'>

export interface IssuedSession {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken: string
  /** Epoch seconds. */
  readonly expiresAt: number
}

export async function issueRoleSession(
  rt: Runtime,
  role: Role,
  o: { readonly sessionName: string; readonly now: number; readonly durationSeconds: number; readonly origin: SessionOrigin },
): Promise<IssuedSession> {
  const random = (n: number): Uint8Array => rt.random.bytes(n)
  const akid = accessKeyId('ASIA', role.account, random)
  const secret = secretAccessKey(random)
  const expiresAt = o.now + o.durationSeconds
  const claims: SessionClaims = {
    v: 1,
    accessKeyId: akid,
    secretAccessKey: secret,
    account: role.account,
    roleArn: role.arn,
    roleId: role.roleId,
    roleName: role.name,
    sessionName: o.sessionName,
    issuedAt: o.now,
    expiresAt,
    ...o.origin,
  }
  return { accessKeyId: akid, secretAccessKey: secret, sessionToken: await rt.seal(claims), expiresAt }
}
