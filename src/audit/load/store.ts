/**
 * The audit inventory of a running identity plane, read from its store: roles with their inline,
 * attached and boundary policies, OIDC providers, this server's issuer as the one cluster's issuer,
 * its Pod Identity associations, and service accounts from the bindings (plus any extra ones asked
 * about, unannotated unless bound). `irsa investigate`, `irsa contain` and the dashboard audit this.
 */
import type { Runtime } from '../../core/runtime.js'
import { ownCluster } from '../../eks/cluster.js'
import { awsTimestamp } from '../../sts/timestamp.js'
import { issuerHostPath } from '../../tokens/issuer-url.js'
import { AUDIENCE_ANNOTATION, ROLE_ANNOTATION } from '../graph.js'
import { emptyIam, emptyK8s } from '../model.js'
import type { IamRoleObj, Inventory, ServiceAccountObj } from '../model.js'

/** The one cluster irsa issues tokens for. */
export const CLUSTER = 'irsa'
const SOURCE = 'irsa store'

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** The audit inventory of this identity plane, with `extra` service accounts added (unannotated unless bound). */
export async function storeInventory(rt: Runtime, extra: readonly { readonly namespace: string; readonly name: string }[] = []): Promise<Inventory> {
  const iam = emptyIam()
  const k8s = emptyK8s()
  const warnings: Inventory['warnings'] = []
  iam.accounts.add(rt.account)
  const own = await ownCluster(rt)
  iam.clusters.push({ name: CLUSTER, arn: own.arn, issuerHost: issuerHostPath(rt.issuer), accountId: rt.account, env: undefined, source: { file: SOURCE } })
  // The server's own cluster's Pod Identity associations (the graph maps them onto CLUSTER).
  iam.podIdentityLoaded = true
  iam.podIdentityClusters.add(CLUSTER)
  for (const a of await rt.store.listPodIdentityAssociations(own.name)) {
    iam.podIdentityAssociations.push({
      cluster: CLUSTER,
      namespace: a.namespace,
      serviceAccount: a.serviceAccount,
      roleArn: a.roleArn,
      targetRoleArn: undefined,
      associationId: a.associationId,
      associationArn: a.associationArn,
      disableSessionTags: false,
      inferred: false,
      source: { file: SOURCE, pointer: a.associationArn },
    })
  }
  iam.providers = (await rt.store.listOidcProviders(rt.account)).map((p) => ({
    arn: p.arn,
    host: issuerHostPath(p.url),
    clientIds: p.clientIds,
    createDate: awsTimestamp(p.createdAt),
    tags: Object.fromEntries(p.tags.map((t) => [t.Key, t.Value])),
    source: { file: SOURCE, pointer: p.arn },
  }))
  for (const role of await rt.store.listRoles(rt.account)) {
    const inline = (await rt.store.listRolePolicies(role.arn)).map((p) => ({ name: p.name, document: parseJson(p.document) }))
    const attached = await rt.store.listAttachedRolePolicies(role.arn)
    for (const arn of [...attached, ...(role.permissionsBoundaryArn === undefined ? [] : [role.permissionsBoundaryArn])]) {
      if (iam.policies.has(arn)) continue
      const p = await rt.store.getPolicy(arn)
      const v = p === undefined ? undefined : await rt.store.getPolicyVersion(arn, p.defaultVersionId)
      if (p !== undefined && v !== undefined) iam.policies.set(arn, { arn, name: p.name, document: parseJson(v.document), source: { file: SOURCE, pointer: arn } })
    }
    const obj: IamRoleObj = {
      arn: role.arn,
      name: role.name,
      accountId: role.account,
      partition: rt.partition,
      createDate: awsTimestamp(role.createdAt),
      lastUsedDate: undefined,
      trustDocument: parseJson(role.trustPolicy),
      inlinePolicies: inline,
      attachedPolicyArns: attached,
      boundaryArn: role.permissionsBoundaryArn,
      tags: Object.fromEntries(role.tags.map((t) => [t.Key, t.Value])),
      hasInstanceProfile: false,
      source: { file: SOURCE, pointer: role.arn },
    }
    iam.roles.push(obj)
  }
  const sas = new Map<string, ServiceAccountObj>()
  const add = (namespace: string, name: string, annotations: Record<string, string>): void => {
    const k = `${namespace}/${name}`
    const prev = sas.get(k)
    sas.set(k, {
      cluster: CLUSTER,
      namespace,
      name,
      labels: {},
      annotations: { ...(prev?.annotations ?? {}), ...annotations },
      source: { file: SOURCE, pointer: `serviceaccount ${k}` },
      automountServiceAccountToken: undefined,
    })
  }
  for (const b of await rt.store.listBindings()) {
    add(b.namespace, b.serviceAccount, { [ROLE_ANNOTATION]: b.roleArn, ...(b.audience === undefined ? {} : { [AUDIENCE_ANNOTATION]: b.audience }) })
  }
  for (const sa of extra) if (!sas.has(`${sa.namespace}/${sa.name}`)) add(sa.namespace, sa.name, {})
  k8s.serviceAccounts.push(...sas.values())
  return { k8s, iam, hasRbac: false, warnings }
}
