// Inputs for the pure decide steps of the credential exchanges: the environment they read (account,
// region, compiled policies) and a stored role with a given trust policy.
import type { DecideEnv } from '../../src/core/exchange/exchange-decision.js'
import type { Role } from '../../src/model/iam.js'
import { compilePolicy } from '../../src/policy/compile.js'
import { parseRoleArn } from '../../src/sts/role-arn.js'

/** What a decide step reads: compiled without a cache. */
export function decideEnv(account: string, region: string): DecideEnv {
  return { account, region, compiled: (kind, doc) => compilePolicy(doc, { kind }) }
}

/** A stored role whose trust policy has these statements. */
export function roleWithTrust(arn: string, statements: readonly Record<string, unknown>[], o: Partial<Role> = {}): Role {
  const ref = parseRoleArn(arn)
  if (ref === undefined) throw new Error(`not a role ARN: ${arn}`)
  return {
    arn,
    account: ref.account,
    name: ref.name,
    path: ref.path,
    roleId: 'AROAEXAMPLEEXAMPLE123',
    trustPolicy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    description: undefined,
    maxSessionDuration: 3600,
    permissionsBoundaryArn: undefined,
    tags: [],
    createdAt: 0,
    ...o,
  }
}
