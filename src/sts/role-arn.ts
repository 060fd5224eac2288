/** Role ARNs: `arn:<partition>:iam::<account>:role/<path/><name>`. */
import { parseArn } from '../policy/arn.js'

export interface RoleRef {
  readonly partition: string
  readonly account: string
  readonly path: string
  readonly name: string
}

export function parseRoleArn(arn: string): RoleRef | undefined {
  const a = parseArn(arn)
  if (a === undefined || a.service !== 'iam' || a.region !== '' || !/^\d{12}$/.test(a.account) || !a.resource.startsWith('role/')) return undefined
  const rest = a.resource.slice('role/'.length)
  const slash = rest.lastIndexOf('/')
  const name = rest.slice(slash + 1)
  if (name === '') return undefined
  return { partition: a.partition, account: a.account, path: slash < 0 ? '/' : `/${rest.slice(0, slash + 1)}`, name }
}

/** `arn:<partition>:sts::<account>:assumed-role/<RoleName>/<session>`: the role path is dropped. */
export function assumedRoleArn(partition: string, account: string, roleName: string, sessionName: string): string {
  return `arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}`
}
