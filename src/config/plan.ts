/**
 * The plan of an apply: from the desired config and the current state alone (no I/O, no clock),
 * the typed steps that bring the state to the config, each with the before and after that explain
 * it, and the objects the config declares (for the report). Steps come in dependency order —
 * providers, policies, roles (a role's own changes, then its inline policies and attachments),
 * bindings, Pod Identity associations — and, within each, in the config's order; the same inputs
 * always give the same plan. A conflict IAM or EKS cannot resolve (moving a policy or role to
 * another path, a provider that is the server's own issuer or is missing) is an `ERR_STATE_CONFLICT` error
 * raised before anything is changed.
 */
import { IrsaError } from '../errors.js'
import type { Tag } from '../model/iam.js'
import { issuerHostPath } from '../tokens/issuer-url.js'
import type { ApplyItem } from './apply.js'
import type { IrsaConfig, PolicyRef } from './config-file.js'
import type { CurrentState } from './current-state.js'
import { providerArn } from './current-state.js'
import { roleTrust } from './generated-trust.js'
import { sameDocument } from './same-document.js'

/** A binding as a step records it. */
export interface BindingValue {
  readonly roleArn: string
  readonly audience: string | null
}

/** The settings UpdateRole changes together. */
export interface RoleSettings {
  readonly description: string | null
  readonly maxSessionDuration: number
}

export type ProviderStep = { readonly resource: 'provider'; readonly name: string; readonly arn: string } & (
  | { readonly kind: 'create'; readonly before: null; readonly after: { readonly url: string; readonly clientIds: readonly string[]; readonly thumbprints: readonly string[] } }
  | { readonly kind: 'add'; readonly attribute: 'clientId'; readonly before: null; readonly after: string }
  | { readonly kind: 'remove'; readonly attribute: 'clientId'; readonly before: string; readonly after: null }
  | { readonly kind: 'update'; readonly attribute: 'thumbprints'; readonly before: readonly string[]; readonly after: readonly string[] }
)

export type PolicyStep = { readonly resource: 'policy'; readonly name: string; readonly arn: string } & (
  | { readonly kind: 'create'; readonly before: null; readonly after: { readonly path: string; readonly document: string } }
  | { readonly kind: 'update'; readonly attribute: 'document'; readonly before: string; readonly after: string }
)

export interface RoleCreation {
  readonly path: string
  readonly trust: string
  readonly description: string | null
  readonly maxSessionDuration: number
  readonly permissionsBoundaryArn: string | null
  readonly tags: readonly Tag[]
}

export type RoleStep = { readonly resource: 'role'; readonly name: string; readonly arn: string } & (
  | { readonly kind: 'create'; readonly before: null; readonly after: RoleCreation }
  | { readonly kind: 'update'; readonly attribute: 'trust'; readonly before: string; readonly after: string }
  | { readonly kind: 'update'; readonly attribute: 'settings'; readonly before: RoleSettings; readonly after: RoleSettings }
  | { readonly kind: 'update'; readonly attribute: 'permissionsBoundary'; readonly before: string | null; readonly after: string | null }
  /** `before`: the tags removed. */
  | { readonly kind: 'untag'; readonly before: readonly Tag[]; readonly after: null }
  /** `before`: the earlier values of the keys that already existed, else null. */
  | { readonly kind: 'tag'; readonly before: readonly Tag[] | null; readonly after: readonly Tag[] }
  /** `after` / `before`: the managed policy's ARN. */
  | { readonly kind: 'attach'; readonly before: null; readonly after: string }
  | { readonly kind: 'detach'; readonly before: string; readonly after: null }
)

/** A role's inline policy: `name` is the policy's, `role` the role's. */
export type InlinePolicyStep = { readonly resource: 'inlinePolicy'; readonly name: string; readonly role: string; readonly arn: string } & (
  | { readonly kind: 'create'; readonly before: null; readonly after: string }
  | { readonly kind: 'update'; readonly before: string; readonly after: string }
  | { readonly kind: 'delete'; readonly before: string; readonly after: null }
)

/** `name` is `namespace/serviceAccount`. */
export type BindingStep = { readonly resource: 'binding'; readonly name: string; readonly namespace: string; readonly serviceAccount: string; readonly arn: string } & (
  | { readonly kind: 'create'; readonly before: null; readonly after: BindingValue }
  | { readonly kind: 'update'; readonly before: BindingValue; readonly after: BindingValue }
  | { readonly kind: 'delete'; readonly before: BindingValue; readonly after: null }
)

/** `name` is `cluster/namespace/serviceAccount`. */
export type PodIdentityAssociationStep = {
  readonly resource: 'podIdentityAssociation'
  readonly name: string
  readonly cluster: string
  readonly namespace: string
  readonly serviceAccount: string
  readonly arn: string
} & (
  | { readonly kind: 'create'; readonly before: null; readonly after: { readonly roleArn: string; readonly tags: Readonly<Record<string, string>> } }
  | { readonly kind: 'update'; readonly associationId: string; readonly before: { readonly roleArn: string }; readonly after: { readonly roleArn: string } }
)

export type PlanStep = ProviderStep | PolicyStep | RoleStep | InlinePolicyStep | BindingStep | PodIdentityAssociationStep
export type StepKind = PlanStep['kind']

/** An object the config declares (or a binding it removes): one line of the apply report. */
export interface PlanObject {
  readonly kind: ApplyItem['kind']
  readonly name: string
  readonly arn: string
}

export interface Plan {
  readonly steps: readonly PlanStep[]
  /** In report order: providers, policies, roles, bindings (listed, then removed), associations. */
  readonly objects: readonly PlanObject[]
}

function conflict(message: string): IrsaError {
  return new IrsaError('ERR_STATE_CONFLICT', `conflict: ${message}`)
}

export function plan(config: IrsaConfig, current: CurrentState): Plan {
  const steps: PlanStep[] = []
  const objects: PlanObject[] = []
  const own = issuerHostPath(current.issuer)

  // 1. Providers.
  for (const p of config.providers) {
    const arn = providerArn(current, p.url)
    if (issuerHostPath(p.url) === own) throw conflict(`provider ${p.url} is this server's own issuer, which is always registered; remove it from providers`)
    objects.push({ kind: 'provider', name: p.url, arn })
    const at = { resource: 'provider', name: p.url, arn } as const
    const have = current.providers.get(arn)
    if (have === undefined) {
      steps.push({ ...at, kind: 'create', before: null, after: { url: p.url, clientIds: [...p.clientIds], thumbprints: [...p.thumbprints] } })
      continue
    }
    for (const c of p.clientIds) if (!have.clientIds.includes(c)) steps.push({ ...at, kind: 'add', attribute: 'clientId', before: null, after: c })
    for (const c of have.clientIds) if (!p.clientIds.includes(c)) steps.push({ ...at, kind: 'remove', attribute: 'clientId', before: c, after: null })
    const want = [...p.thumbprints].sort()
    const got = have.thumbprints.map((x) => x.toLowerCase()).sort()
    if (want.join(',') !== got.join(',')) steps.push({ ...at, kind: 'update', attribute: 'thumbprints', before: [...have.thumbprints], after: [...p.thumbprints] })
  }

  // 2. Managed policies.
  const policyArns = new Map<string, string>()
  for (const p of config.policies) {
    const arn = `arn:${current.partition}:iam::${current.account}:policy${p.path}${p.name}`
    policyArns.set(p.name.toLowerCase(), arn)
    objects.push({ kind: 'policy', name: p.name, arn })
    const have = current.policies.get(p.name.toLowerCase())
    if (have === undefined) {
      steps.push({ resource: 'policy', name: p.name, arn, kind: 'create', before: null, after: { path: p.path, document: p.document } })
      continue
    }
    if (have.path !== p.path) throw conflict(`policy ${p.name} exists with path ${have.path}, the file says ${p.path} (IAM cannot move a policy)`)
    if (!sameDocument(have.document, p.document)) steps.push({ resource: 'policy', name: p.name, arn, kind: 'update', attribute: 'document', before: have.document, after: p.document })
  }
  const resolve = (r: PolicyRef): string => (r.kind === 'arn' ? r.arn : (policyArns.get(r.name.toLowerCase()) as string))

  // 3. Roles: the role's own settings, then its inline policies, then its attachments.
  const roleArns = new Map<string, string>()
  for (const r of config.roles) {
    let trust = r.trust
    if (trust === undefined) {
      const url = r.provider ?? current.issuer
      const arn = providerArn(current, url)
      if (r.provider !== undefined && issuerHostPath(r.provider) !== own && !config.providers.some((p) => issuerHostPath(p.url) === issuerHostPath(url))) {
        if (!current.providers.has(arn)) throw conflict(`role ${r.name}: provider ${url} is neither declared under providers nor registered`)
      }
      trust = roleTrust(arn, url, r)
    }
    const boundary = r.permissionsBoundary === undefined ? null : resolve(r.permissionsBoundary)
    const managed = r.managedPolicies.map(resolve)
    const have = current.roles.get(r.name.toLowerCase())
    const arn = have?.arn ?? `arn:${current.partition}:iam::${current.account}:role${r.path}${r.name}`
    roleArns.set(r.name.toLowerCase(), arn)
    objects.push({ kind: 'role', name: r.name, arn })
    const at = { resource: 'role', name: r.name, arn } as const
    const inline = { resource: 'inlinePolicy', role: r.name, arn } as const
    if (have === undefined) {
      const after: RoleCreation = { path: r.path, trust, description: r.description ?? null, maxSessionDuration: r.maxSessionDuration, permissionsBoundaryArn: boundary, tags: r.tags }
      steps.push({ ...at, kind: 'create', before: null, after })
      for (const [name, doc] of r.inlinePolicies) steps.push({ ...inline, name, kind: 'create', before: null, after: doc })
      for (const p of managed) steps.push({ ...at, kind: 'attach', before: null, after: p })
      continue
    }
    if (have.path !== r.path) throw conflict(`role ${r.name} exists with path ${have.path}, the file says ${r.path} (IAM cannot move a role)`)
    if (!sameDocument(have.trust, trust)) steps.push({ ...at, kind: 'update', attribute: 'trust', before: have.trust, after: trust })
    if ((have.description ?? '') !== (r.description ?? '') || have.maxSessionDuration !== r.maxSessionDuration) {
      const before = { description: have.description ?? null, maxSessionDuration: have.maxSessionDuration }
      steps.push({ ...at, kind: 'update', attribute: 'settings', before, after: { description: r.description ?? null, maxSessionDuration: r.maxSessionDuration } })
    }
    const haveBoundary = have.permissionsBoundaryArn ?? null
    if (haveBoundary !== boundary) steps.push({ ...at, kind: 'update', attribute: 'permissionsBoundary', before: haveBoundary, after: boundary })
    const stale = have.tags.filter((x) => !r.tags.some((y) => y.Key === x.Key))
    if (stale.length > 0) steps.push({ ...at, kind: 'untag', before: stale, after: null })
    const changedTags = r.tags.filter((x) => !have.tags.some((y) => y.Key === x.Key && y.Value === x.Value))
    if (changedTags.length > 0) {
      const earlier = have.tags.filter((x) => changedTags.some((y) => y.Key === x.Key))
      steps.push({ ...at, kind: 'tag', before: earlier.length > 0 ? earlier : null, after: changedTags })
    }
    for (const [name, doc] of r.inlinePolicies) {
      const existing = have.inlinePolicies.get(name)
      if (existing === undefined) steps.push({ ...inline, name, kind: 'create', before: null, after: doc })
      else if (!sameDocument(existing, doc)) steps.push({ ...inline, name, kind: 'update', before: existing, after: doc })
    }
    for (const [name, doc] of have.inlinePolicies) if (!r.inlinePolicies.has(name)) steps.push({ ...inline, name, kind: 'delete', before: doc, after: null })
    for (const p of managed) if (!have.managedPolicyArns.includes(p)) steps.push({ ...at, kind: 'attach', before: null, after: p })
    for (const p of have.managedPolicyArns) if (!managed.includes(p)) steps.push({ ...at, kind: 'detach', before: p, after: null })
  }

  // 4. Bindings: each listed service account → its role; stale bindings to declared roles removed.
  const removals: BindingStep[] = []
  for (const r of config.roles) {
    const roleArn = roleArns.get(r.name.toLowerCase()) as string
    for (const sa of r.serviceAccounts) {
      const at = { resource: 'binding', name: `${sa.namespace}/${sa.name}`, namespace: sa.namespace, serviceAccount: sa.name, arn: roleArn } as const
      objects.push({ kind: 'binding', name: at.name, arn: roleArn })
      const have = current.bindings.find((b) => b.namespace === sa.namespace && b.serviceAccount === sa.name)
      if (have === undefined) steps.push({ ...at, kind: 'create', before: null, after: { roleArn, audience: null } })
      else if (have.roleArn !== roleArn) steps.push({ ...at, kind: 'update', before: binding(have), after: { roleArn, audience: have.audience ?? null } })
    }
  }
  const declaredArns = new Set(roleArns.values())
  for (const b of current.bindings) {
    const listed = config.roles.some((r) => r.serviceAccounts.some((s) => s.namespace === b.namespace && s.name === b.serviceAccount))
    if (listed || !declaredArns.has(b.roleArn)) continue
    const name = `${b.namespace}/${b.serviceAccount}`
    objects.push({ kind: 'binding', name, arn: b.roleArn })
    removals.push({ resource: 'binding', name, namespace: b.namespace, serviceAccount: b.serviceAccount, arn: b.roleArn, kind: 'delete', before: binding(b), after: null })
  }
  steps.push(...removals)

  // 5. Pod identity associations: created, or their role updated (EKS cannot move one to another service account).
  for (const a of config.podIdentityAssociations ?? []) {
    const cluster = a.cluster ?? current.defaultCluster
    if (cluster === undefined) throw new TypeError('plan: the current state has no default cluster for an association without one')
    const roleArn = a.role.kind === 'arn' ? a.role.arn : (roleArns.get(a.role.name.toLowerCase()) as string)
    const at = { resource: 'podIdentityAssociation', name: `${cluster}/${a.namespace}/${a.serviceAccount}`, cluster, namespace: a.namespace, serviceAccount: a.serviceAccount, arn: roleArn } as const
    objects.push({ kind: 'podIdentityAssociation', name: at.name, arn: roleArn })
    const have = current.podIdentityAssociations.get(cluster)?.find((x) => x.namespace === a.namespace && x.serviceAccount === a.serviceAccount)
    if (have === undefined) steps.push({ ...at, kind: 'create', before: null, after: { roleArn, tags: a.tags } })
    else if (have.roleArn !== roleArn) steps.push({ ...at, kind: 'update', associationId: have.associationId, before: { roleArn: have.roleArn }, after: { roleArn } })
  }
  return { steps, objects }
}

function binding(b: { readonly roleArn: string; readonly audience: string | undefined }): BindingValue {
  return { roleArn: b.roleArn, audience: b.audience ?? null }
}
