/** Action / NotAction: `vendor:action` strings, and the short list a role trust policy may name. */
import type { ValidationContext } from './context.js'
import { matchWildcard } from '../wildcard.js'
import type { StringItem } from './nodes.js'

export const VENDOR_PREFIX_MESSAGE = 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'

/**
 * The actions a role trust policy may allow. AWS rejects any other with "AssumeRole policy may only
 * specify STS AssumeRole actions." sts:TagSession, sts:SetSourceIdentity and sts:SetContext are the
 * session-setup permissions that must be granted in the trust policy (IAM User Guide: session tags,
 * source identity, trusted identity propagation).
 */
export const TRUST_POLICY_ACTIONS = [
  'sts:AssumeRole',
  'sts:AssumeRoleWithSAML',
  'sts:AssumeRoleWithWebIdentity',
  'sts:TagSession',
  'sts:SetSourceIdentity',
  'sts:SetContext',
] as const

function isVendorChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x2d
  )
}

/** Check one Action / NotAction string; reports and returns false when it is malformed. */
export function checkActionFormat(ctx: ValidationContext, action: StringItem): boolean {
  const { value, at } = action
  if (value === '*') return true
  const parts = value.split(':')
  const vendor = parts[0] ?? ''
  if (parts.length === 1 || vendor === '') {
    ctx.error(`${VENDOR_PREFIX_MESSAGE} Found "${value}".`, at)
    return false
  }
  if (parts.length > 2) {
    ctx.error(`Actions/Condition can contain only one colon. Found "${value}".`, at)
    return false
  }
  for (let i = 0; i < vendor.length; i++) {
    if (!isVendorChar(vendor.charCodeAt(i))) {
      ctx.error(`Vendor ${vendor} is not valid`, at)
      return false
    }
  }
  if ((parts[1] ?? '') === '') {
    ctx.error(`Action "${value}" has no action name after the vendor prefix.`, at)
    return false
  }
  return true
}

/** Whether an Action pattern in a trust policy names only trust-policy actions. */
export function isTrustPolicyAction(action: string): boolean {
  if (action === '*') return true
  return TRUST_POLICY_ACTIONS.some((allowed) => matchWildcard(action, allowed, true))
}

export function checkTrustPolicyAction(ctx: ValidationContext, action: StringItem): void {
  if (isTrustPolicyAction(action.value)) return
  ctx.error(
    `AssumeRole policy may only specify STS AssumeRole actions. "${action.value}" is not one of ${TRUST_POLICY_ACTIONS.join(', ')}.`,
    action.at,
  )
}
