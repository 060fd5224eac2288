/**
 * Effective permissions of a role, classified into privilege tiers (P0 admin; P1 escalation, role
 * chaining or the control plane; P2 sensitive data, credentials or exposure; P3 other write; P4
 * read-only or none): a curated list of sensitive actions is evaluated with the engine against the role's identity policies (inline plus the
 * default versions of attached managed policies) and its permissions boundary, on probe resources that
 * only an unconstrained grant covers.
 */
import { compilePolicy } from '../policy/compile.js'
import type { CompiledPolicy } from '../policy/compile.js'
import type { StatementRef } from '../policy/decision.js'
import { evaluate } from '../policy/evaluate.js'
import type { PolicySet } from '../policy/evaluate.js'
import type { IdentityStatement } from './lib/policy-doc.js'
import { mayWrite, readIdentityStatements, servicePrefix } from './lib/policy-doc.js'
import type { AuditWarning, IamRoleObj, ManagedPolicyObj } from './model.js'
import { POD_IDENTITY_SERVICE } from '../model/aws-names.js'

export type Tier = 'P0' | 'P1' | 'P2' | 'P3' | 'P4'
export const TIER_LABEL: Readonly<Record<Tier, string>> = {
  P0: 'admin-equivalent',
  P1: 'privilege escalation',
  P2: 'data access',
  P3: 'write',
  P4: 'read',
}

export interface Grant {
  readonly action: string
  readonly resource: string
  readonly statements: readonly StatementRef[]
}

/** One named way the role reaches a privilege (admin, escalation, the control plane), with the grants it needs. */
export interface PrivilegeMethod {
  readonly method: string
  readonly grants: readonly Grant[]
  /** Pod Identity methods: the existing Pod Identity roles iam:PassRole reaches (besides the probe). */
  readonly targets?: readonly string[]
}

export interface RolePermissions {
  readonly tier: Tier
  readonly admin: readonly PrivilegeMethod[]
  readonly escalation: readonly PrivilegeMethod[]
  readonly chaining: readonly Grant[]
  readonly data: readonly Grant[]
  readonly credentials: readonly Grant[]
  readonly exposure: readonly Grant[]
  readonly controlPlane: readonly PrivilegeMethod[]
  readonly statements: readonly IdentityStatement[]
  readonly write: boolean
  /** Attached policies whose documents were neither exported nor known built-ins. */
  readonly unknownPolicies: readonly string[]
}

export const PROBE_NAME = 'zz-irsa-audit-probe'

/**
 * Built-in fallbacks for AWS-managed policies: an export (`get-account-authorization-details`, filtered
 * or trimmed) may name an attached AWS-managed policy without carrying its document.
 */
const BUILTIN: Readonly<Record<string, unknown>> = {
  AdministratorAccess: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  IAMFullAccess: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:*', 'organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit', 'organizations:DescribePolicy', 'organizations:ListChildren', 'organizations:ListParents', 'organizations:ListPoliciesForTarget', 'organizations:ListRoots', 'organizations:ListPolicies', 'organizations:ListTargetsForPolicy'], Resource: '*' }] },
  PowerUserAccess: {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      { Effect: 'Allow', Action: ['account:GetAccountInformation', 'account:GetPrimaryEmail', 'account:ListRegions', 'iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:ListRoles', 'organizations:DescribeOrganization'], Resource: '*' },
    ],
  },
  AmazonS3FullAccess: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 's3-object-lambda:*'], Resource: '*' }] },
  AmazonS3ReadOnlyAccess: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'], Resource: '*' }] },
  SecretsManagerReadWrite: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['secretsmanager:*'], Resource: '*' }] },
}

export function managedPolicyName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1)
}

export function isAwsManaged(arn: string): boolean {
  return /^arn:aws[a-z-]*:iam::aws:policy\//.test(arn)
}

const SERVICE_RESOURCE: Readonly<Record<string, string>> = {
  ssm: 'parameter/',
  secretsmanager: 'secret:',
  rds: 'snapshot:',
  lambda: 'function:',
  kms: 'key/',
  eks: 'cluster/',
  ec2: 'instance/',
  ecr: 'repository/',
  glue: 'devEndpoint/',
  cloudformation: 'stack/',
  codebuild: 'project/',
  sagemaker: 'notebook-instance/',
  datapipeline: 'pipeline/',
  ecs: 'task-definition/',
  'cognito-identity': 'identitypool/',
  redshift: 'dbuser:',
  glacier: 'vaults/',
}

/** A resource ARN no constrained grant covers: a made-up name in the role's own account. */
export function probeResource(action: string, account: string, partition: string): string {
  const svc = servicePrefix(action)
  const op = action.slice(action.indexOf(':') + 1).toLowerCase()
  if (svc === 's3') return op.includes('bucket') ? `arn:${partition}:s3:::${PROBE_NAME}` : `arn:${partition}:s3:::${PROBE_NAME}/${PROBE_NAME}`
  if (svc === 'iam') {
    if (op.includes('openidconnectprovider')) return `arn:${partition}:iam::${account}:oidc-provider/${PROBE_NAME}`
    if (op.includes('policyversion')) return `arn:${partition}:iam::${account}:policy/${PROBE_NAME}`
    if (/user|accesskey|loginprofile|servicespecificcredential/.test(op)) return `arn:${partition}:iam::${account}:user/${PROBE_NAME}`
    if (op.includes('group')) return `arn:${partition}:iam::${account}:group/${PROBE_NAME}`
    return `arn:${partition}:iam::${account}:role/${PROBE_NAME}`
  }
  if (svc === 'sts') return `arn:${partition}:iam::${account}:role/${PROBE_NAME}`
  if (svc === 'sqs' || svc === 'sns') return `arn:${partition}:${svc}:us-east-1:${account}:${PROBE_NAME}`
  return `arn:${partition}:${svc}:us-east-1:${account}:${SERVICE_RESOURCE[svc] ?? ''}${PROBE_NAME}`
}

/** Escalation methods (Prowler `privilege_escalation.py`, Cloudsplaining): every action must be allowed unconstrained. */
export const ESCALATION_METHODS: readonly { readonly method: string; readonly actions: readonly string[] }[] = [
  { method: 'CreateNewPolicyVersion', actions: ['iam:CreatePolicyVersion'] },
  { method: 'SetExistingDefaultPolicyVersion', actions: ['iam:SetDefaultPolicyVersion'] },
  { method: 'CreateEC2WithExistingInstanceProfile', actions: ['iam:PassRole', 'ec2:RunInstances'] },
  { method: 'PassExistingRoleToNewLambdaThenInvoke', actions: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'] },
  { method: 'PassRoleToNewLambdaThenTriggerWithNewEventSource', actions: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:CreateEventSourceMapping'] },
  { method: 'EditExistingLambdaFunctionWithRole', actions: ['lambda:UpdateFunctionCode'] },
  { method: 'PassExistingRoleToCloudFormation', actions: ['iam:PassRole', 'cloudformation:CreateStack'] },
  { method: 'PassExistingRoleToNewGlueDevEndpoint', actions: ['iam:PassRole', 'glue:CreateDevEndpoint'] },
  { method: 'UpdateExistingGlueDevEndpoint', actions: ['glue:UpdateDevEndpoint'] },
  { method: 'PassExistingRoleToNewDataPipeline', actions: ['iam:PassRole', 'datapipeline:CreatePipeline'] },
  { method: 'PassExistingRoleToNewEcsTask', actions: ['iam:PassRole', 'ecs:RegisterTaskDefinition', 'ecs:RunTask'] },
  { method: 'PassExistingRoleToSageMakerNotebook', actions: ['iam:PassRole', 'sagemaker:CreateNotebookInstance'] },
  { method: 'PassExistingRoleToCodeBuild', actions: ['iam:PassRole', 'codebuild:CreateProject', 'codebuild:StartBuild'] },
  { method: 'CreateAccessKey', actions: ['iam:CreateAccessKey'] },
  { method: 'CreateLoginProfile', actions: ['iam:CreateLoginProfile'] },
  { method: 'UpdateLoginProfile', actions: ['iam:UpdateLoginProfile'] },
  { method: 'AttachUserPolicy', actions: ['iam:AttachUserPolicy'] },
  { method: 'AttachGroupPolicy', actions: ['iam:AttachGroupPolicy'] },
  { method: 'AttachRolePolicy', actions: ['iam:AttachRolePolicy'] },
  { method: 'PutUserPolicy', actions: ['iam:PutUserPolicy'] },
  { method: 'PutGroupPolicy', actions: ['iam:PutGroupPolicy'] },
  { method: 'PutRolePolicy', actions: ['iam:PutRolePolicy'] },
  { method: 'AddUserToGroup', actions: ['iam:AddUserToGroup'] },
  { method: 'UpdateRolePolicyToAssumeIt', actions: ['iam:UpdateAssumeRolePolicy'] },
]

export const DATA_ACTIONS = ['s3:GetObject', 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'secretsmanager:GetSecretValue', 'rds:CopyDBSnapshot', 'rds:CreateDBSnapshot']
/** Cloudsplaining ACTIONS_THAT_RETURN_CREDENTIALS, minus ecr:GetAuthorizationToken (needed by every image pull, scoped by repository policies). */
export const CREDENTIAL_ACTIONS = ['iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:CreateServiceSpecificCredential', 'iam:ResetServiceSpecificCredential', 'cognito-identity:GetCredentialsForIdentity', 'redshift:GetClusterCredentials', 'sts:GetFederationToken', 'sso:GetRoleCredentials', 'lightsail:GetInstanceAccessDetails']
export const EXPOSURE_ACTIONS = ['s3:PutBucketPolicy', 's3:PutBucketAcl', 's3:PutObjectAcl', 'kms:PutKeyPolicy', 'kms:CreateGrant', 'secretsmanager:PutResourcePolicy', 'sqs:SetQueueAttributes', 'sns:SetTopicAttributes', 'lambda:AddPermission', 'ecr:SetRepositoryPolicy', 'glacier:SetVaultAccessPolicy']
/**
 * The PassRole context EKS presents when a Pod Identity association is created or updated on
 * `clusterArn` (the same keys irsa's own EKS API puts there: src/iam/pass-role.ts).
 */
const podIdentityPass = (clusterArn: string): Record<string, string> => ({ 'iam:PassedToService': POD_IDENTITY_SERVICE, 'iam:AssociatedResourceArn': clusterArn })

const CONTROL_PLANE: readonly { readonly method: string; readonly actions: readonly string[] }[] = [
  { method: 'UpdateAssumeRolePolicy', actions: ['iam:UpdateAssumeRolePolicy'] },
  { method: 'CreateOpenIDConnectProvider', actions: ['iam:CreateOpenIDConnectProvider'] },
  { method: 'AddClientIDToOpenIDConnectProvider', actions: ['iam:AddClientIDToOpenIDConnectProvider'] },
  { method: 'UpdateOpenIDConnectProviderThumbprint', actions: ['iam:UpdateOpenIDConnectProviderThumbprint'] },
  { method: 'CreatePodIdentityAssociation+PassRole', actions: ['eks:CreatePodIdentityAssociation', 'iam:PassRole'] },
  { method: 'UpdatePodIdentityAssociation+PassRole', actions: ['eks:UpdatePodIdentityAssociation', 'iam:PassRole'] },
  { method: 'CreateAccessEntry', actions: ['eks:CreateAccessEntry'] },
  { method: 'AssociateAccessPolicy', actions: ['eks:AssociateAccessPolicy'] },
  { method: 'UpdateAccessEntry', actions: ['eks:UpdateAccessEntry'] },
]

/** Compiles managed policies once across roles. */
export class PolicyLibrary {
  private readonly compiled = new Map<string, CompiledPolicy | null>()
  private readonly policies: ReadonlyMap<string, ManagedPolicyObj>
  private readonly warnings: AuditWarning[]
  constructor(policies: ReadonlyMap<string, ManagedPolicyObj>, warnings: AuditWarning[]) {
    this.policies = policies
    this.warnings = warnings
  }

  document(arn: string): unknown {
    const p = this.policies.get(arn)
    if (p !== undefined) return p.document
    return isAwsManaged(arn) ? BUILTIN[managedPolicyName(arn)] : undefined
  }

  get(arn: string, kind: 'identity' | 'boundary'): CompiledPolicy | undefined {
    const key = `${kind} ${arn}`
    if (!this.compiled.has(key)) {
      const doc = this.document(arn)
      let c: CompiledPolicy | null = null
      if (doc !== undefined) {
        try {
          c = compilePolicy(doc, { kind, name: managedPolicyName(arn) })
        } catch (e) {
          this.warnings.push({ file: this.policies.get(arn)?.source.file ?? 'iam', object: arn, message: `policy does not compile: ${(e as Error).message}` })
        }
      }
      this.compiled.set(key, c)
    }
    return this.compiled.get(key) ?? undefined
  }
}

/**
 * `podIdRoleArns`: roles whose trust admits pods.eks.amazonaws.com, the targets a Pod Identity
 * association can hand out (R16 reports which of them iam:PassRole reaches).
 */
export function rolePermissions(role: IamRoleObj, lib: PolicyLibrary, warnings: AuditWarning[], clusterArns: readonly string[] = [], podIdRoleArns: readonly string[] = []): RolePermissions {
  const identity: CompiledPolicy[] = []
  const statements: IdentityStatement[] = []
  const unknownPolicies: string[] = []
  for (const p of role.inlinePolicies) {
    statements.push(...readIdentityStatements(p.document, p.name))
    try {
      identity.push(compilePolicy(p.document, { kind: 'identity', name: p.name }))
    } catch (e) {
      warnings.push({ file: role.source.file, object: `${role.arn} inline ${p.name}`, message: `policy does not compile: ${(e as Error).message}` })
    }
  }
  for (const arn of role.attachedPolicyArns) {
    const c = lib.get(arn, 'identity')
    if (c === undefined) unknownPolicies.push(arn)
    else {
      identity.push(c)
      statements.push(...readIdentityStatements(lib.document(arn), managedPolicyName(arn)))
    }
  }
  const set: { identity: CompiledPolicy[]; boundary?: CompiledPolicy[] } = { identity }
  if (role.boundaryArn !== undefined) {
    const b = lib.get(role.boundaryArn, 'boundary')
    if (b !== undefined) set.boundary = [b]
  }
  const principal = `arn:${role.partition}:sts::${role.accountId}:assumed-role/${role.name}/${PROBE_NAME}`
  const memo = new Map<string, Grant | null>()
  const allowed = (action: string, resource = probeResource(action, role.accountId, role.partition)): Grant | undefined => {
    const key = `${action} ${resource}`
    let g = memo.get(key)
    if (g === undefined) {
      const d = identity.length === 0 ? undefined : evaluate({ principal, action, resource }, set as PolicySet)
      g = d !== undefined && d.decision === 'Allow' ? { action, resource, statements: d.statements } : null
      memo.set(key, g)
    }
    return g ?? undefined
  }
  const all = (actions: readonly string[], resource?: string): Grant[] | undefined => {
    const out: Grant[] = []
    for (const a of actions) {
      const g = allowed(a, resource)
      if (g === undefined) return undefined
      out.push(g)
    }
    return out
  }

  const admin: PrivilegeMethod[] = []
  const star = allowed('zz-irsa-audit:ZzProbeAction', `arn:${role.partition}:zz-irsa-audit:us-east-1:${role.accountId}:${PROBE_NAME}`)
  if (star !== undefined) admin.push({ method: 'AllActionsOnAllResources', grants: [star] })
  const iamStar = allowed('iam:ZzProbeAction')
  if (star === undefined && iamStar !== undefined) admin.push({ method: 'AllIamActions', grants: [iamStar] })
  for (const arn of role.attachedPolicyArns) {
    const n = managedPolicyName(arn)
    if (isAwsManaged(arn) && (n === 'AdministratorAccess' || n === 'IAMFullAccess') && admin.length === 0) admin.push({ method: `Attached${n}`, grants: [] })
  }
  if (admin.length === 0) {
    for (const a of ['iam:PutRolePolicy', 'iam:AttachRolePolicy']) {
      const g = allowed(a, role.arn)
      if (g !== undefined) admin.push({ method: `${a.slice(4)}OnItself`, grants: [g] })
    }
    const create = all(['iam:CreateRole'])
    const attach = all(['iam:AttachRolePolicy']) ?? all(['iam:PutRolePolicy'])
    if (create !== undefined && attach !== undefined) admin.push({ method: 'CreateRoleThenAttachPolicy', grants: [...create, ...attach] })
    for (const arn of role.attachedPolicyArns) {
      if (isAwsManaged(arn)) continue
      const g = allowed('iam:CreatePolicyVersion', arn)
      if (g !== undefined) admin.push({ method: 'CreatePolicyVersionOnAttachedPolicy', grants: [g] })
    }
  }
  const escalation: PrivilegeMethod[] = []
  for (const m of ESCALATION_METHODS) {
    const gs = all(m.actions)
    if (gs !== undefined) escalation.push({ method: m.method, grants: gs })
  }
  const chaining: Grant[] = []
  for (const a of ['sts:AssumeRole']) {
    const g = allowed(a) ?? allowed(a, `arn:${role.partition}:iam::999999999999:role/${PROBE_NAME}`)
    if (g !== undefined) chaining.push(g)
  }
  // The audited clusters, and a probe cluster standing for any other one of the account.
  const podIdClusters = [...clusterArns, `arn:${role.partition}:eks:us-east-1:${role.accountId}:cluster/${PROBE_NAME}`]
  const passForPodIdentity = (resource: string): Grant | undefined => {
    if (identity.length === 0) return undefined
    for (const c of podIdClusters) {
      const d = evaluate({ principal, action: 'iam:PassRole', resource, context: podIdentityPass(c) }, set as PolicySet)
      if (d.decision === 'Allow') return { action: 'iam:PassRole', resource, statements: d.statements }
    }
    return undefined
  }
  const controlPlane: PrivilegeMethod[] = []
  for (const m of CONTROL_PLANE) {
    if (m.actions[0]?.endsWith('PodIdentityAssociation') === true) {
      // eks:Create/UpdatePodIdentityAssociation on any cluster (or an audited one), plus iam:PassRole as
      // EKS asks for it (iam:PassedToService = pods.eks.amazonaws.com) on some role other than this one.
      const first = allowed(m.actions[0]) ?? clusterArns.map((c) => allowed(m.actions[0] as string, c)).find((g) => g !== undefined)
      if (first === undefined) continue
      const probe = passForPodIdentity(probeResource('iam:PassRole', role.accountId, role.partition))
      const targets: string[] = []
      let sample = probe
      for (const arn of podIdRoleArns) {
        if (arn === role.arn) continue
        const g = passForPodIdentity(arn)
        if (g === undefined) continue
        targets.push(arn)
        sample ??= g
      }
      if (sample !== undefined) controlPlane.push({ method: m.method, grants: [first, sample], targets: probe !== undefined ? ['*', ...targets] : targets })
      continue
    }
    let gs = all(m.actions)
    if (gs === undefined && m.actions[0]?.startsWith('eks:')) {
      for (const c of clusterArns) {
        const first = allowed(m.actions[0], c)
        const rest = all(m.actions.slice(1))
        if (first !== undefined && rest !== undefined) {
          gs = [first, ...rest]
          break
        }
      }
    }
    if (gs !== undefined) controlPlane.push({ method: m.method, grants: gs })
  }
  const pick = (actions: readonly string[]): Grant[] => actions.map((a) => allowed(a)).filter((g): g is Grant => g !== undefined)
  const data = pick(DATA_ACTIONS)
  const credentials = pick(CREDENTIAL_ACTIONS)
  const exposure = pick(EXPOSURE_ACTIONS)
  const write = statements.some((s) => s.effect === 'Allow' && (s.notActions.length > 0 || s.actions.some(mayWrite)))
  const tier: Tier =
    admin.length > 0 ? 'P0' : escalation.length > 0 || chaining.length > 0 || controlPlane.length > 0 ? 'P1' : data.length + credentials.length + exposure.length > 0 ? 'P2' : write ? 'P3' : 'P4'
  return { tier, admin, escalation, chaining, data, credentials, exposure, controlPlane, statements, write, unknownPolicies }
}
