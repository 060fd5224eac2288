/**
 * The current state of everything a config names, read through a target in one explicit step
 * before planning: the providers it declares or points roles at, its policies and roles, the
 * service-account bindings, and the Pod Identity associations of the clusters it names. Only
 * {@link StateReader} methods are called, so reading changes nothing (`irsa apply --dry-run`).
 */
import { issuerHostPath } from '../tokens/issuer-url.js'
import type { BindingState, PodIdentityAssociationState, PolicyState, ProviderState, RoleState, StateReader } from './apply.js'
import type { IrsaConfig } from './config-file.js'

export interface CurrentState {
  readonly account: string
  readonly partition: string
  /** The server's own issuer URL (its provider is always registered). */
  readonly issuer: string
  /** The providers that exist among those the config names, by ARN. */
  readonly providers: ReadonlyMap<string, ProviderState>
  /** The declared policies that exist, by lower-cased name (IAM names are case-insensitive). */
  readonly policies: ReadonlyMap<string, PolicyState>
  /** The declared roles that exist, by lower-cased name. */
  readonly roles: ReadonlyMap<string, RoleState>
  /** Every service-account binding. */
  readonly bindings: readonly BindingState[]
  /** The cluster an association without `cluster` belongs to; undefined when none needs it. */
  readonly defaultCluster: string | undefined
  /** The associations of every cluster the config's associations name, by cluster. */
  readonly podIdentityAssociations: ReadonlyMap<string, readonly PodIdentityAssociationState[]>
}

/** The ARN IAM gives the OIDC provider of an issuer URL in the target's account. */
export function providerArn(at: { readonly partition: string; readonly account: string }, url: string): string {
  return `arn:${at.partition}:iam::${at.account}:oidc-provider/${issuerHostPath(url)}`
}

export async function readCurrentState(config: IrsaConfig, reader: StateReader): Promise<CurrentState> {
  const own = issuerHostPath(reader.issuer)
  // Declared providers, and those roles point their generated trust at (the plan checks they exist).
  const urls = [...config.providers.map((p) => p.url), ...config.roles.flatMap((r) => (r.trust === undefined && r.provider !== undefined ? [r.provider] : []))]
  const providers = new Map<string, ProviderState>()
  for (const url of urls) {
    const arn = providerArn(reader, url)
    if (issuerHostPath(url) === own || providers.has(arn)) continue
    const p = await reader.getProvider(arn)
    if (p !== undefined) providers.set(arn, p)
  }

  const policies = new Map<string, PolicyState>()
  for (const p of config.policies) {
    const have = await reader.findPolicy(p.name)
    if (have !== undefined) policies.set(p.name.toLowerCase(), have)
  }
  const roles = new Map<string, RoleState>()
  for (const r of config.roles) {
    const have = await reader.getRole(r.name)
    if (have !== undefined) roles.set(r.name.toLowerCase(), have)
  }
  const bindings = await reader.listBindings()

  const associations = config.podIdentityAssociations ?? []
  const defaultCluster = associations.some((a) => a.cluster === undefined) ? await reader.clusterName() : undefined
  const podIdentityAssociations = new Map<string, readonly PodIdentityAssociationState[]>()
  for (const a of associations) {
    const cluster = a.cluster ?? (defaultCluster as string)
    if (!podIdentityAssociations.has(cluster)) podIdentityAssociations.set(cluster, await reader.listPodIdentityAssociations(cluster))
  }
  return { account: reader.account, partition: reader.partition, issuer: reader.issuer, providers, policies, roles, bindings, defaultCluster, podIdentityAssociations }
}
