/**
 * `--from-aws`: read IAM through @aws-sdk/client-iam. Uses GetAccountAuthorizationDetails when the
 * endpoint serves it; otherwise (e.g. a running `irsa serve`, which serves ListRoles/GetRole and the
 * OIDC-provider actions) falls back to ListRoles plus per-role policy calls, each failure a warning.
 */
import {
  GetAccountAuthorizationDetailsCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam'
import { DescribePodIdentityAssociationCommand, EKSClient, ListClustersCommand, ListPodIdentityAssociationsCommand } from '@aws-sdk/client-eks'
import type { Inventory } from '../model.js'
import { loadAuthorizationDetails, loadOidcProviders } from './iam.js'
import { loadPodIdentityAssociations } from './pod-identity.js'

export interface LiveAwsOptions {
  readonly endpoint?: string
  readonly region?: string
  /**
   * EKS Pod Identity associations: of these clusters, or of every cluster ListClusters returns
   * (`all`). Omitted: associations are not read.
   */
  readonly podIdentity?: { readonly clusters?: readonly string[]; readonly all?: boolean }
}

/** ListClusters → ListPodIdentityAssociations → DescribePodIdentityAssociation; each failure is a warning. */
export async function loadPodIdentityFromAws(inv: Inventory, options: LiveAwsOptions): Promise<void> {
  const wanted = options.podIdentity
  if (wanted === undefined) return
  const client = new EKSClient({ region: options.region ?? 'us-east-1', ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }) })
  const source = `aws:${options.endpoint ?? 'eks'}`
  const warn = (object: string, e: unknown): void => {
    inv.warnings.push({ file: source, object, message: (e as Error).message.split('\n')[0] ?? 'failed' })
  }
  try {
    const clusters = new Set(wanted.clusters ?? [])
    if (wanted.all === true) {
      try {
        let token: string | undefined
        do {
          const page = await client.send(new ListClustersCommand({ ...(token === undefined ? {} : { nextToken: token }) }))
          for (const c of page.clusters ?? []) clusters.add(c)
          token = page.nextToken
        } while (token !== undefined)
      } catch (e) {
        warn('ListClusters', e)
      }
    }
    const values: unknown[] = []
    for (const cluster of clusters) {
      try {
        let token: string | undefined
        do {
          const page = await client.send(new ListPodIdentityAssociationsCommand({ clusterName: cluster, ...(token === undefined ? {} : { nextToken: token }) }))
          for (const a of page.associations ?? []) {
            try {
              const d = await client.send(new DescribePodIdentityAssociationCommand({ clusterName: cluster, associationId: a.associationId }))
              values.push(plain({ association: d.association }))
            } catch (e) {
              warn(`association ${a.associationId ?? '?'} of ${cluster}`, e)
              values.push(plain({ associations: [a] }))
            }
          }
          token = page.nextToken
        } while (token !== undefined)
        inv.iam.podIdentityClusters.add(cluster)
      } catch (e) {
        warn(`ListPodIdentityAssociations ${cluster}`, e)
      }
    }
    if (clusters.size > 0) loadPodIdentityAssociations(values, source, inv.iam, inv.warnings)
  } finally {
    client.destroy()
  }
}

function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v)) as unknown
}

export async function loadFromAws(inv: Inventory, options: LiveAwsOptions = {}): Promise<void> {
  const client = new IAMClient({ region: options.region ?? 'us-east-1', ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }) })
  const source = `aws:${options.endpoint ?? 'iam'}`
  const warn = (object: string, e: unknown): void => {
    inv.warnings.push({ file: source, object, message: (e as Error).message.split('\n')[0] ?? 'failed' })
  }
  try {
    const details: { RoleDetailList: unknown[]; Policies: unknown[]; UserDetailList: unknown[]; GroupDetailList: unknown[] } = { RoleDetailList: [], Policies: [], UserDetailList: [], GroupDetailList: [] }
    let marker: string | undefined
    do {
      const page = await client.send(new GetAccountAuthorizationDetailsCommand({ ...(marker === undefined ? {} : { Marker: marker }) }))
      details.RoleDetailList.push(...(page.RoleDetailList ?? []))
      details.Policies.push(...(page.Policies ?? []))
      details.UserDetailList.push(...(page.UserDetailList ?? []))
      details.GroupDetailList.push(...(page.GroupDetailList ?? []))
      marker = page.IsTruncated === true ? page.Marker : undefined
    } while (marker !== undefined)
    loadAuthorizationDetails(plain(details), source, inv.iam, inv.warnings)
  } catch (e) {
    inv.warnings.push({ file: source, message: `GetAccountAuthorizationDetails unavailable (${(e as Error).message.split('\n')[0] ?? ''}); reading roles one by one` })
    const roles: Record<string, unknown>[] = []
    const policies = new Map<string, unknown>()
    let marker: string | undefined
    do {
      const page = await client.send(new ListRolesCommand({ ...(marker === undefined ? {} : { Marker: marker }) }))
      for (const r of page.Roles ?? []) {
        const entry: Record<string, unknown> = { ...(plain(r) as Record<string, unknown>), RolePolicyList: [], AttachedManagedPolicies: [] }
        try {
          const names = await client.send(new ListRolePoliciesCommand({ RoleName: r.RoleName }))
          for (const n of names.PolicyNames ?? []) {
            const p = await client.send(new GetRolePolicyCommand({ RoleName: r.RoleName, PolicyName: n }))
            ;(entry.RolePolicyList as unknown[]).push({ PolicyName: n, PolicyDocument: p.PolicyDocument })
          }
          const attached = await client.send(new ListAttachedRolePoliciesCommand({ RoleName: r.RoleName }))
          entry.AttachedManagedPolicies = plain(attached.AttachedPolicies ?? [])
          for (const a of attached.AttachedPolicies ?? []) {
            if (a.PolicyArn === undefined || policies.has(a.PolicyArn)) continue
            try {
              const pol = await client.send(new GetPolicyCommand({ PolicyArn: a.PolicyArn }))
              const ver = await client.send(new GetPolicyVersionCommand({ PolicyArn: a.PolicyArn, VersionId: pol.Policy?.DefaultVersionId }))
              policies.set(a.PolicyArn, { PolicyName: a.PolicyName, Arn: a.PolicyArn, DefaultVersionId: pol.Policy?.DefaultVersionId, PolicyVersionList: [{ Document: ver.PolicyVersion?.Document, IsDefaultVersion: true }] })
            } catch (pe) {
              warn(`policy ${a.PolicyArn}`, pe)
            }
          }
        } catch (re) {
          warn(`role ${r.RoleName ?? '?'} policies`, re)
        }
        roles.push(entry)
      }
      marker = page.IsTruncated === true ? page.Marker : undefined
    } while (marker !== undefined)
    loadAuthorizationDetails({ RoleDetailList: roles, Policies: [...policies.values()] }, source, inv.iam, inv.warnings)
  }
  try {
    const list = await client.send(new ListOpenIDConnectProvidersCommand({}))
    const out: unknown[] = []
    for (const p of list.OpenIDConnectProviderList ?? []) {
      try {
        const d = await client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: p.Arn }))
        out.push({ ...(plain(d) as Record<string, unknown>), Arn: p.Arn })
      } catch (e) {
        warn(`OIDC provider ${p.Arn ?? '?'}`, e)
        out.push({ Arn: p.Arn })
      }
    }
    loadOidcProviders(out, source, inv.iam, inv.warnings)
  } catch (e) {
    warn('ListOpenIDConnectProviders', e)
  }
}
