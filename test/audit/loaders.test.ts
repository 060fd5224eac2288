import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadFiles } from '../../src/audit/load/files.js'
import { loadAuthorizationDetails, loadEksCluster, loadOidcProviders } from '../../src/audit/load/iam.js'
import { loadKubernetesDocuments, parseDocuments } from '../../src/audit/load/kubernetes.js'
import type { AuditWarning } from '../../src/audit/model.js'
import { emptyIam, emptyK8s } from '../../src/audit/model.js'
import { ESTATE, FIXTURES } from './helpers.js'

describe('loaders', () => {
  it('reads kubectl Lists, YAML multi-docs and directories', async () => {
    const inv = await loadFiles({ kubernetes: [join(ESTATE, 'k8s')], iam: [], eksClusters: [], oidcProviders: [] })
    expect(inv.k8s.namespaces).toHaveLength(9)
    expect(inv.k8s.serviceAccounts).toHaveLength(16)
    expect(inv.k8s.workloads.filter((w) => w.kind === 'Deployment')).toHaveLength(12)
    expect(inv.k8s.roles.map((r) => r.name)).toContain('sandbox-editor')
    expect(inv.warnings).toEqual([])
  })

  it('warns about malformed files, unknown kinds and half-filled objects, naming file and object, and loads the rest', async () => {
    const inv = await loadFiles({ kubernetes: [join(FIXTURES, 'bad')], iam: [], eksClusters: [], oidcProviders: [] })
    expect(inv.k8s.serviceAccounts.map((s) => s.name)).toEqual(['ok'])
    const text = inv.warnings.map((w) => `${w.file.slice(w.file.lastIndexOf('/') + 1)} | ${w.object ?? ''} | ${w.message}`)
    expect(text.some((t) => t.startsWith('mixed.yaml | document 2 | not valid JSON/YAML'))).toBe(true)
    expect(text.some((t) => t.startsWith('mixed.yaml | ServiceAccount a/? at /2 | skipped: metadata.name is missing'))).toBe(true)
    expect(text).toContain('mixed.yaml |  | unknown kind Widget (1 object ignored)')
    expect(text.some((t) => t.startsWith('truncated.json'))).toBe(true)
  })

  it('reads trust and inline documents as objects or URL-encoded strings', () => {
    const iam = emptyIam()
    const warnings: AuditWarning[] = []
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }
    loadAuthorizationDetails(
      {
        RoleDetailList: [
          { RoleName: 'a', Arn: 'arn:aws:iam::111122223333:role/a', AssumeRolePolicyDocument: trust, RolePolicyList: [], AttachedManagedPolicies: [], RoleLastUsed: {} },
          { RoleName: 'b', Arn: 'arn:aws:iam::111122223333:role/p/b', AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)), RolePolicyList: [{ PolicyName: 'x', PolicyDocument: encodeURIComponent('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}') }] },
          { RoleName: 'c' },
          { RoleName: 'd', Arn: 'arn:aws:iam::111122223333:role/d', AssumeRolePolicyDocument: '%7Bnot json' },
        ],
        Policies: [{ PolicyName: 'nodoc', Arn: 'arn:aws:iam::111122223333:policy/nodoc', PolicyVersionList: [] }],
      },
      'auth.json',
      iam,
      warnings,
    )
    expect(iam.roles.map((r) => r.name)).toEqual(['a', 'b', 'd'])
    expect(iam.roles[1]?.trustDocument).toEqual(trust)
    expect(iam.roles[1]?.inlinePolicies[0]?.document).toMatchObject({ Statement: { Action: 's3:*' } })
    expect(iam.roles[0]?.lastUsedDate).toBeUndefined()
    expect(warnings.map((w) => `${w.object ?? ''}: ${w.message}`)).toEqual([
      'Policies/0 (nodoc): policy has no default version document; its permissions are unknown',
      'RoleDetailList/2 (c): role has no valid Arn; skipped',
      'RoleDetailList/3 (d) AssumeRolePolicyDocument: policy document is not valid JSON',
    ])
    expect(() => loadAuthorizationDetails({ hello: 1 }, 'x.json', iam, warnings)).toThrow(TypeError)
  })

  it('reads OIDC provider lists and describe-cluster output', () => {
    const iam = emptyIam()
    const warnings: AuditWarning[] = []
    loadOidcProviders({ OpenIDConnectProviderList: [{ Arn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC' }, { Arn: 'bogus' }] }, 'p.json', iam, warnings)
    loadOidcProviders([{ Arn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC', Url: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC', ClientIDList: ['sts.amazonaws.com', 'other'] }], 'g.json', iam, warnings)
    expect(iam.providers).toHaveLength(1)
    expect(iam.providers?.[0]?.clientIds).toEqual(['sts.amazonaws.com', 'other'])
    expect(warnings).toHaveLength(1)
    loadEksCluster({ cluster: { name: 'c1', arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/c1', identity: { oidc: { issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC' } } } }, 'c.json', iam, warnings)
    loadEksCluster({ cluster: { name: 'c2' } }, 'c2.json', iam, warnings)
    expect(iam.clusters.map((c) => [c.name, c.issuerHost, c.accountId])).toEqual([['c1', 'oidc.eks.eu-west-1.amazonaws.com/id/ABC', '111122223333']])
    expect(warnings.at(-1)?.file).toBe('c2.json')
  })

  it('flattens typed Lists and reads controller templates, CronJobs and aws-auth', () => {
    const k8s = emptyK8s()
    const warnings: AuditWarning[] = []
    const docs = parseDocuments(
      JSON.stringify({
        kind: 'CronJobList',
        items: [{ metadata: { name: 'nightly', namespace: 'batch' }, spec: { jobTemplate: { spec: { template: { spec: { serviceAccountName: 'cron', containers: [] } } } } } }],
      }),
      'f.json',
      warnings,
    )
    loadKubernetesDocuments(docs, 'f.json', 'c', k8s, warnings)
    loadKubernetesDocuments(
      [{ kind: 'ConfigMap', metadata: { name: 'aws-auth', namespace: 'kube-system' }, data: { mapRoles: '- rolearn: arn:aws:iam::111122223333:role/node\n  groups: [system:bootstrappers, system:nodes]\n' } }],
      'cm.yaml',
      'c',
      k8s,
      warnings,
    )
    expect(k8s.workloads[0]?.pod.serviceAccountName).toBe('cron')
    expect(k8s.awsAuthNodeRoles).toEqual([{ cluster: 'c', roleArn: 'arn:aws:iam::111122223333:role/node' }])
    expect(warnings).toEqual([])
  })
})
