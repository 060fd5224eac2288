/**
 * Apply a declarative config idempotently: create what is missing, update what differs, leave the
 * rest alone, and report each object's outcome. The logic is written once against
 * {@link ApplyTarget}; `store-target.ts` applies directly on the Store (at `irsa serve` start) and
 * `remote-target.ts` through the IAM API and the bindings endpoint of a running server.
 *
 * A declared role is authoritative for its own settings: inline policies, attachments and tags not
 * in the file are removed, and service accounts bound to it but no longer listed are unbound.
 * Objects the file does not mention are never touched.
 */
import { IrsaError } from '../errors.js'
import type { Tag } from '../model/iam.js'
import { issuerHostPath } from '../tokens/issuer-url.js'
import type { IrsaConfig, PolicyRef, RoleSpec } from './config-file.js'

export interface ProviderState {
  readonly arn: string
  readonly clientIds: readonly string[]
  readonly thumbprints: readonly string[]
}

export interface PolicyState {
  readonly arn: string
  readonly path: string
  /** The default version's document. */
  readonly document: string
}

export interface RoleState {
  readonly arn: string
  readonly path: string
  readonly trust: string
  readonly description: string | undefined
  readonly maxSessionDuration: number
  readonly permissionsBoundaryArn: string | undefined
  readonly tags: readonly Tag[]
  readonly inlinePolicies: ReadonlyMap<string, string>
  readonly managedPolicyArns: readonly string[]
}

export interface BindingState {
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn: string
  readonly audience: string | undefined
}

export interface PodIdentityAssociationState {
  readonly associationId: string
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn: string
}

export interface RoleCreate {
  readonly name: string
  readonly path: string
  readonly trust: string
  readonly description: string | undefined
  readonly maxSessionDuration: number
  readonly permissionsBoundaryArn: string | undefined
  readonly tags: readonly Tag[]
}

/** Where a config is applied: the Store of this process, or a running server's APIs. */
export interface ApplyTarget {
  readonly account: string
  readonly partition: string
  /** The server's own issuer URL. */
  readonly issuer: string

  getProvider(arn: string): Promise<ProviderState | undefined>
  createProvider(url: string, clientIds: readonly string[], thumbprints: readonly string[]): Promise<void>
  addClientId(arn: string, clientId: string): Promise<void>
  removeClientId(arn: string, clientId: string): Promise<void>
  setThumbprints(arn: string, thumbprints: readonly string[]): Promise<void>

  /** The account's customer-managed policy of that name, whatever its path. */
  findPolicy(name: string): Promise<PolicyState | undefined>
  createPolicy(name: string, path: string, document: string): Promise<void>
  /** Add a version and make it the default, pruning the oldest non-default one at IAM's limit of 5. */
  setPolicyDocument(arn: string, document: string): Promise<void>

  getRole(name: string): Promise<RoleState | undefined>
  createRole(r: RoleCreate): Promise<void>
  updateRole(name: string, description: string | undefined, maxSessionDuration: number): Promise<void>
  updateTrust(name: string, document: string): Promise<void>
  setBoundary(name: string, arn: string | undefined): Promise<void>
  tagRole(name: string, tags: readonly Tag[]): Promise<void>
  untagRole(name: string, keys: readonly string[]): Promise<void>
  putInlinePolicy(role: string, name: string, document: string): Promise<void>
  deleteInlinePolicy(role: string, name: string): Promise<void>
  attachPolicy(role: string, arn: string): Promise<void>
  detachPolicy(role: string, arn: string): Promise<void>

  /** The cluster associations default to (the server's own). */
  clusterName(): Promise<string>
  listPodIdentityAssociations(cluster: string): Promise<PodIdentityAssociationState[]>
  createPodIdentityAssociation(cluster: string, a: { namespace: string; serviceAccount: string; roleArn: string; tags: Readonly<Record<string, string>> }): Promise<string>
  updatePodIdentityAssociation(cluster: string, associationId: string, roleArn: string): Promise<void>

  listBindings(): Promise<BindingState[]>
  putBindings(bindings: readonly BindingState[]): Promise<void>
  deleteBindings(refs: readonly { namespace: string; serviceAccount: string }[]): Promise<void>
}

export type ApplyStatus = 'created' | 'updated' | 'unchanged'

export interface ApplyItem {
  readonly kind: 'provider' | 'policy' | 'role' | 'binding' | 'podIdentityAssociation'
  /** Provider URL, policy or role name, `namespace/serviceAccount`, or `cluster/namespace/serviceAccount`. */
  readonly name: string
  readonly arn?: string
  readonly status: ApplyStatus
  /** What changed, e.g. `trust policy`, `+inline read`, `-tag team`. */
  readonly changes: readonly string[]
}

export interface ApplyReport {
  readonly items: readonly ApplyItem[]
  readonly created: number
  readonly updated: number
  readonly unchanged: number
}

/** Same JSON value, ignoring formatting and key order (and a URL-encoded form). */
export function sameDocument(a: string, b: string): boolean {
  const parse = (t: string): unknown => {
    try {
      return JSON.parse(t)
    } catch {
      try {
        return JSON.parse(decodeURIComponent(t))
      } catch {
        return t
      }
    }
  }
  return canonicalJson(parse(a)) === canonicalJson(parse(b))
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v)
}

function conflict(message: string): IrsaError {
  return new IrsaError('ERR_STATE', `conflict: ${message}`)
}

/** The trust policy generated for a role's service accounts: exact `sub` and `aud` on one provider. */
export function generatedTrust(providerArn: string, providerUrl: string, serviceAccounts: RoleSpec['serviceAccounts'], audience = 'sts.amazonaws.com'): string {
  const key = issuerHostPath(providerUrl)
  const subs = serviceAccounts.map((s) => `system:serviceaccount:${s.namespace}:${s.name}`)
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${key}:sub`]: subs.length === 1 ? subs[0] : subs, [`${key}:aud`]: audience } },
        },
      ],
    },
    null,
    2,
  )
}

/** The trust statement EKS documents for Pod Identity roles (sts.md §6.4). */
export const POD_IDENTITY_TRUST_STATEMENT = {
  Sid: 'AllowEksAuthToAssumeRoleForPodIdentity',
  Effect: 'Allow',
  Principal: { Service: 'pods.eks.amazonaws.com' },
  Action: ['sts:AssumeRole', 'sts:TagSession'],
} as const

/** A generated trust: the IRSA statement for the role's service accounts, and the Pod Identity one when associations name it. */
function roleTrust(providerArn: string, providerUrl: string, r: RoleSpec): string {
  const irsa = r.serviceAccounts.length > 0 ? (JSON.parse(generatedTrust(providerArn, providerUrl, r.serviceAccounts)) as { Statement: object[] }).Statement : []
  if (r.podIdentity !== true) return generatedTrust(providerArn, providerUrl, r.serviceAccounts)
  return JSON.stringify({ Version: '2012-10-17', Statement: [...irsa, POD_IDENTITY_TRUST_STATEMENT] }, null, 2)
}

export async function applyConfig(config: IrsaConfig, t: ApplyTarget): Promise<ApplyReport> {
  const items: ApplyItem[] = []
  const providerArn = (url: string): string => `arn:${t.partition}:iam::${t.account}:oidc-provider/${issuerHostPath(url)}`

  // 1. Providers.
  for (const p of config.providers) {
    const arn = providerArn(p.url)
    if (issuerHostPath(p.url) === issuerHostPath(t.issuer)) throw conflict(`provider ${p.url} is this server's own issuer, which is always registered; remove it from providers`)
    const have = await t.getProvider(arn)
    if (have === undefined) {
      await t.createProvider(p.url, p.clientIds, p.thumbprints)
      items.push({ kind: 'provider', name: p.url, arn, status: 'created', changes: [] })
      continue
    }
    const changes: string[] = []
    for (const c of p.clientIds) {
      if (!have.clientIds.includes(c)) {
        await t.addClientId(arn, c)
        changes.push(`+clientId ${c}`)
      }
    }
    for (const c of have.clientIds) {
      if (!p.clientIds.includes(c)) {
        await t.removeClientId(arn, c)
        changes.push(`-clientId ${c}`)
      }
    }
    const want = [...p.thumbprints].sort()
    const got = have.thumbprints.map((x) => x.toLowerCase()).sort()
    if (want.join(',') !== got.join(',')) {
      await t.setThumbprints(arn, p.thumbprints)
      changes.push('thumbprints')
    }
    items.push({ kind: 'provider', name: p.url, arn, status: changes.length ? 'updated' : 'unchanged', changes })
  }

  // 2. Managed policies.
  const policyArns = new Map<string, string>()
  for (const p of config.policies) {
    const arn = `arn:${t.partition}:iam::${t.account}:policy${p.path}${p.name}`
    policyArns.set(p.name.toLowerCase(), arn)
    const have = await t.findPolicy(p.name)
    if (have === undefined) {
      await t.createPolicy(p.name, p.path, p.document)
      items.push({ kind: 'policy', name: p.name, arn, status: 'created', changes: [] })
      continue
    }
    if (have.path !== p.path) throw conflict(`policy ${p.name} exists with path ${have.path}, the file says ${p.path} (IAM cannot move a policy)`)
    if (sameDocument(have.document, p.document)) {
      items.push({ kind: 'policy', name: p.name, arn, status: 'unchanged', changes: [] })
    } else {
      await t.setPolicyDocument(arn, p.document)
      items.push({ kind: 'policy', name: p.name, arn, status: 'updated', changes: ['document (new default version)'] })
    }
  }
  const resolve = (r: PolicyRef): string => (r.kind === 'arn' ? r.arn : (policyArns.get(r.name.toLowerCase()) as string))

  // 3. Roles.
  const roleArns = new Map<string, string>()
  for (const r of config.roles) {
    let trust = r.trust
    if (trust === undefined) {
      const url = r.provider ?? t.issuer
      const arn = providerArn(url)
      if (r.provider !== undefined && issuerHostPath(r.provider) !== issuerHostPath(t.issuer) && !config.providers.some((p) => issuerHostPath(p.url) === issuerHostPath(url))) {
        if ((await t.getProvider(arn)) === undefined) throw conflict(`role ${r.name}: provider ${url} is neither declared under providers nor registered`)
      }
      trust = roleTrust(arn, url, r)
    }
    const boundary = r.permissionsBoundary === undefined ? undefined : resolve(r.permissionsBoundary)
    const managed = r.managedPolicies.map(resolve)
    const have = await t.getRole(r.name)
    const changes: string[] = []
    let status: ApplyStatus
    let arn: string
    if (have === undefined) {
      await t.createRole({ name: r.name, path: r.path, trust, description: r.description, maxSessionDuration: r.maxSessionDuration, permissionsBoundaryArn: boundary, tags: r.tags })
      arn = `arn:${t.partition}:iam::${t.account}:role${r.path}${r.name}`
      for (const [name, doc] of r.inlinePolicies) await t.putInlinePolicy(r.name, name, doc)
      for (const p of managed) await t.attachPolicy(r.name, p)
      status = 'created'
    } else {
      arn = have.arn
      if (have.path !== r.path) throw conflict(`role ${r.name} exists with path ${have.path}, the file says ${r.path} (IAM cannot move a role)`)
      if (!sameDocument(have.trust, trust)) {
        await t.updateTrust(r.name, trust)
        changes.push('trust policy')
      }
      if ((have.description ?? '') !== (r.description ?? '') || have.maxSessionDuration !== r.maxSessionDuration) {
        await t.updateRole(r.name, r.description, r.maxSessionDuration)
        if ((have.description ?? '') !== (r.description ?? '')) changes.push('description')
        if (have.maxSessionDuration !== r.maxSessionDuration) changes.push(`maxSessionDuration ${have.maxSessionDuration} → ${r.maxSessionDuration}`)
      }
      if (have.permissionsBoundaryArn !== boundary) {
        await t.setBoundary(r.name, boundary)
        changes.push(boundary === undefined ? '-permissionsBoundary' : `permissionsBoundary ${boundary}`)
      }
      const stale = have.tags.filter((x) => !r.tags.some((y) => y.Key === x.Key)).map((x) => x.Key)
      if (stale.length > 0) {
        await t.untagRole(r.name, stale)
        for (const k of stale) changes.push(`-tag ${k}`)
      }
      const changedTags = r.tags.filter((x) => !have.tags.some((y) => y.Key === x.Key && y.Value === x.Value))
      if (changedTags.length > 0) {
        await t.tagRole(r.name, changedTags)
        for (const x of changedTags) changes.push(`+tag ${x.Key}`)
      }
      for (const [name, doc] of r.inlinePolicies) {
        const current = have.inlinePolicies.get(name)
        if (current !== undefined && sameDocument(current, doc)) continue
        await t.putInlinePolicy(r.name, name, doc)
        changes.push(`${current === undefined ? '+' : '~'}inline ${name}`)
      }
      for (const name of have.inlinePolicies.keys()) {
        if (r.inlinePolicies.has(name)) continue
        await t.deleteInlinePolicy(r.name, name)
        changes.push(`-inline ${name}`)
      }
      for (const p of managed) {
        if (have.managedPolicyArns.includes(p)) continue
        await t.attachPolicy(r.name, p)
        changes.push(`+managed ${p}`)
      }
      for (const p of have.managedPolicyArns) {
        if (managed.includes(p)) continue
        await t.detachPolicy(r.name, p)
        changes.push(`-managed ${p}`)
      }
      status = changes.length > 0 ? 'updated' : 'unchanged'
    }
    roleArns.set(r.name.toLowerCase(), arn)
    items.push({ kind: 'role', name: r.name, arn, status, changes })
  }

  // 4. Bindings: each listed service account → its role; stale bindings to declared roles removed.
  const current = await t.listBindings()
  const wanted: BindingState[] = []
  const removed: { namespace: string; serviceAccount: string }[] = []
  for (const r of config.roles) {
    const roleArn = roleArns.get(r.name.toLowerCase()) as string
    for (const sa of r.serviceAccounts) {
      const name = `${sa.namespace}/${sa.name}`
      const have = current.find((b) => b.namespace === sa.namespace && b.serviceAccount === sa.name)
      if (have !== undefined && have.roleArn === roleArn) {
        items.push({ kind: 'binding', name, arn: roleArn, status: 'unchanged', changes: [] })
        continue
      }
      wanted.push({ namespace: sa.namespace, serviceAccount: sa.name, roleArn, audience: have?.audience })
      items.push({ kind: 'binding', name, arn: roleArn, status: have === undefined ? 'created' : 'updated', changes: have === undefined ? [] : [`role ${have.roleArn} → ${roleArn}`] })
    }
  }
  const declaredArns = new Set(roleArns.values())
  for (const b of current) {
    const listed = config.roles.some((r) => r.serviceAccounts.some((s) => s.namespace === b.namespace && s.name === b.serviceAccount))
    if (!listed && declaredArns.has(b.roleArn)) {
      removed.push({ namespace: b.namespace, serviceAccount: b.serviceAccount })
      items.push({ kind: 'binding', name: `${b.namespace}/${b.serviceAccount}`, arn: b.roleArn, status: 'updated', changes: ['removed (no longer listed)'] })
    }
  }
  if (wanted.length > 0) await t.putBindings(wanted)
  if (removed.length > 0) await t.deleteBindings(removed)

  // 5. Pod identity associations: created, or their role updated (EKS cannot move one to another service account).
  const clusters = new Map<string, PodIdentityAssociationState[]>()
  for (const a of config.podIdentityAssociations ?? []) {
    const cluster = a.cluster ?? (await t.clusterName())
    let existing = clusters.get(cluster)
    if (existing === undefined) {
      existing = await t.listPodIdentityAssociations(cluster)
      clusters.set(cluster, existing)
    }
    const roleArn = a.role.kind === 'arn' ? a.role.arn : (roleArns.get(a.role.name.toLowerCase()) as string)
    const name = `${cluster}/${a.namespace}/${a.serviceAccount}`
    const have = existing.find((x) => x.namespace === a.namespace && x.serviceAccount === a.serviceAccount)
    if (have === undefined) {
      const id = await t.createPodIdentityAssociation(cluster, { namespace: a.namespace, serviceAccount: a.serviceAccount, roleArn, tags: a.tags })
      items.push({ kind: 'podIdentityAssociation', name, arn: roleArn, status: 'created', changes: [id] })
    } else if (have.roleArn !== roleArn) {
      await t.updatePodIdentityAssociation(cluster, have.associationId, roleArn)
      items.push({ kind: 'podIdentityAssociation', name, arn: roleArn, status: 'updated', changes: [`role ${have.roleArn} → ${roleArn}`] })
    } else {
      items.push({ kind: 'podIdentityAssociation', name, arn: roleArn, status: 'unchanged', changes: [] })
    }
  }

  const count = (s: ApplyStatus): number => items.filter((i) => i.status === s).length
  return { items, created: count('created'), updated: count('updated'), unchanged: count('unchanged') }
}

/** The report as text: one line per object, then a summary. */
export function formatApplyReport(report: ApplyReport): string[] {
  const lines = report.items.map((i) => `${i.status.padEnd(9)} ${i.kind.padEnd(8)} ${i.name}${i.changes.length ? ` (${i.changes.join(', ')})` : ''}`)
  lines.push(`${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged`)
  return lines
}
