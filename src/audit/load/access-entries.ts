/**
 * EKS access entries: `aws eks describe-access-entry` (`{"accessEntry": …}`),
 * `aws eks list-associated-access-policies` (`{"clusterName", "principalArn", "associatedAccessPolicies"}`)
 * and `aws eks list-access-entries` (`{"accessEntries": [ARN…]}`, which names no cluster: the
 * `cluster=` prefix or the only cluster is used), in any order and concatenated in one file. Entries
 * are merged per cluster and principal; problems become warnings naming the object.
 */
import type { AccessEntryObj, AccessPolicyObj, AuditWarning, IamInventory } from '../model.js'

type Obj = Record<string, unknown>

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

function accessPolicy(v: unknown): AccessPolicyObj | undefined {
  if (!isObj(v) || typeof v.policyArn !== 'string') return undefined
  const scope = isObj(v.accessScope) ? v.accessScope : {}
  return { policyArn: v.policyArn, scope: scope.type === 'namespace' ? 'namespace' : 'cluster', namespaces: strings(scope.namespaces) }
}

/** Load access-entry JSON values (already parsed) into the inventory. */
export function loadAccessEntries(values: readonly unknown[], file: string, iam: IamInventory, warnings: AuditWarning[], clusterHint?: string): void {
  const byKey = new Map(iam.accessEntries.map((e, i) => [`${e.cluster}\u0000${e.principalArn}`, i]))
  const upsert = (cluster: string, principalArn: string, pointer: string, patch: Partial<AccessEntryObj>): void => {
    const key = `${cluster}\u0000${principalArn}`
    const i = byKey.get(key)
    const base: AccessEntryObj = i === undefined ? { cluster, principalArn, type: undefined, username: undefined, kubernetesGroups: [], accessPolicies: [], source: { file, pointer } } : (iam.accessEntries[i] as AccessEntryObj)
    const policies = [...base.accessPolicies]
    for (const p of patch.accessPolicies ?? []) if (!policies.some((q) => q.policyArn === p.policyArn && q.scope === p.scope && q.namespaces.join() === p.namespaces.join())) policies.push(p)
    const next: AccessEntryObj = { ...base, ...patch, accessPolicies: policies }
    if (i === undefined) {
      byKey.set(key, iam.accessEntries.length)
      iam.accessEntries.push(next)
    } else iam.accessEntries[i] = next
  }
  const soleCluster = clusterHint ?? (iam.clusters.length === 1 ? iam.clusters[0]?.name : undefined)
  const one = (v: unknown, pointer: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => one(x, `${pointer}/${i}`))
      return
    }
    if (!isObj(v)) return warn(pointer, 'not an access entry object; skipped')
    if (isObj(v.accessEntry)) {
      const e = v.accessEntry
      if (typeof e.clusterName !== 'string' || typeof e.principalArn !== 'string') return warn(pointer, 'accessEntry without clusterName or principalArn; skipped')
      upsert(clusterHint ?? e.clusterName, e.principalArn, pointer, {
        type: typeof e.type === 'string' ? e.type : undefined,
        username: typeof e.username === 'string' ? e.username : undefined,
        kubernetesGroups: strings(e.kubernetesGroups),
      })
      return
    }
    if (Array.isArray(v.associatedAccessPolicies)) {
      if (typeof v.clusterName !== 'string' || typeof v.principalArn !== 'string') return warn(pointer, 'associatedAccessPolicies without clusterName or principalArn; skipped')
      const policies: AccessPolicyObj[] = []
      v.associatedAccessPolicies.forEach((p, i) => {
        const ap = accessPolicy(p)
        if (ap === undefined) warn(`${pointer}/associatedAccessPolicies/${i}`, 'access policy without policyArn; skipped')
        else policies.push(ap)
      })
      upsert(clusterHint ?? v.clusterName, v.principalArn, pointer, { accessPolicies: policies })
      return
    }
    if (Array.isArray(v.accessEntries)) {
      if (soleCluster === undefined) return warn(pointer, 'list-access-entries output names no cluster: prefix the file with cluster= (or give one --eks-cluster); skipped')
      for (const arn of strings(v.accessEntries)) upsert(soleCluster, arn, pointer, {})
      return
    }
    warn(pointer, 'not aws eks describe-access-entry, list-associated-access-policies or list-access-entries output; skipped')
  }
  const warn = (pointer: string, message: string): void => {
    warnings.push(pointer === '' ? { file, message } : { file, object: pointer, message })
  }
  values.forEach((v, i) => one(v, values.length === 1 ? '' : `doc ${i + 1}`))
}
