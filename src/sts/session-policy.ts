/**
 * Session policies passed to AssumeRoleWithWebIdentity: the inline `Policy` must be a valid session
 * policy, `PolicyArns` must name managed policies of the role's account, and their plaintext (with
 * the session tags) must fit AWS's 2,048-character packed budget. Checked in the exchange's issue
 * step (the trust has allowed the session); a refusal here is recorded like any other outcome.
 */
import { deflateRawSync } from 'node:zlib'
import { AwsError } from '../aws/aws-error.js'
import { isIrsaError } from '../errors.js'
import type { Runtime } from '../core/runtime.js'

const BUDGET = 2048

export interface SessionPolicyCheck {
  /** Percent of the packed budget used; undefined when nothing was passed (AWS then omits it). */
  readonly packedPolicySize: number | undefined
}

export async function sessionPolicies(
  rt: Runtime,
  inline: string | undefined,
  arns: readonly string[],
  tags: Readonly<Record<string, string>> | undefined,
): Promise<SessionPolicyCheck> {
  if (inline !== undefined) {
    try {
      rt.compiled('session', inline)
    } catch (e) {
      if (isIrsaError(e)) throw new AwsError('MalformedPolicyDocument', e.message)
      throw e
    }
  }
  for (const arn of arns) {
    const p = await rt.store.getPolicy(arn)
    if (p === undefined) throw new AwsError('InvalidParameterValue', `Policy ${arn} does not exist or is not attachable.`)
  }
  if (inline === undefined && arns.length === 0 && tags === undefined) return { packedPolicySize: undefined }
  const plain = (inline ?? '') + arns.join('')
  if (plain.length > BUDGET) throw new AwsError('PackedPolicyTooLarge', `Packed policy consumes ${Math.ceil((100 * plain.length) / BUDGET)}% of allotted space, please use smaller policy.`)
  const packed = deflateRawSync(Buffer.from(plain + JSON.stringify(tags ?? {}))).length
  const percent = Math.max(1, Math.ceil((100 * packed) / BUDGET))
  if (percent > 100) throw new AwsError('PackedPolicyTooLarge', `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`)
  return { packedPolicySize: percent }
}
