/**
 * Apply a declarative config idempotently: create what is missing, update what differs, leave the
 * rest alone, and report each object's outcome. Applying is three explicit steps, written once
 * against {@link ApplyTarget}: the target reads the current state of what the config names
 * (`current-state.ts`), {@link plan} computes the steps from desired and current state alone
 * (`plan.ts`, pure), and {@link execute} performs them through the target (`execute.ts`).
 * `store-target.ts` applies directly on the Store (at `irsa serve` start, in one transaction) and
 * `remote-target.ts` through the IAM and EKS APIs and the bindings endpoint of a running server;
 * `irsa apply --dry-run` stops after planning.
 *
 * A declared role is authoritative for its own settings: inline policies, attachments and tags not
 * in the file are removed, and service accounts bound to it but no longer listed are unbound.
 * Objects the file does not mention are never touched.
 */
import type { Tag } from '../model/iam.js'
import type { IrsaConfig } from './config-file.js'
import { readCurrentState } from './current-state.js'
import { execute } from './execute.js'
import { plan } from './plan.js'

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

/** What a target can read: everything planning needs, and nothing that changes state. */
export interface StateReader {
  readonly account: string
  readonly partition: string
  /** The server's own issuer URL. */
  readonly issuer: string

  getProvider(arn: string): Promise<ProviderState | undefined>
  /** The account's customer-managed policy of that name, whatever its path. */
  findPolicy(name: string): Promise<PolicyState | undefined>
  getRole(name: string): Promise<RoleState | undefined>
  /** The cluster associations default to (the server's own). */
  clusterName(): Promise<string>
  listPodIdentityAssociations(cluster: string): Promise<PodIdentityAssociationState[]>
  listBindings(): Promise<BindingState[]>
}

/** What a target can change: one method per kind of plan step. */
export interface StateWriter {
  createProvider(url: string, clientIds: readonly string[], thumbprints: readonly string[]): Promise<void>
  addClientId(arn: string, clientId: string): Promise<void>
  removeClientId(arn: string, clientId: string): Promise<void>
  setThumbprints(arn: string, thumbprints: readonly string[]): Promise<void>

  createPolicy(name: string, path: string, document: string): Promise<void>
  /** Add a version and make it the default, pruning the oldest non-default one at IAM's limit of 5. */
  setPolicyDocument(arn: string, document: string): Promise<void>

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

  createPodIdentityAssociation(cluster: string, a: { namespace: string; serviceAccount: string; roleArn: string; tags: Readonly<Record<string, string>> }): Promise<string>
  updatePodIdentityAssociation(cluster: string, associationId: string, roleArn: string): Promise<void>

  putBindings(bindings: readonly BindingState[]): Promise<void>
  deleteBindings(refs: readonly { namespace: string; serviceAccount: string }[]): Promise<void>
}

/** Where a config is applied: the Store of this process, or a running server's APIs. */
export interface ApplyTarget extends StateReader, StateWriter {}

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

/** Read the current state through the target, plan, and execute the plan through the target. */
export async function applyConfig(config: IrsaConfig, t: ApplyTarget): Promise<ApplyReport> {
  return execute(plan(config, await readCurrentState(config, t)), t)
}

/** The report as text: one line per object, then a summary. */
export function formatApplyReport(report: ApplyReport): string[] {
  const lines = report.items.map((i) => `${i.status.padEnd(9)} ${i.kind.padEnd(8)} ${i.name}${i.changes.length ? ` (${i.changes.join(', ')})` : ''}`)
  lines.push(`${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged`)
  return lines
}
