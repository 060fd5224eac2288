/**
 * Findings judged as an attacker would: widely exposed tokens or network paths that turn into AWS
 * credentials. R02: a trust accepting the cluster API server's audience (every pod's default
 * service-account token). R27: a hostNetwork pod reaches node IMDS whatever its own role.
 */
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import type { Finding } from '../../src/audit/finding.js'
import { ISSUER_HOST, K8S, PROVIDER, deployment, role, roleArn, auditWrittenEstate } from './pod-identity-estate.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const audit = (o: Parameters<typeof auditWrittenEstate>[1] = {}): Promise<Finding[]> => auditWrittenEstate(dirs, o)

const byResource = (fs: Finding[], rule: string): Map<string, Finding> =>
  new Map(fs.filter((f) => f.ruleId === rule).map((f) => [f.resources[0]?.arn ?? `${f.resources[0]?.namespace ?? ''}/${f.resources[0]?.name ?? ''}`, f]))

const API_SERVER = 'https://kubernetes.default.svc'
const audTrust = (aud: string | string[]): unknown => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: PROVIDER },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${ISSUER_HOST}:sub`]: 'system:serviceaccount:shop:web', [`${ISSUER_HOST}:aud`]: aud } },
    },
  ],
})
const AUD_ROLES = [role('api-aud', audTrust(API_SERVER)), role('issuer-aud', audTrust(['sts.amazonaws.com', `https://${ISSUER_HOST}`])), role('vault-aud', audTrust('vault'))]

describe('R02: a trust that accepts an audience other than sts.amazonaws.com', () => {
  it('is a medium security finding naming the audience, and says when it is the API server\'s', async () => {
    const r02 = byResource(await audit({ roles: AUD_ROLES }), 'IRSA-TRUST-002')
    expect(r02.get(roleArn('api-aud'))).toMatchObject({
      severity: 'medium',
      evidence: { audiences: expect.arrayContaining([API_SERVER]) as unknown, apiServerAudiences: [API_SERVER], providerClientIds: null, providerAccepts: null },
    })
    expect(r02.get(roleArn('api-aud'))?.message).toContain(`${API_SERVER} is the cluster API server's audience`)
    // The issuer URL is the API server's default audience (EKS): accepted besides STS's, still a finding.
    expect(r02.get(roleArn('issuer-aud'))).toMatchObject({ severity: 'medium', evidence: { apiServerAudiences: [`https://${ISSUER_HOST}`] } })
    expect(r02.get(roleArn('vault-aud'))).toMatchObject({ severity: 'medium', evidence: { audiences: ['vault'], apiServerAudiences: [] } })
    // sts.amazonaws.com only: nothing to say.
    expect(r02.has(roleArn('web'))).toBe(false)
  })

  it('is high when the provider accepts the API server audience: default pod tokens exchange at STS today', async () => {
    const r02 = byResource(await audit({ roles: AUD_ROLES, clientIds: ['sts.amazonaws.com', API_SERVER] }), 'IRSA-TRUST-002')
    expect(r02.get(roleArn('api-aud'))).toMatchObject({ severity: 'high', evidence: { providerAccepts: [API_SERVER] } })
    // The provider does not list the issuer URL or vault: STS would refuse those tokens for now.
    expect(r02.get(roleArn('issuer-aud'))?.severity).toBe('medium')
    expect(r02.get(roleArn('vault-aud'))?.severity).toBe('medium')
  })
})

const awsAuth = (roleArns: string[]): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'aws-auth', namespace: 'kube-system' },
  data: { mapRoles: roleArns.map((a) => `- rolearn: ${a}\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n`).join('') },
})
const managed = (...names: string[]): Record<string, unknown> => ({ AttachedManagedPolicies: names.map((n) => ({ PolicyName: n, PolicyArn: `arn:aws:iam::aws:policy/${n}` })) })
const nodeTrust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }
const NODE_MIN = role('node-min', nodeTrust, managed('AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonEKS_CNI_Policy'))
const NODE_FAT = role('node-fat', nodeTrust, managed('AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonEKS_CNI_Policy', 'AmazonS3FullAccess'))
// `cart` has a Pod Identity association; `default` has no role (the pod runs on the node role).
const hostNet = [deployment('shop', 'hostnet-podid', 'cart', { hostNetwork: true }), deployment('shop', 'hostnet-node', 'default', { hostNetwork: true })]
const k8s = (...extra: unknown[]): unknown => ({ ...K8S, items: [...K8S.items, ...hostNet, ...extra] })

describe('R27: a hostNetwork pod reaches node IMDS and holds the node role', () => {
  it('high when the node role holds more than the EKS worker minimum, whatever IRSA or Pod Identity role the pod has', async () => {
    const r27 = byResource(await audit({ roles: [NODE_FAT], k8s: k8s(awsAuth([roleArn('node-fat')])) }), 'IRSA-NODE-001')
    for (const name of ['shop/hostnet-podid', 'shop/hostnet-node']) {
      expect(r27.get(name), name).toMatchObject({ severity: 'high', evidence: { nodeRoles: [{ arn: roleArn('node-fat'), known: true, beyondMinimum: ['arn:aws:iam::aws:policy/AmazonS3FullAccess'] }] } })
    }
    expect(r27.get('shop/hostnet-podid')?.evidence.identity).toBe('PODID')
    expect(r27.get('shop/hostnet-podid')?.message).toContain('AmazonS3FullAccess')
  })

  it('medium when the node role is the EKS worker minimum, or unknown', async () => {
    const min = byResource(await audit({ roles: [NODE_MIN], k8s: k8s(awsAuth([roleArn('node-min')])) }), 'IRSA-NODE-001')
    expect(min.get('shop/hostnet-node')).toMatchObject({ severity: 'medium', evidence: { nodeRoles: [{ arn: roleArn('node-min'), known: true, beyondMinimum: [] }] } })
    const unknown = byResource(await audit({ k8s: k8s() }), 'IRSA-NODE-001')
    expect(unknown.get('shop/hostnet-podid')).toMatchObject({ severity: 'medium', evidence: { nodeRoles: [] } })
  })

  it('none when every node class of the cluster turns the metadata endpoint off', async () => {
    const off = { apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'default' }, spec: { metadataOptions: { httpEndpoint: 'disabled', httpTokens: 'optional', httpPutResponseHopLimit: 2 } } }
    const fs = await audit({ roles: [NODE_FAT], k8s: k8s(awsAuth([roleArn('node-fat')]), off) })
    expect(fs.filter((f) => f.ruleId === 'IRSA-NODE-001')).toEqual([])
  })
})

const netpol = (ns: string, name: string, spec: Record<string, unknown>): unknown => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: {}, ...spec } })
const DENY_IMDS = { policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] }] }
const HOP_2 = { apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'default' }, spec: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } } }

describe('R27: NetworkPolicy egress to 169.254.169.254 decides which pods a lax node class exposes', () => {
  const nodeClassFinding = async (...policies: unknown[]): Promise<Finding | undefined> =>
    (await audit({ k8s: { ...K8S, items: [...K8S.items, HOP_2, ...policies] } })).find((f) => f.ruleId === 'IRSA-NODE-001' && f.resources[0]?.kind === 'EC2NodeClass')

  it('a namespace denying egress to IMDS is protected; one allowing all egress, or without a policy, is exposed', async () => {
    const f = await nodeClassFinding(
      netpol('shop', 'deny-imds', DENY_IMDS),
      // Allows all egress (no `to`): isolates the pods but lets them reach IMDS.
      netpol('batch', 'allow-all', { egress: [{}] }),
      // Ingress only: does not isolate win's pods for egress.
      netpol('win', 'ingress-only', { policyTypes: ['Ingress'], ingress: [{}] }),
    )
    expect(f?.severity).toBe('high')
    const exposed = f?.evidence.exposedWorkloads as string[]
    const shielded = f?.evidence.protectedByNetworkPolicy as string[]
    expect(shielded).toEqual(expect.arrayContaining(['shop/cart', 'shop/web']))
    expect(exposed).toEqual(expect.arrayContaining(['batch/a', 'win/winsvc']))
    expect(exposed.some((w) => w.startsWith('shop/'))).toBe(false)
    expect(f?.message).toContain('batch/a')
  })

  it('an ipBlock containing 169.254.169.254 (without an except for it) allows IMDS; one for other addresses denies it', async () => {
    const f = await nodeClassFinding(
      netpol('shop', 'link-local', { policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '169.254.0.0/16' } }] }] }),
      netpol('batch', 'vpc-only', { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] }),
    )
    expect(f?.evidence.exposedWorkloads).toEqual(expect.arrayContaining(['shop/cart']))
    expect(f?.evidence.protectedByNetworkPolicy).toEqual(['batch/a'])
  })

  it('medium when every workload known is denied egress to IMDS (the node class stays a latent problem)', async () => {
    const f = await nodeClassFinding(netpol('shop', 'deny-imds', DENY_IMDS), netpol('batch', 'deny-imds', DENY_IMDS), netpol('win', 'deny-imds', DENY_IMDS))
    expect(f).toMatchObject({ severity: 'medium', evidence: { exposedWorkloads: [] } })
    expect(f?.message).toContain('every workload\'s NetworkPolicy denies egress to 169.254.169.254')
  })
})
