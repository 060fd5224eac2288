/**
 * The {@link ApplyTarget} for a running server: IAM objects through its IAM Query API (with the AWS
 * SDK's IAM client, as any IAM tool would), bindings through `/irsa/v1/bindings` signed with SigV4
 * for service `irsa`. The server validates everything again, exactly as for any other caller.
 */
import {
  AddClientIDToOpenIDConnectProviderCommand,
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyVersionCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam'
import {
  CreatePodIdentityAssociationCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  ListClustersCommand,
  ListPodIdentityAssociationsCommand,
  UpdatePodIdentityAssociationCommand,
} from '@aws-sdk/client-eks'
import { IrsaError } from '../errors.js'
import { signedHeaders } from '../aws/sigv4/sign.js'
import { BINDINGS_PATH, BINDINGS_SERVICE } from '../core/bindings-api.js'
import type { ApplyTarget, BindingState, PodIdentityAssociationState, PolicyState, ProviderState, RoleState } from './apply.js'

export interface RemoteOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:7788`. */
  readonly endpoint: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly region?: string
  /** Injected for tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch
  readonly now?: () => Date
}

const MAX_POLICY_VERSIONS = 5

function isNoSuchEntity(e: unknown): boolean {
  const name = (e as { name?: string; Code?: string }).name ?? ''
  return name === 'NoSuchEntityException' || name === 'NoSuchEntity' || (e as { Code?: string }).Code === 'NoSuchEntity'
}

/** IAM returns policy documents URL-encoded; the JS SDK hands them over as they came. */
function decodeDocument(text: string | undefined): string {
  if (text === undefined) return ''
  if (text.trimStart().startsWith('{')) return text
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** What the server says about itself at /healthz: its account and issuer. */
async function serverInfo(endpoint: string, f: typeof fetch): Promise<{ account: string; issuer: string }> {
  let res: Response
  try {
    res = await f(new URL('/healthz', endpoint))
  } catch (e) {
    throw new IrsaError('ERR_REMOTE', `cannot reach irsa at ${endpoint}: ${(e as Error).message}`, { cause: e })
  }
  const body = (await res.json().catch(() => undefined)) as { account?: unknown; issuer?: unknown } | undefined
  if (!res.ok || typeof body?.account !== 'string' || typeof body.issuer !== 'string') {
    throw new IrsaError('ERR_REMOTE', `${endpoint} does not look like an irsa server (GET /healthz answered ${res.status})`)
  }
  return { account: body.account, issuer: body.issuer }
}

export async function remoteTarget(o: RemoteOptions): Promise<ApplyTarget & { close(): void }> {
  const f = o.fetch ?? fetch
  const region = o.region ?? 'us-east-1'
  const now = o.now ?? ((): Date => new Date())
  const { account, issuer } = await serverInfo(o.endpoint, f)
  const iam = new IAMClient({
    endpoint: o.endpoint,
    region,
    credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
    maxAttempts: 2,
  })
  // Every IAM failure becomes one line naming the operation; NoSuchEntity stays recognisable.
  const send = (async (command: Parameters<IAMClient['send']>[0]) => {
    try {
      return await iam.send(command)
    } catch (e) {
      if (isNoSuchEntity(e)) throw e
      const err = e as { name?: string; message?: string }
      const op = command.constructor.name.replace(/Command$/, '')
      throw new IrsaError('ERR_REMOTE', `IAM ${op} failed: ${err.name ?? 'Error'}: ${(err.message ?? '').split('\n')[0] ?? ''}`, { cause: e })
    }
  }) as IAMClient['send']

  // Pod identity associations through the EKS API, as `aws eks` would manage them.
  const eks = new EKSClient({ endpoint: o.endpoint, region, credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey }, maxAttempts: 2 })
  const eksSend = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (e) {
      const err = e as { name?: string; message?: string }
      throw new IrsaError('ERR_REMOTE', `EKS ${op} failed: ${err.name ?? 'Error'}: ${(err.message ?? '').split('\n')[0] ?? ''}`, { cause: e })
    }
  }

  const bindings = async (method: 'GET' | 'PUT', payload?: object): Promise<BindingState[]> => {
    const url = new URL(BINDINGS_PATH, o.endpoint)
    const body = payload === undefined ? '' : JSON.stringify(payload)
    const contentType = payload === undefined ? undefined : 'application/json'
    const headers = signedHeaders(
      { method, url, body, ...(contentType === undefined ? {} : { contentType }), accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey, region, service: BINDINGS_SERVICE },
      now(),
    )
    const res = await f(url, { method, headers, ...(payload === undefined ? {} : { body }) })
    const json = (await res.json().catch(() => undefined)) as { bindings?: BindingState[]; error?: { code?: string; message?: string } } | undefined
    if (!res.ok || json?.bindings === undefined) {
      const code = json?.error?.code ?? `HTTP ${res.status}`
      throw new IrsaError('ERR_REMOTE', `${method} ${BINDINGS_PATH} failed: ${code}: ${json?.error?.message ?? ''}`)
    }
    return json.bindings.map((b) => ({ namespace: b.namespace, serviceAccount: b.serviceAccount, roleArn: b.roleArn, audience: b.audience }))
  }

  async function allPages<T>(page: (marker: string | undefined) => Promise<{ items: T[]; marker: string | undefined }>): Promise<T[]> {
    const out: T[] = []
    let marker: string | undefined
    for (let i = 0; i < 1000; i++) {
      const r = await page(marker)
      out.push(...r.items)
      if (r.marker === undefined) break
      marker = r.marker
    }
    return out
  }

  return {
    account,
    partition: 'aws',
    issuer,
    close(): void {
      iam.destroy()
      eks.destroy()
    },

    async getProvider(arn): Promise<ProviderState | undefined> {
      try {
        const r = await send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))
        return { arn, clientIds: r.ClientIDList ?? [], thumbprints: r.ThumbprintList ?? [] }
      } catch (e) {
        if (isNoSuchEntity(e)) return undefined
        throw e
      }
    },
    async createProvider(url, clientIds, thumbprints) {
      await send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: [...clientIds], ThumbprintList: [...thumbprints] }))
    },
    async addClientId(arn, clientId) {
      await send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: clientId }))
    },
    async removeClientId(arn, clientId) {
      await send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: clientId }))
    },
    async setThumbprints(arn, thumbprints) {
      await send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [...thumbprints] }))
    },

    async findPolicy(name): Promise<PolicyState | undefined> {
      const all = await allPages(async (Marker) => {
        const r = await send(new ListPoliciesCommand({ Scope: 'Local', ...(Marker === undefined ? {} : { Marker }) }))
        return { items: r.Policies ?? [], marker: r.IsTruncated ? r.Marker : undefined }
      })
      const p = all.find((x) => (x.PolicyName ?? '').toLowerCase() === name.toLowerCase())
      if (p?.Arn === undefined) return undefined
      const v = await send(new GetPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: p.DefaultVersionId ?? 'v1' }))
      return { arn: p.Arn, path: p.Path ?? '/', document: decodeDocument(v.PolicyVersion?.Document) }
    },
    async createPolicy(name, path, document) {
      await send(new CreatePolicyCommand({ PolicyName: name, Path: path, PolicyDocument: document }))
    },
    async setPolicyDocument(arn, document) {
      const versions = (await send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? []
      if (versions.length >= MAX_POLICY_VERSIONS) {
        const oldest = versions
          .filter((v) => !v.IsDefaultVersion)
          .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0) || Number((a.VersionId ?? 'v0').slice(1)) - Number((b.VersionId ?? 'v0').slice(1)))[0]
        if (oldest?.VersionId !== undefined) await send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: oldest.VersionId }))
      }
      await send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: document, SetAsDefault: true }))
    },

    async getRole(name): Promise<RoleState | undefined> {
      let role
      try {
        role = (await send(new GetRoleCommand({ RoleName: name }))).Role
      } catch (e) {
        if (isNoSuchEntity(e)) return undefined
        throw e
      }
      if (role?.Arn === undefined) return undefined
      const names = await allPages(async (Marker) => {
        const r = await send(new ListRolePoliciesCommand({ RoleName: name, ...(Marker === undefined ? {} : { Marker }) }))
        return { items: r.PolicyNames ?? [], marker: r.IsTruncated ? r.Marker : undefined }
      })
      const inline = new Map<string, string>()
      for (const n of names) inline.set(n, decodeDocument((await send(new GetRolePolicyCommand({ RoleName: name, PolicyName: n }))).PolicyDocument))
      const attached = await allPages(async (Marker) => {
        const r = await send(new ListAttachedRolePoliciesCommand({ RoleName: name, ...(Marker === undefined ? {} : { Marker }) }))
        return { items: (r.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ''), marker: r.IsTruncated ? r.Marker : undefined }
      })
      return {
        arn: role.Arn,
        path: role.Path ?? '/',
        trust: decodeDocument(role.AssumeRolePolicyDocument),
        description: role.Description,
        maxSessionDuration: role.MaxSessionDuration ?? 3600,
        permissionsBoundaryArn: role.PermissionsBoundary?.PermissionsBoundaryArn,
        tags: (role.Tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' })),
        inlinePolicies: inline,
        managedPolicyArns: attached.filter((a) => a !== ''),
      }
    },
    async createRole(c) {
      await send(
        new CreateRoleCommand({
          RoleName: c.name,
          Path: c.path,
          AssumeRolePolicyDocument: c.trust,
          MaxSessionDuration: c.maxSessionDuration,
          ...(c.description === undefined ? {} : { Description: c.description }),
          ...(c.permissionsBoundaryArn === undefined ? {} : { PermissionsBoundary: c.permissionsBoundaryArn }),
          ...(c.tags.length === 0 ? {} : { Tags: c.tags.map((t) => ({ Key: t.Key, Value: t.Value })) }),
        }),
      )
    },
    async updateRole(name, description, maxSessionDuration) {
      await send(new UpdateRoleCommand({ RoleName: name, Description: description ?? '', MaxSessionDuration: maxSessionDuration }))
    },
    async updateTrust(name, document) {
      await send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: document }))
    },
    async setBoundary(name, arn) {
      if (arn === undefined) await send(new DeleteRolePermissionsBoundaryCommand({ RoleName: name }))
      else await send(new PutRolePermissionsBoundaryCommand({ RoleName: name, PermissionsBoundary: arn }))
    },
    async tagRole(name, tags) {
      await send(new TagRoleCommand({ RoleName: name, Tags: tags.map((t) => ({ Key: t.Key, Value: t.Value })) }))
    },
    async untagRole(name, keys) {
      await send(new UntagRoleCommand({ RoleName: name, TagKeys: [...keys] }))
    },
    async putInlinePolicy(role, name, document) {
      await send(new PutRolePolicyCommand({ RoleName: role, PolicyName: name, PolicyDocument: document }))
    },
    async deleteInlinePolicy(role, name) {
      await send(new DeleteRolePolicyCommand({ RoleName: role, PolicyName: name }))
    },
    async attachPolicy(role, arn) {
      await send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: arn }))
    },
    async detachPolicy(role, arn) {
      await send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: arn }))
    },

    async clusterName() {
      const r = await eksSend('ListClusters', () => eks.send(new ListClustersCommand({})))
      const name = r.clusters?.[0]
      if (name === undefined) throw new IrsaError('ERR_REMOTE', 'the server reports no EKS cluster')
      return name
    },
    async listPodIdentityAssociations(cluster) {
      const out: PodIdentityAssociationState[] = []
      let nextToken: string | undefined
      do {
        const r = await eksSend('ListPodIdentityAssociations', () => eks.send(new ListPodIdentityAssociationsCommand({ clusterName: cluster, ...(nextToken === undefined ? {} : { nextToken }) })))
        for (const a of r.associations ?? []) {
          const d = await eksSend('DescribePodIdentityAssociation', () => eks.send(new DescribePodIdentityAssociationCommand({ clusterName: cluster, associationId: a.associationId ?? '' })))
          out.push({ associationId: a.associationId ?? '', namespace: a.namespace ?? '', serviceAccount: a.serviceAccount ?? '', roleArn: d.association?.roleArn ?? '' })
        }
        nextToken = r.nextToken
      } while (nextToken !== undefined)
      return out
    },
    async createPodIdentityAssociation(cluster, a) {
      const tags = Object.keys(a.tags).length === 0 ? {} : { tags: { ...a.tags } }
      const r = await eksSend('CreatePodIdentityAssociation', () =>
        eks.send(new CreatePodIdentityAssociationCommand({ clusterName: cluster, namespace: a.namespace, serviceAccount: a.serviceAccount, roleArn: a.roleArn, ...tags })),
      )
      return r.association?.associationId ?? ''
    },
    async updatePodIdentityAssociation(cluster, associationId, roleArn) {
      await eksSend('UpdatePodIdentityAssociation', () => eks.send(new UpdatePodIdentityAssociationCommand({ clusterName: cluster, associationId, roleArn })))
    },

    async listBindings() {
      return bindings('GET')
    },
    async putBindings(list) {
      await bindings('PUT', { bindings: list.map((b) => ({ namespace: b.namespace, serviceAccount: b.serviceAccount, roleArn: b.roleArn, ...(b.audience === undefined ? {} : { audience: b.audience }) })) })
    },
    async deleteBindings(refs) {
      await bindings('PUT', { remove: refs.map((r) => ({ namespace: r.namespace, serviceAccount: r.serviceAccount })) })
    },
  }
}
