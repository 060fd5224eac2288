/**
 * Containment through an account's IAM API (`irsa contain --aws`): the same documents irsa writes
 * into its own store, written with the AWS SDK, so one command works on AWS, on irsa's IAM API and on
 * moto.
 *
 * - New credentials for one service account: explicit Deny statements appended to the role's trust
 *   policy (UpdateAssumeRolePolicy), on sts:AssumeRoleWithWebIdentity for `<issuer>:sub` of each OIDC
 *   provider the trust names (else each the account has), and on Pod Identity's sts:AssumeRole and
 *   sts:TagSession by their request tags. An explicit Deny beats the Allow that admits other accounts.
 * - Existing sessions: one inline policy per containment (PutRolePolicy `IrsaContain-<id>`) denying
 *   everything to the named sessions by `aws:userid` (`<role id>:<session name>`, the role id from
 *   GetRole), or with all sessions, to every session issued before now by `aws:TokenIssueTime`, the
 *   statement of IAM's "Revoke active sessions". AWS evaluates a session's permissions on every
 *   request, so revoked sessions fail on their next call. Web-identity keys such as `<issuer>:sub`
 *   are not in the request context of later calls on AWS, so a service account's existing sessions
 *   are named by session, not by subject.
 *
 * Undo restores the previous trust policy text exactly and deletes the inline policy, and refuses
 * when the trust policy is no longer the one the containment wrote (its SHA-256), unless forced.
 */
import { randomBytes } from 'node:crypto'
import type { IAMClient } from '@aws-sdk/client-iam'
import { DeleteRolePolicyCommand, GetRoleCommand, ListOpenIDConnectProvidersCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam'
import { IrsaError } from '../errors.js'
import type { ServiceAccountRef } from '../model/service-account-ref.js'
import { parseRoleArn } from '../sts/role-arn.js'
import { awsTimestamp } from '../sts/timestamp.js'
import { subjectOf, trustProviders } from './contain.js'
import type { AwsContainmentRecord, IamCall } from './containment-records.js'
import { sha256 } from './containment-records.js'
import type { ProviderRef } from './revoke-policy.js'
import { addStatements, revokeStatements, sessionDenyStatements, sessionUserId, trustDenyStatements } from './revoke-policy.js'

export interface AwsContainInput {
  readonly roleArn: string
  readonly serviceAccount?: ServiceAccountRef
  /** Checked role session names. */
  readonly sessionNames: readonly string[]
  readonly allSessions: boolean
  readonly reason: string
  readonly actor?: string
  readonly endpoint?: string
  /** Epoch milliseconds. */
  readonly now: number
}

/** What a containment will do: its record (calls included) and the documents, before anything is written. */
export interface AwsContainmentPlan {
  readonly record: AwsContainmentRecord
}

/** One line for a failed IAM call: the API, the AWS error code and its message. */
function iamError(api: string, e: unknown): IrsaError {
  const err = e as { name?: string; Code?: string; message?: string }
  const code = err.Code ?? err.name ?? 'Error'
  const message = (err.message ?? String(e)).split('\n')[0] ?? ''
  return new IrsaError('ERR_REMOTE', `IAM ${api} failed: ${code}: ${message}`, { cause: e })
}

async function call<T>(api: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f()
  } catch (e) {
    throw iamError(api, e)
  }
}

function isNoSuchEntity(e: unknown): boolean {
  const err = (e as { cause?: unknown }).cause as { name?: string; Code?: string } | undefined
  return err?.name === 'NoSuchEntityException' || err?.name === 'NoSuchEntity' || err?.Code === 'NoSuchEntity'
}

/** GetRole: its id, ARN and trust policy (URL-decoded, as the API returns it encoded). */
async function getRole(iam: IAMClient, roleName: string): Promise<{ arn: string; roleId: string; trustPolicy: string }> {
  const r = (await call('GetRole', () => iam.send(new GetRoleCommand({ RoleName: roleName })))).Role
  if (r?.Arn === undefined || r.RoleId === undefined || r.AssumeRolePolicyDocument === undefined) throw new IrsaError('ERR_REMOTE', `IAM GetRole returned no role ${roleName}`)
  return { arn: r.Arn, roleId: r.RoleId, trustPolicy: decodeURIComponent(r.AssumeRolePolicyDocument) }
}

/** The providers whose `sub` names the service account: those the trust names, else every OIDC provider of the account. */
async function providersFor(iam: IAMClient, trustPolicy: string): Promise<ProviderRef[]> {
  const named = trustProviders(trustPolicy)
  if (named.length > 0) return named
  const list = await call('ListOpenIDConnectProviders', () => iam.send(new ListOpenIDConnectProvidersCommand({})))
  const out: ProviderRef[] = []
  for (const p of list.OpenIDConnectProviderList ?? []) {
    const arn = p.Arn
    const at = arn?.indexOf(':oidc-provider/') ?? -1
    if (arn !== undefined && at >= 0) out.push({ arn, host: arn.slice(at + ':oidc-provider/'.length) })
  }
  return out
}

export function newContainmentId(): string {
  return `ctn-${randomBytes(6).toString('hex')}`
}

export function inlinePolicyName(id: string): string {
  return `IrsaContain-${id}`
}

/** Read the role and build the documents and calls; writes nothing. */
export async function planAwsContainment(iam: IAMClient, input: AwsContainInput, id = newContainmentId()): Promise<AwsContainmentPlan> {
  const ref = parseRoleArn(input.roleArn)
  if (ref === undefined) throw new IrsaError('ERR_CLI_USAGE', `not a role ARN: ${input.roleArn}`)
  if (input.serviceAccount === undefined && input.sessionNames.length === 0 && !input.allSessions) {
    throw new IrsaError('ERR_CLI_USAGE', 'give --service-account NS/NAME, --session-name NAME… or --all-sessions')
  }
  if (input.allSessions && input.sessionNames.length > 0) throw new IrsaError('ERR_CLI_USAGE', '--all-sessions revokes every session of the role: give it without --session-name')
  const role = await getRole(iam, ref.name)
  if (role.arn !== input.roleArn) throw new IrsaError('ERR_CLI_INPUT', `GetRole ${ref.name} answered ${role.arn}, not ${input.roleArn}: wrong account or credentials?`)
  const calls: IamCall[] = []
  let trust: AwsContainmentRecord['trustPolicy']
  if (input.serviceAccount !== undefined) {
    const after = addStatements(role.trustPolicy, trustDenyStatements(id, input.serviceAccount, await providersFor(iam, role.trustPolicy)), 'the trust policy')
    trust = { before: role.trustPolicy, sha256: sha256(after) }
    calls.push({ api: 'UpdateAssumeRolePolicy', RoleName: ref.name, PolicyDocument: after })
  }
  let issuedBefore: string | undefined
  let inline: AwsContainmentRecord['inlinePolicy']
  const statements = input.sessionNames.length > 0 ? sessionDenyStatements(id, role.roleId, input.sessionNames) : input.allSessions ? revokeStatements(id, (issuedBefore = awsTimestamp(Math.floor(input.now / 1000) + 1))) : undefined
  if (statements !== undefined) {
    const doc = addStatements(undefined, statements)
    inline = { name: inlinePolicyName(id), sha256: sha256(doc) }
    calls.push({ api: 'PutRolePolicy', RoleName: ref.name, PolicyName: inline.name, PolicyDocument: doc })
  }
  const record: AwsContainmentRecord = {
    id,
    createdAt: new Date(input.now).toISOString(),
    roleArn: role.arn,
    roleName: ref.name,
    roleId: role.roleId,
    reason: input.reason,
    ...(input.actor === undefined ? {} : { actor: input.actor }),
    ...(input.endpoint === undefined ? {} : { endpoint: input.endpoint }),
    ...(input.serviceAccount === undefined ? {} : { subject: subjectOf(input.serviceAccount) }),
    ...(input.sessionNames.length === 0 ? {} : { sessions: [...new Set(input.sessionNames)].map((n) => sessionUserId(role.roleId, n)) }),
    ...(issuedBefore === undefined ? {} : { issuedBefore }),
    ...(trust === undefined ? {} : { trustPolicy: trust }),
    ...(inline === undefined ? {} : { inlinePolicy: inline }),
    calls,
  }
  return { record }
}

async function send(iam: IAMClient, c: IamCall): Promise<void> {
  const doc = c.PolicyDocument ?? ''
  if (c.api === 'UpdateAssumeRolePolicy') await call(c.api, () => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: c.RoleName, PolicyDocument: doc })))
  else if (c.api === 'PutRolePolicy') await call(c.api, () => iam.send(new PutRolePolicyCommand({ RoleName: c.RoleName, PolicyName: c.PolicyName, PolicyDocument: doc })))
  else await call(c.api, () => iam.send(new DeleteRolePolicyCommand({ RoleName: c.RoleName, PolicyName: c.PolicyName })))
}

/**
 * Make the plan's calls. `save` writes the record first (so an interrupted containment can still be
 * undone); when a call fails, the calls already made are reversed and the error is thrown.
 */
export async function applyAwsContainment(iam: IAMClient, plan: AwsContainmentPlan, save: (r: AwsContainmentRecord) => Promise<void>): Promise<AwsContainmentRecord> {
  const r = plan.record
  await save(r)
  const done: IamCall[] = []
  try {
    for (const c of r.calls) {
      await send(iam, c)
      done.push(c)
    }
  } catch (e) {
    for (const c of done.reverse()) {
      try {
        if (c.api === 'UpdateAssumeRolePolicy' && r.trustPolicy !== undefined) await send(iam, { api: 'UpdateAssumeRolePolicy', RoleName: r.roleName, PolicyDocument: r.trustPolicy.before })
        if (c.api === 'PutRolePolicy') await send(iam, { api: 'DeleteRolePolicy', RoleName: r.roleName, PolicyName: c.PolicyName ?? '' })
      } catch {
        // The record stays: `--undo` can finish the reversal.
        throw e
      }
    }
    await save({ ...r, undoneAt: new Date().toISOString(), undo: {} })
    throw e
  }
  return r
}

/** Reverse a containment: the previous trust policy back byte for byte, the inline policy deleted. */
export async function undoAwsContainment(iam: IAMClient, r: AwsContainmentRecord, o: { force: boolean; now: number }): Promise<AwsContainmentRecord> {
  if (r.undoneAt !== undefined) throw new IrsaError('ERR_CLI_INPUT', `containment ${r.id} was undone at ${r.undoneAt}`)
  let trust: 'restored' | 'forced' | undefined
  if (r.trustPolicy !== undefined) {
    const current = await getRole(iam, r.roleName)
    const now = sha256(current.trustPolicy)
    if (now !== r.trustPolicy.sha256 && !o.force) {
      throw new IrsaError(
        'ERR_STATE_CONFLICT',
        `the trust policy of ${r.roleArn} changed since containment ${r.id} (sha256 ${now}, it wrote ${r.trustPolicy.sha256}); --force restores the previous one anyway`,
      )
    }
    await send(iam, { api: 'UpdateAssumeRolePolicy', RoleName: r.roleName, PolicyDocument: r.trustPolicy.before })
    trust = now === r.trustPolicy.sha256 ? 'restored' : 'forced'
  }
  let inline: 'deleted' | 'absent' | undefined
  if (r.inlinePolicy !== undefined) {
    try {
      await send(iam, { api: 'DeleteRolePolicy', RoleName: r.roleName, PolicyName: r.inlinePolicy.name })
      inline = 'deleted'
    } catch (e) {
      if (!isNoSuchEntity(e)) throw e
      inline = 'absent'
    }
  }
  return { ...r, undoneAt: new Date(o.now).toISOString(), undo: { ...(trust === undefined ? {} : { trustPolicy: trust }), ...(inline === undefined ? {} : { inlinePolicy: inline }) } }
}
