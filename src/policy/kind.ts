/** The kinds of IAM policy document irsa parses, validates and evaluates. */
export const POLICY_KINDS = ['identity', 'resource', 'trust', 'boundary', 'session', 'scp', 'rcp'] as const

export type PolicyKind = (typeof POLICY_KINDS)[number]

export function isPolicyKind(value: unknown): value is PolicyKind {
  return typeof value === 'string' && (POLICY_KINDS as readonly string[]).includes(value)
}
