/**
 * The audit inventory: Kubernetes and IAM objects after loading, in one normalised shape the graph and
 * the rules read. Loaders build it; nothing downstream parses input again.
 */

/** Where an object came from: the file (or live source) and its position in it. */
export interface Source {
  readonly file: string
  /** A JSON pointer or `doc N` within the file, when known. */
  readonly pointer?: string
}

/** A loader warning: bad input that was skipped, naming the file and the object. */
export interface AuditWarning {
  readonly file: string
  readonly object?: string
  readonly message: string
}

export interface ContainerInfo {
  readonly name: string
  readonly env: readonly { readonly name: string; readonly value?: string }[]
  readonly privileged: boolean
  readonly allowPrivilegeEscalation: boolean | undefined
}

export interface ProjectedToken {
  readonly audience: string | undefined
  readonly expirationSeconds: number | undefined
  readonly volume: string
}

/** The parts of a pod spec the rules read (also taken from controller templates). */
export interface PodSpecInfo {
  readonly serviceAccountName: string
  readonly automountServiceAccountToken: boolean | undefined
  readonly hostNetwork: boolean
  readonly hostPID: boolean
  readonly hostPaths: readonly string[]
  readonly projectedTokens: readonly ProjectedToken[]
  readonly containers: readonly ContainerInfo[]
  readonly nodeName: string | undefined
  readonly nodeSelector: Readonly<Record<string, string>>
}

export interface OwnerRef {
  readonly kind: string
  readonly name: string
}

export interface K8sMeta {
  readonly cluster: string
  readonly namespace: string
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  readonly source: Source
}

export interface ServiceAccountObj extends K8sMeta {
  readonly automountServiceAccountToken: boolean | undefined
}

/** A Pod or a workload controller (its pod template). */
export interface WorkloadObj extends K8sMeta {
  readonly kind: string
  readonly owners: readonly OwnerRef[]
  readonly pod: PodSpecInfo
  /** Labels of the pod (template labels for controllers); Services select on these. */
  readonly podLabels: Readonly<Record<string, string>>
}

export interface NamespaceObj {
  readonly cluster: string
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly source: Source
}

export interface PolicyRule {
  readonly apiGroups: readonly string[]
  readonly resources: readonly string[]
  readonly verbs: readonly string[]
  readonly resourceNames: readonly string[]
}

export interface RbacRoleObj {
  readonly cluster: string
  readonly kind: 'Role' | 'ClusterRole'
  /** Empty for ClusterRoles. */
  readonly namespace: string
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly rules: readonly PolicyRule[]
  /** ClusterRole aggregationRule selectors (matchLabels only). */
  readonly aggregationSelectors: readonly Readonly<Record<string, string>>[]
  readonly source: Source
}

export interface RbacSubject {
  readonly kind: 'User' | 'Group' | 'ServiceAccount'
  readonly name: string
  readonly namespace?: string
}

export interface RbacBindingObj {
  readonly cluster: string
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding'
  /** Empty for ClusterRoleBindings. */
  readonly namespace: string
  readonly name: string
  readonly roleRef: { readonly kind: 'Role' | 'ClusterRole'; readonly name: string }
  readonly subjects: readonly RbacSubject[]
  readonly source: Source
}

/** A Secret or ConfigMap: only its string data (Secrets base64-decoded) and type. */
export interface DataObj extends K8sMeta {
  readonly kind: 'Secret' | 'ConfigMap'
  readonly type: string | undefined
  readonly data: Readonly<Record<string, string>>
}

export interface ServiceObj extends K8sMeta {
  readonly type: string
  readonly selector: Readonly<Record<string, string>>
}

export interface IngressObj extends K8sMeta {
  readonly backendServices: readonly string[]
}

export interface NetworkPolicyObj extends K8sMeta {
  readonly podSelector: Readonly<Record<string, string>>
  readonly policyTypes: readonly string[]
  /** Egress `ipBlock` entries: cidr plus except lists. */
  readonly egressIpBlocks: readonly { readonly cidr: string; readonly except: readonly string[] }[]
  /** True when there is an egress rule that allows everything (no `to`). */
  readonly egressAllowAll: boolean
  /** Whether `spec.egress` has rules (without `policyTypes`, that makes the policy an Egress one). */
  readonly hasEgressRules: boolean
}

export interface NodeClassObj extends K8sMeta {
  /** `metadataOptions.httpEndpoint`: `disabled` turns IMDS off for the nodes (hostNetwork pods included). */
  readonly httpEndpoint: string | undefined
  readonly httpTokens: string | undefined
  readonly httpPutResponseHopLimit: number | undefined
}

export interface K8sInventory {
  readonly namespaces: NamespaceObj[]
  readonly serviceAccounts: ServiceAccountObj[]
  readonly workloads: WorkloadObj[]
  readonly roles: RbacRoleObj[]
  readonly bindings: RbacBindingObj[]
  readonly data: DataObj[]
  readonly services: ServiceObj[]
  readonly ingresses: IngressObj[]
  readonly networkPolicies: NetworkPolicyObj[]
  readonly nodeClasses: NodeClassObj[]
  /** The aws-auth ConfigMap's mapRoles entries with group system:nodes. */
  readonly awsAuthNodeRoles: { readonly cluster: string; readonly roleArn: string }[]
  /** Every aws-auth mapRoles entry: the role and the Kubernetes groups it is mapped into. */
  readonly awsAuthRoles: { readonly cluster: string; readonly roleArn: string; readonly groups: readonly string[]; readonly source: Source }[]
}

export interface PolicyDoc {
  readonly name: string
  /** The policy document as an object (URL-decoded and parsed if it was a string). */
  readonly document: unknown
}

export interface IamRoleObj {
  readonly arn: string
  readonly name: string
  readonly accountId: string
  readonly partition: string
  readonly createDate: string | undefined
  readonly lastUsedDate: string | undefined
  readonly trustDocument: unknown
  readonly inlinePolicies: readonly PolicyDoc[]
  readonly attachedPolicyArns: readonly string[]
  readonly boundaryArn: string | undefined
  readonly tags: Readonly<Record<string, string>>
  readonly hasInstanceProfile: boolean
  readonly source: Source
}

export interface ManagedPolicyObj {
  readonly arn: string
  readonly name: string
  readonly document: unknown
  readonly source: Source
}

export interface OidcProviderObj {
  readonly arn: string
  /** The issuer host and path without scheme, as used in condition keys. */
  readonly host: string
  readonly clientIds: readonly string[] | undefined
  readonly createDate: string | undefined
  readonly tags: Readonly<Record<string, string>>
  readonly source: Source
}

export interface ClusterObj {
  readonly name: string
  readonly arn: string | undefined
  /** Issuer host/path without scheme. */
  readonly issuerHost: string
  readonly accountId: string | undefined
  readonly env: string | undefined
  readonly source: Source
}

/**
 * An EKS Pod Identity association (cluster, namespace, service account) → role, from
 * `aws eks list-pod-identity-associations` / `describe-pod-identity-association`, the live EKS API,
 * or inferred from a pod's container-credentials environment (then `inferred` and no role).
 */
export interface PodIdentityAssociationObj {
  readonly cluster: string
  readonly namespace: string
  readonly serviceAccount: string
  /** Undefined for list summaries (no DescribePodIdentityAssociation) and inferred associations. */
  readonly roleArn: string | undefined
  /** Cross-account: the role EKS chains into from `roleArn`. */
  readonly targetRoleArn: string | undefined
  readonly associationId: string | undefined
  readonly associationArn: string | undefined
  /** `disableSessionTags`: EKS then does not call sts:TagSession. */
  readonly disableSessionTags: boolean
  readonly inferred: boolean
  readonly source: Source
}

/** An EKS access policy associated with an access entry, and where it applies. */
export interface AccessPolicyObj {
  readonly policyArn: string
  /** `cluster`, or `namespace` with the namespaces. */
  readonly scope: 'cluster' | 'namespace'
  readonly namespaces: readonly string[]
}

/**
 * An EKS access entry (`aws eks describe-access-entry`, merged with `list-associated-access-policies`):
 * an IAM principal's access to a cluster's Kubernetes API.
 */
export interface AccessEntryObj {
  readonly cluster: string
  readonly principalArn: string
  /** `STANDARD`, `EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX`, `HYBRID_LINUX`, …; undefined from a list summary. */
  readonly type: string | undefined
  readonly username: string | undefined
  readonly kubernetesGroups: readonly string[]
  readonly accessPolicies: readonly AccessPolicyObj[]
  readonly source: Source
}

/** Identity-policy holders other than roles (for ABAC checks): users and groups. */
export interface IamPrincipalPolicies {
  readonly arn: string
  readonly inlinePolicies: readonly PolicyDoc[]
}

export interface IamInventory {
  readonly roles: IamRoleObj[]
  readonly policies: Map<string, ManagedPolicyObj>
  readonly others: IamPrincipalPolicies[]
  /** Undefined when no provider list was given (R07/R09 then do not run). */
  providers: OidcProviderObj[] | undefined
  readonly clusters: ClusterObj[]
  /** Accounts seen in the export (role ARNs). */
  readonly accounts: Set<string>
  /** EKS Pod Identity associations from the association inputs (inferred ones are added by the graph). */
  readonly podIdentityAssociations: PodIdentityAssociationObj[]
  /** Clusters for which an association input was read (possibly empty): no inference there. */
  readonly podIdentityClusters: Set<string>
  /** Whether any association input was given at all. */
  podIdentityLoaded: boolean
  /** EKS access entries with their access policies. */
  readonly accessEntries: AccessEntryObj[]
}

export interface Inventory {
  readonly k8s: K8sInventory
  readonly iam: IamInventory
  /** Whether any RBAC object was loaded: rules that need RBAC say "assumed" otherwise. */
  readonly hasRbac: boolean
  readonly warnings: AuditWarning[]
}

export function emptyK8s(): K8sInventory {
  return {
    namespaces: [],
    serviceAccounts: [],
    workloads: [],
    roles: [],
    bindings: [],
    data: [],
    services: [],
    ingresses: [],
    networkPolicies: [],
    nodeClasses: [],
    awsAuthNodeRoles: [],
    awsAuthRoles: [],
  }
}

export function emptyIam(): IamInventory {
  return { roles: [], policies: new Map(), others: [], providers: undefined, clusters: [], accounts: new Set(), podIdentityAssociations: [], podIdentityClusters: new Set(), podIdentityLoaded: false, accessEntries: [] }
}
