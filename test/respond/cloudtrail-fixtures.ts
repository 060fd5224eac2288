// CloudTrail records for the `irsa investigate --cloudtrail` tests, in the shapes AWS documents: the
// IAM User Guide's "Example OIDC AWS STS API event" (AssumeRoleWithWebIdentity by a WebIdentityUser),
// the CloudTrail User Guide's userIdentity element for calls made with a role session (AssumedRole,
// accessKeyId, sessionContext with an empty attributes map), STS AssumeRole for role chaining, and EKS
// Auth AssumeRoleForPodIdentity (whose responseElements follow the EKS Auth API response: AWS
// publishes no sample record for it). Written out three ways: an S3 tree of gzipped log files,
// `aws cloudtrail lookup-events` output, and CloudTrail Lake JSON Lines.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

export const ACCOUNT = '111122223333'
export const ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'
export const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`
export const CLUSTER_CIDR = '10.0.0.0/16'
export const ATTACKER_IP = '203.0.113.50'
export const POD_UA = 'aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.47.7'
export const CLI_UA = 'aws-cli/2.15.0 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe command/s3api.list-buckets'
export const PAYMENTS_ROLE = `arn:aws:iam::${ACCOUNT}:role/payments-reader`
export const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/admin-role`

export const KEYS = {
  payments: 'ASIAPAYMENTSEXAMPLE1',
  chained: 'ASIACHAINEDEXAMPLE01',
  frontend: 'ASIAFRONTENDEXAMPLE1',
  deployer: 'ASIADEPLOYEREXAMPLE1',
  github: 'ASIAGITHUBEXAMPLE001',
  userChain: 'ASIAUSERCHAINEXAMPL1',
  decoy: 'ASIADECOYEXAMPLE0001',
} as const

type Rec = Record<string, unknown>
let seq = 0
const id = (): string => `${String(++seq).padStart(8, '0')}-aaaa-4bbb-8ccc-${String(seq).padStart(12, '0')}`

function at(minute: number): string {
  return new Date(Date.UTC(2026, 0, 15, 9, minute, 0)).toISOString().replace('.000Z', 'Z')
}

function roleIdOf(arn: string): string {
  return `AROA${arn.slice(arn.lastIndexOf('/') + 1).toUpperCase().replace(/[^A-Z]/g, '').padEnd(17, 'X').slice(0, 17)}`
}

function base(minute: number, source: string, name: string, region = 'us-east-1'): Rec {
  return { eventVersion: '1.08', eventTime: at(minute), eventSource: source, eventName: name, awsRegion: region, eventID: id(), requestID: id(), readOnly: true, eventType: 'AwsApiCall', managementEvent: true, recipientAccountId: ACCOUNT, eventCategory: 'Management' }
}

/** The IAM User Guide's OIDC AssumeRoleWithWebIdentity event, for a service account. */
export function webIdentityExchange(minute: number, sub: string, roleArn: string, key: string, ip: string, ua: string, provider = PROVIDER): Rec {
  const session = `botocore-session-${1768467600 + minute}`
  return {
    ...base(minute, 'sts.amazonaws.com', 'AssumeRoleWithWebIdentity'),
    userIdentity: { type: 'WebIdentityUser', principalId: `${provider}:sts.amazonaws.com:${sub}`, userName: sub, identityProvider: provider },
    sourceIPAddress: ip,
    userAgent: ua,
    requestParameters: { roleArn, roleSessionName: session, durationSeconds: 3600 },
    responseElements: {
      credentials: { accessKeyId: key, sessionToken: '<redacted in tests>', expiration: 'Jan 15, 2026, 10:00:00 AM' },
      subjectFromWebIdentityToken: sub,
      assumedRoleUser: { assumedRoleId: `${roleIdOf(roleArn)}:${session}`, arn: roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + `/${session}` },
      provider,
      audience: 'sts.amazonaws.com',
    },
    additionalEventData: { identityProviderConnectionVerificationMethod: 'IAMTrustStore', RoleSessionName: session },
    resources: [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: roleArn }],
    readOnly: true,
  }
}

/** EKS Auth AssumeRoleForPodIdentity, made by the node's Pod Identity agent. */
export function podIdentityExchange(minute: number, ns: string, sa: string, roleArn: string, key: string, nodeIp: string): Rec {
  const session = `eks-prod-${sa}-0123456789`
  return {
    ...base(minute, 'eks-auth.amazonaws.com', 'AssumeRoleForPodIdentity'),
    userIdentity: { type: 'AssumedRole', principalId: 'AROANODEROLEEXAMPLE:i-0123456789abcdef0', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/eks-node-role/i-0123456789abcdef0`, accountId: ACCOUNT, accessKeyId: 'ASIANODEROLEEXAMPLE1' },
    sourceIPAddress: nodeIp,
    userAgent: 'aws-sdk-rust/1.1.4 os/linux lang/rust/1.74.1 eks-pod-identity-agent',
    requestParameters: { clusterName: 'prod', token: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
    responseElements: {
      subject: { namespace: ns, serviceAccount: sa },
      audience: 'pods.eks.amazonaws.com',
      podIdentityAssociation: { associationArn: `arn:aws:eks:us-east-1:${ACCOUNT}:podidentityassociation/prod/a-abcdefghijklmnop1`, associationId: 'a-abcdefghijklmnop1' },
      assumedRoleUser: { arn: roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + `/${session}`, assumeRoleId: `${roleIdOf(roleArn)}:${session}` },
      credentials: { accessKeyId: key, sessionToken: 'HIDDEN_DUE_TO_SECURITY_REASONS', secretAccessKey: 'HIDDEN_DUE_TO_SECURITY_REASONS', expiration: 1768474800 },
    },
  }
}

/** The CloudTrail userIdentity of a call made with a role session (AWS's examples leave `attributes` empty of who). */
function assumed(roleArn: string, key: string, session: string): Rec {
  const name = roleArn.slice(roleArn.lastIndexOf('/') + 1)
  return {
    type: 'AssumedRole',
    principalId: `${roleIdOf(roleArn)}:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/${session}`,
    accountId: ACCOUNT,
    accessKeyId: key,
    sessionContext: { sessionIssuer: { type: 'Role', principalId: roleIdOf(roleArn), arn: roleArn, accountId: ACCOUNT, userName: name }, webIdFederationData: {}, attributes: { creationDate: at(0), mfaAuthenticated: 'false' } },
  }
}

export function call(minute: number, roleArn: string, key: string, source: string, name: string, ip: string, ua: string, o: { region?: string; errorCode?: string; session?: string } = {}): Rec {
  return {
    ...base(minute, source, name, o.region),
    userIdentity: assumed(roleArn, key, o.session ?? 'session'),
    sourceIPAddress: ip,
    userAgent: ua,
    requestParameters: null,
    responseElements: null,
    ...(o.errorCode === undefined ? {} : { errorCode: o.errorCode, errorMessage: 'User is not authorized to perform this operation' }),
  }
}

export function chain(minute: number, callerRole: string, callerKey: string, roleArn: string, newKey: string, ip: string, ua: string): Rec {
  const session = 'pivot'
  return {
    ...call(minute, callerRole, callerKey, 'sts.amazonaws.com', 'AssumeRole', ip, ua),
    requestParameters: { roleArn, roleSessionName: session },
    responseElements: {
      credentials: { accessKeyId: newKey, sessionToken: '<redacted>', expiration: 'Jan 15, 2026, 10:30:00 AM' },
      assumedRoleUser: { assumedRoleId: `${roleIdOf(roleArn)}:${session}`, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/admin-role/${session}` },
    },
  }
}

export interface Scenario {
  readonly records: Rec[]
  /** Event ids made with the compromised account's two keys, in time order. */
  readonly paymentsEvents: string[]
  readonly chainedEvents: string[]
  readonly attackerEvents: string[]
  readonly chainEventId: string
  readonly paymentsExchangeId: string
}

/**
 * payments/payments-api (IRSA) is compromised: its pod uses its key from the cluster, then the key is
 * used from 203.0.113.50 with the AWS CLI, which assumes admin-role (role chaining) and calls IAM and
 * Secrets Manager (in another region). web/frontend (IRSA) and ci/deployer (Pod Identity) behave. Noise:
 * a GitHub Actions web identity (not a service account), an IAM user's own AssumeRole into admin-role,
 * and a session on payments-reader whose session name imitates the pod's but whose key came from no
 * service account's exchange.
 */
export function scenario(): Scenario {
  seq = 0
  const r: Rec[] = []
  const push = (x: Rec): string => {
    r.push(x)
    return x.eventID as string
  }
  const paymentsExchangeId = push(webIdentityExchange(0, 'system:serviceaccount:payments:payments-api', PAYMENTS_ROLE, KEYS.payments, '10.0.1.15', POD_UA))
  const frontendRole = `arn:aws:iam::${ACCOUNT}:role/wildcard-sub`
  push(webIdentityExchange(1, 'system:serviceaccount:web:frontend', frontendRole, KEYS.frontend, '10.0.2.20', POD_UA))
  push(podIdentityExchange(2, 'ci', 'deployer', `arn:aws:iam::${ACCOUNT}:role/legacy-role`, KEYS.deployer, '10.0.3.7'))
  push(webIdentityExchange(2, 'repo:example/app:ref:refs/heads/main', `arn:aws:iam::${ACCOUNT}:role/gha`, KEYS.github, '198.51.100.7', CLI_UA, `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`))
  const pod1 = push(call(3, PAYMENTS_ROLE, KEYS.payments, 's3.amazonaws.com', 'GetObject', '10.0.1.15', POD_UA))
  push(call(4, frontendRole, KEYS.frontend, 's3.amazonaws.com', 'PutObject', '10.0.2.20', POD_UA))
  push(call(5, `arn:aws:iam::${ACCOUNT}:role/legacy-role`, KEYS.deployer, 'ecr.amazonaws.com', 'GetAuthorizationToken', '10.0.3.7', POD_UA))
  push(call(6, `arn:aws:iam::${ACCOUNT}:role/gha`, KEYS.github, 'iam.amazonaws.com', 'ListRoles', '198.51.100.7', CLI_UA))
  // The decoy: same role, a session name like the pod's, another key from nowhere.
  push(call(7, PAYMENTS_ROLE, KEYS.decoy, 'secretsmanager.amazonaws.com', 'GetSecretValue', '198.51.100.99', CLI_UA, { session: 'botocore-session-1768467600' }))
  // An IAM user assumes admin-role itself (an AKIA key; no service account).
  push({ ...chain(8, `arn:aws:iam::${ACCOUNT}:role/ops`, 'AKIAOPSUSEREXAMPLE01', ADMIN_ROLE, KEYS.userChain, '192.0.2.10', CLI_UA), userIdentity: { type: 'IAMUser', principalId: 'AIDAOPSUSEREXAMPLE01', arn: `arn:aws:iam::${ACCOUNT}:user/ops`, accountId: ACCOUNT, accessKeyId: 'AKIAOPSUSEREXAMPLE01', userName: 'ops' } })
  push(call(9, ADMIN_ROLE, KEYS.userChain, 'iam.amazonaws.com', 'ListUsers', '192.0.2.10', CLI_UA))
  // The attacker, with the stolen key.
  const a1 = push(call(20, PAYMENTS_ROLE, KEYS.payments, 'sts.amazonaws.com', 'GetCallerIdentity', ATTACKER_IP, CLI_UA))
  const a2 = push(call(21, PAYMENTS_ROLE, KEYS.payments, 's3.amazonaws.com', 'ListBuckets', ATTACKER_IP, CLI_UA))
  const chainEventId = push(chain(22, PAYMENTS_ROLE, KEYS.payments, ADMIN_ROLE, KEYS.chained, ATTACKER_IP, CLI_UA))
  const c1 = push(call(23, ADMIN_ROLE, KEYS.chained, 'iam.amazonaws.com', 'ListUsers', ATTACKER_IP, CLI_UA, { session: 'pivot' }))
  const c2 = push(call(24, ADMIN_ROLE, KEYS.chained, 'iam.amazonaws.com', 'CreateAccessKey', ATTACKER_IP, CLI_UA, { session: 'pivot' }))
  const c3 = push(call(25, ADMIN_ROLE, KEYS.chained, 'secretsmanager.amazonaws.com', 'GetSecretValue', ATTACKER_IP, CLI_UA, { session: 'pivot', region: 'eu-west-1' }))
  return {
    records: r,
    paymentsEvents: [pod1, a1, a2, chainEventId],
    chainedEvents: [c1, c2, c3],
    attackerEvents: [a1, a2, chainEventId],
    chainEventId,
    paymentsExchangeId,
  }
}

/** The records as an S3 bucket's tree: one gzipped log file per region and 10 minutes, plus a digest file to skip. */
export function writeS3Tree(dir: string, records: readonly Rec[]): string {
  const root = join(dir, 'AWSLogs')
  const groups = new Map<string, Rec[]>()
  for (const x of records) {
    const t = x.eventTime as string
    const key = `${x.awsRegion as string}|${t.slice(0, 15)}`
    groups.set(key, [...(groups.get(key) ?? []), x])
  }
  for (const [key, recs] of groups) {
    const [region, stamp] = key.split('|') as [string, string]
    const d = join(root, ACCOUNT, 'CloudTrail', region, '2026', '01', '15')
    mkdirSync(d, { recursive: true })
    const time = `${stamp.replace(/[-:]/g, '')}0Z`
    writeFileSync(join(d, `${ACCOUNT}_CloudTrail_${region}_${time}_abc${groups.size}.json.gz`), gzipSync(JSON.stringify({ Records: recs })))
  }
  const digest = join(root, ACCOUNT, 'CloudTrail-Digest', 'us-east-1', '2026', '01', '15')
  mkdirSync(digest, { recursive: true })
  writeFileSync(join(digest, `${ACCOUNT}_CloudTrail-Digest_us-east-1_x_20260115T100000Z.json.gz`), gzipSync(JSON.stringify({ awsAccountId: ACCOUNT, digestStartTime: at(0) })))
  return root
}

/** `aws cloudtrail lookup-events` output (newest first, two pages' worth in one document, as the CLI prints it). */
export function writeLookupEvents(dir: string, records: readonly Rec[]): string {
  const events = [...records].reverse().map((x) => ({
    EventId: x.eventID,
    EventName: x.eventName,
    ReadOnly: 'true',
    AccessKeyId: (x.userIdentity as Rec | undefined)?.accessKeyId,
    EventTime: Date.parse(x.eventTime as string) / 1000,
    EventSource: x.eventSource,
    Resources: [],
    CloudTrailEvent: JSON.stringify(x),
  }))
  const file = join(dir, 'lookup-events.json')
  writeFileSync(file, JSON.stringify({ Events: events, NextToken: 'eyJOZXh0VG9rZW4iOiBudWxsfQ==' }, null, 4))
  return file
}

/** CloudTrail Lake results as JSON Lines (`SELECT *`: the record's fields as columns). */
export function writeLakeJsonl(dir: string, records: readonly Rec[]): string {
  const file = join(dir, 'lake-results.jsonl')
  writeFileSync(file, `${records.map((x) => JSON.stringify(x)).join('\n')}\n`)
  return file
}
