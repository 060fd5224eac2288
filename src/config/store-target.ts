/**
 * The {@link ApplyTarget} that writes straight to this process's Store (used by `irsa serve
 * --config` before the server listens). Documents were already checked by the config parser with
 * IAM's own validation (checkPolicyDocument); referenced managed policies must exist, as IAM
 * requires.
 */
import { IrsaError } from '../errors.js'
import type { Runtime } from '../core/runtime.js'
import { roleId } from '../sts/access-key.js'
import { issuerHostPath } from '../tokens/issuer-url.js'
import type { ApplyTarget, BindingState, PodIdentityAssociationState, PolicyState, ProviderState, RoleCreate, RoleState } from './apply.js'
import { AwsError } from '../aws/aws-error.js'
import { createAssociation, operatorCaller, updateAssociation } from '../eks/associations.js'
import { ownCluster } from '../eks/cluster.js'
import type { Tag } from '../model/iam.js'

const MAX_POLICY_VERSIONS = 5

/** EKS-API failures (a missing role, another cluster) are config conflicts here. */
async function asIrsaError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    if (e instanceof AwsError) throw new IrsaError('ERR_STATE_CONFLICT', `conflict: ${e.message}`, { cause: e })
    throw e
  }
}

export function storeTarget(rt: Runtime): ApplyTarget {
  const store = rt.store
  const account = rt.account
  const roleArn = async (name: string): Promise<string> => {
    const r = await store.getRole(account, name)
    if (r === undefined) throw new IrsaError('ERR_STATE_NOT_FOUND', `role ${name} does not exist`)
    return r.arn
  }
  const requirePolicy = async (arn: string): Promise<void> => {
    if ((await store.getPolicy(arn)) === undefined) throw new IrsaError('ERR_STATE_CONFLICT', `conflict: managed policy ${arn} does not exist`)
  }
  const bytes = (n: number): Uint8Array => rt.random.bytes(n)

  return {
    account,
    partition: rt.partition,
    issuer: rt.issuer,

    async getProvider(arn): Promise<ProviderState | undefined> {
      const p = await store.getOidcProvider(arn)
      return p === undefined || p.account !== account ? undefined : { arn: p.arn, clientIds: p.clientIds, thumbprints: p.thumbprints }
    },
    async createProvider(url, clientIds, thumbprints) {
      await store.createOidcProvider({
        arn: `arn:${rt.partition}:iam::${account}:oidc-provider/${issuerHostPath(url)}`,
        account,
        url,
        clientIds: [...clientIds],
        thumbprints: [...thumbprints],
        tags: [],
        createdAt: rt.nowSeconds(),
      })
    },
    async addClientId(arn, clientId) {
      const p = await store.getOidcProvider(arn)
      if (p !== undefined && !p.clientIds.includes(clientId)) await store.updateOidcProvider(arn, { clientIds: [...p.clientIds, clientId] })
    },
    async removeClientId(arn, clientId) {
      const p = await store.getOidcProvider(arn)
      if (p !== undefined) await store.updateOidcProvider(arn, { clientIds: p.clientIds.filter((c) => c !== clientId) })
    },
    async setThumbprints(arn, thumbprints) {
      await store.updateOidcProvider(arn, { thumbprints: [...thumbprints] })
    },

    async findPolicy(name): Promise<PolicyState | undefined> {
      const p = (await store.listPolicies(account)).find((x) => x.name.toLowerCase() === name.toLowerCase())
      if (p === undefined) return undefined
      const v = await store.getPolicyVersion(p.arn, p.defaultVersionId)
      return { arn: p.arn, path: p.path, document: v?.document ?? '' }
    },
    async createPolicy(name, path, document) {
      const now = rt.nowSeconds()
      const created = await store.createPolicy(
        {
          arn: `arn:${rt.partition}:iam::${account}:policy${path}${name}`,
          account,
          name,
          path,
          policyId: `ANPA${roleId(account, bytes).slice(4)}`,
          defaultVersionId: 'v1',
          description: undefined,
          createdAt: now,
          updatedAt: now,
        },
        document,
      )
      if (!created) throw new IrsaError('ERR_STATE_CONFLICT', `conflict: policy ${name} already exists`)
    },
    async setPolicyDocument(arn, document) {
      await store.transaction(async () => {
        const versions = (await store.listPolicyVersions(arn)).sort((a, b) => a.createdAt - b.createdAt || Number(a.versionId.slice(1)) - Number(b.versionId.slice(1)))
        if (versions.length >= MAX_POLICY_VERSIONS) {
          const oldest = versions.find((v) => !v.isDefault)
          if (oldest !== undefined) await store.deletePolicyVersion(arn, oldest.versionId)
        }
        await store.createPolicyVersion(arn, document, true, rt.nowSeconds())
      })
    },

    async getRole(name): Promise<RoleState | undefined> {
      const r = await store.getRole(account, name)
      if (r === undefined) return undefined
      const inline = new Map((await store.listRolePolicies(r.arn)).map((p) => [p.name, p.document] as const))
      return {
        arn: r.arn,
        path: r.path,
        trust: r.trustPolicy,
        description: r.description,
        maxSessionDuration: r.maxSessionDuration,
        permissionsBoundaryArn: r.permissionsBoundaryArn,
        tags: r.tags,
        inlinePolicies: inline,
        managedPolicyArns: await store.listAttachedRolePolicies(r.arn),
      }
    },
    async createRole(c: RoleCreate) {
      if (c.permissionsBoundaryArn !== undefined) await requirePolicy(c.permissionsBoundaryArn)
      const created = await store.createRole({
        arn: `arn:${rt.partition}:iam::${account}:role${c.path}${c.name}`,
        account,
        name: c.name,
        path: c.path,
        roleId: roleId(account, bytes),
        trustPolicy: c.trust,
        description: c.description,
        maxSessionDuration: c.maxSessionDuration,
        permissionsBoundaryArn: c.permissionsBoundaryArn,
        tags: c.tags,
        createdAt: rt.nowSeconds(),
      })
      if (!created) throw new IrsaError('ERR_STATE_CONFLICT', `conflict: role ${c.name} already exists`)
    },
    async updateRole(name, description, maxSessionDuration) {
      await store.updateRole(account, name, { description: description ?? '', maxSessionDuration })
    },
    async updateTrust(name, document) {
      await store.updateRole(account, name, { trustPolicy: document })
    },
    async setBoundary(name, arn) {
      if (arn !== undefined) await requirePolicy(arn)
      await store.updateRole(account, name, { permissionsBoundaryArn: arn ?? null })
    },
    async tagRole(name, tags) {
      const r = await store.getRole(account, name)
      if (r === undefined) return
      const merged: Tag[] = r.tags.filter((x) => !tags.some((y) => y.Key.toLowerCase() === x.Key.toLowerCase()))
      await store.updateRole(account, name, { tags: [...merged, ...tags] })
    },
    async untagRole(name, keys) {
      const r = await store.getRole(account, name)
      if (r === undefined) return
      await store.updateRole(account, name, { tags: r.tags.filter((x) => !keys.includes(x.Key)) })
    },
    async putInlinePolicy(role, name, document) {
      await store.putRolePolicy(await roleArn(role), name, document)
    },
    async deleteInlinePolicy(role, name) {
      await store.deleteRolePolicy(await roleArn(role), name)
    },
    async attachPolicy(role, arn) {
      await requirePolicy(arn)
      await store.attachRolePolicy(await roleArn(role), arn)
    },
    async detachPolicy(role, arn) {
      await store.detachRolePolicy(await roleArn(role), arn)
    },

    async clusterName() {
      return (await ownCluster(rt)).name
    },
    async listPodIdentityAssociations(cluster): Promise<PodIdentityAssociationState[]> {
      return store.listPodIdentityAssociations(cluster)
    },
    async createPodIdentityAssociation(cluster, a) {
      return (await asIrsaError(() => createAssociation(rt, cluster, a, operatorCaller(rt)))).associationId
    },
    async updatePodIdentityAssociation(cluster, associationId, roleArn) {
      await asIrsaError(() => updateAssociation(rt, cluster, associationId, roleArn, operatorCaller(rt)))
    },

    async listBindings(): Promise<BindingState[]> {
      return store.listBindings()
    },
    async putBindings(bindings) {
      await store.transaction(async () => {
        for (const b of bindings) await store.putBinding(b)
      })
    },
    async deleteBindings(refs) {
      await store.transaction(async () => {
        for (const r of refs) await store.deleteBinding(r.namespace, r.serviceAccount)
      })
    },
  }
}
