/** A small EKS Pod Identity estate, written as the AWS CLI and kubectl would print it, for the Pod Identity and migrate tests. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { runAudit } from '../../src/audit/audit.js'
import type { Finding } from '../../src/audit/finding.js'
import { buildGraph } from '../../src/audit/graph.js'
import { loadFiles } from '../../src/audit/load/files.js'
import { NOW } from './helpers.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const ACCT = '111122223333'
export const OTHER = '444455556666'
export const CLUSTER_ARN = `arn:aws:eks:us-east-1:${ACCT}:cluster/prod`
export const ISSUER_HOST = 'oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF'
export const PROVIDER = `arn:aws:iam::${ACCT}:oidc-provider/${ISSUER_HOST}`
export const roleArn = (name: string, account = ACCT): string => `arn:aws:iam::${account}:role/${name}`

const podTrust = (actions: string[], scoped = true): unknown => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: actions,
      ...(scoped ? { Condition: { StringEquals: { 'aws:SourceAccount': ACCT, 'aws:SourceArn': CLUSTER_ARN } } } : {}),
    },
  ],
})

export const oidcTrust = (sub: string | string[], op = 'StringEquals', host = ISSUER_HOST, provider = PROVIDER): unknown => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: provider },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: op === 'StringEquals' ? { StringEquals: { [`${host}:sub`]: sub, [`${host}:aud`]: 'sts.amazonaws.com' } } : { [op]: { [`${host}:sub`]: sub }, StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com' } },
    },
  ],
})

export function role(name: string, trust: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Path: '/',
    RoleName: name,
    RoleId: `AROA${name.toUpperCase().replace(/[^A-Z]/g, '').padEnd(17, 'X').slice(0, 17)}`,
    Arn: roleArn(name),
    CreateDate: '2025-01-01T00:00:00Z',
    AssumeRolePolicyDocument: trust,
    RolePolicyList: [],
    AttachedManagedPolicies: [],
    Tags: [],
    RoleLastUsed: { LastUsedDate: '2025-05-30T00:00:00Z' },
    InstanceProfileList: [],
    ...extra,
  }
}

const s3Read = { PolicyName: 'read', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shop-assets/*' }] } }

export const ROLES = [
  role('podid-app', podTrust(['sts:AssumeRole', 'sts:TagSession']), { RolePolicyList: [s3Read] }),
  role('podid-no-tag', podTrust(['sts:AssumeRole']), { RolePolicyList: [s3Read] }),
  role('irsa-trust-only', oidcTrust(`system:serviceaccount:shop:drift2`), { RolePolicyList: [s3Read] }),
  role('podid-admin', podTrust(['sts:AssumeRole', 'sts:TagSession']), { AttachedManagedPolicies: [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }] }),
  role('assoc-creator', podTrust(['sts:AssumeRole', 'sts:TagSession']), {
    RolePolicyList: [
      {
        PolicyName: 'bind',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'eks:CreatePodIdentityAssociation', Resource: CLUSTER_ARN },
            { Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ACCT}:role/podid-*`, Condition: { StringEquals: { 'iam:PassedToService': 'pods.eks.amazonaws.com' } } },
          ],
        },
      },
    ],
  }),
  // IRSA roles for `irsa audit migrate`.
  role('web', oidcTrust(`system:serviceaccount:shop:web`), { RolePolicyList: [s3Read] }),
  role('wild', oidcTrust('system:serviceaccount:batch:*', 'StringLike'), { RolePolicyList: [s3Read] }),
  role('subkeys', oidcTrust('system:serviceaccount:shop:tagger'), {
    RolePolicyList: [
      { PolicyName: 'own-prefix', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::shop-assets/\${${ISSUER_HOST}:sub}/*` }] } },
    ],
  }),
]

export const AUTH = { RoleDetailList: ROLES, Policies: [], UserDetailList: [], GroupDetailList: [] }

export const sa = (ns: string, name: string, annotations: Record<string, string> = {}): unknown => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, annotations, labels: { 'app.kubernetes.io/name': name } } })

export const deployment = (ns: string, name: string, saName: string, pod: Record<string, unknown> = {}): unknown => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: { template: { metadata: { labels: { 'app.kubernetes.io/name': name } }, spec: { serviceAccountName: saName, containers: [{ name: 'app', image: 'busybox' }], ...pod } } },
})

export const K8S = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    sa('shop', 'default'),
    sa('shop', 'cart'),
    sa('shop', 'idle'),
    sa('shop', 'drift'),
    sa('shop', 'drift2'),
    sa('shop', 'ghost'),
    sa('shop', 'web', { 'eks.amazonaws.com/role-arn': roleArn('web') }),
    sa('shop', 'tagger', { 'eks.amazonaws.com/role-arn': roleArn('subkeys') }),
    sa('shop', 'xacct', { 'eks.amazonaws.com/role-arn': roleArn('remote', OTHER) }),
    sa('shop', 'moved', { 'eks.amazonaws.com/role-arn': roleArn('web') }),
    sa('batch', 'a', { 'eks.amazonaws.com/role-arn': roleArn('wild') }),
    sa('batch', 'b'),
    sa('win', 'winsvc', { 'eks.amazonaws.com/role-arn': roleArn('web') }),
    sa('kube-system', 'aws-node'),
    deployment('shop', 'cart', 'cart'),
    deployment('shop', 'cart-worker', 'cart'),
    deployment('shop', 'web', 'web'),
    deployment('shop', 'tagger', 'tagger'),
    deployment('shop', 'drift', 'drift'),
    deployment('shop', 'drift2', 'drift2'),
    deployment('shop', 'ghost', 'ghost'),
    deployment('batch', 'a', 'a'),
    deployment('win', 'winsvc', 'winsvc', { nodeSelector: { 'kubernetes.io/os': 'windows' } }),
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'aws-node', namespace: 'kube-system' }, spec: { template: { metadata: {}, spec: { serviceAccountName: 'aws-node', automountServiceAccountToken: false, containers: [{ name: 'cni', image: 'cni' }] } } } },
  ],
}

export const assoc = (ns: string, name: string, role: string, id: string): { summary: unknown; full: unknown } => {
  const associationArn = `arn:aws:eks:us-east-1:${ACCT}:podidentityassociation/prod/${id}`
  return {
    summary: { clusterName: 'prod', namespace: ns, serviceAccount: name, associationArn, associationId: id },
    full: { association: { clusterName: 'prod', namespace: ns, serviceAccount: name, roleArn: role, associationArn, associationId: id, tags: {}, createdAt: '2025-01-01T00:00:00+00:00', modifiedAt: '2025-01-01T00:00:00+00:00' } },
  }
}

export const ASSOCIATIONS = [
  assoc('shop', 'cart', roleArn('podid-app'), 'a-cart0000000000000'),
  assoc('shop', 'idle', roleArn('podid-app'), 'a-idle0000000000000'),
  assoc('shop', 'default', roleArn('podid-admin'), 'a-default0000000000'),
  assoc('shop', 'drift', roleArn('podid-no-tag'), 'a-drift00000000000'),
  assoc('shop', 'drift2', roleArn('irsa-trust-only'), 'a-drift20000000000'),
  assoc('shop', 'ghost', roleArn('ghost'), 'a-ghost00000000000'),
  assoc('shop', 'moved', roleArn('web'), 'a-moved00000000000'),
  assoc('kube-system', 'aws-node', roleArn('podid-app'), 'a-awsnode000000000'),
]

export const EKS_CLUSTER = { cluster: { name: 'prod', arn: CLUSTER_ARN, identity: { oidc: { issuer: `https://${ISSUER_HOST}` } } } }

/**
 * Write the estate; `associations: false` leaves the association file out, `roles` adds IAM roles,
 * `clientIds` gives the OIDC provider's ClientIDList, `moreAssociations` adds associations.
 */
export function writeEstate(o: { associations?: boolean; moreAssociations?: ReturnType<typeof assoc>[]; k8s?: unknown; roles?: unknown[]; clientIds?: string[] } = {}): { dir: string; flags: { kubernetes: string[]; iam: string[]; eksCluster: string[]; oidcProviders: string[]; podIdentityAssociations?: string[] } } {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-podid-audit-'))
  writeFileSync(join(dir, 'auth.json'), JSON.stringify({ ...AUTH, RoleDetailList: [...ROLES, ...(o.roles ?? [])] }))
  writeFileSync(join(dir, 'k8s.json'), JSON.stringify(o.k8s ?? K8S))
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(EKS_CLUSTER))
  writeFileSync(join(dir, 'oidc.json'), JSON.stringify({ OpenIDConnectProviderList: [{ Arn: PROVIDER, ...(o.clientIds === undefined ? {} : { ClientIDList: o.clientIds }) }] }))
  // `aws eks list-pod-identity-associations` then one `describe-pod-identity-association` per id, in one file.
  const all = [...ASSOCIATIONS, ...(o.moreAssociations ?? [])]
  const text = [JSON.stringify({ associations: all.map((a) => a.summary) }, null, 4), ...all.map((a) => JSON.stringify(a.full, null, 4))].join('\n')
  writeFileSync(join(dir, 'associations.json'), text)
  return {
    dir,
    flags: {
      kubernetes: [join(dir, 'k8s.json')],
      iam: [join(dir, 'auth.json')],
      eksCluster: [join(dir, 'cluster.json')],
      oidcProviders: [join(dir, 'oidc.json')],
      ...(o.associations === false ? {} : { podIdentityAssociations: [join(dir, 'associations.json')] }),
    },
  }
}

/** Write the estate (its directory is added to `dirs`, for the caller to remove), load it and audit it. */
export async function auditWrittenEstate(dirs: string[], o: Parameters<typeof writeEstate>[0] = {}): Promise<Finding[]> {
  const { dir, flags } = writeEstate(o)
  dirs.push(dir)
  const inv = await loadFiles({ kubernetes: flags.kubernetes, iam: flags.iam, eksClusters: flags.eksCluster, oidcProviders: flags.oidcProviders, podIdentityAssociations: flags.podIdentityAssociations ?? [] })
  return runAudit(buildGraph(inv), { now: NOW }).findings
}
