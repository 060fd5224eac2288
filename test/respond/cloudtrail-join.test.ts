/** The CloudTrail join and anomalies (pure): sessions attributed only through exchange → key → chained key. */
import { describe, expect, it } from 'vitest'
import { parseCidrs } from '../../src/respond/cloudtrail/cidr.js'
import { ACCESS_DENIED_BURST, detectAnomalies } from '../../src/respond/cloudtrail/anomalies.js'
import { investigateCloudTrail } from '../../src/respond/cloudtrail/investigation.js'
import { joinRecords } from '../../src/respond/cloudtrail/join.js'
import type { CloudTrailTarget } from '../../src/respond/cloudtrail/join.js'
import { asCloudTrailRecord } from '../../src/respond/cloudtrail/record.js'
import type { CloudTrailRecord } from '../../src/respond/cloudtrail/record.js'
import { ADMIN_ROLE, ATTACKER_IP, CLI_UA, CLUSTER_CIDR, KEYS, PAYMENTS_ROLE, call, scenario } from './cloudtrail-fixtures.js'

const NOW = Date.UTC(2026, 0, 16)
const records = (xs: readonly Record<string, unknown>[]): CloudTrailRecord[] => xs.map((x, i) => asCloudTrailRecord(x, { file: 'fixture', at: `record ${i + 1}` }))

function investigate(target: CloudTrailTarget, xs = scenario().records) {
  const rs = records(xs)
  return investigateCloudTrail(joinRecords(rs, target), target, { now: NOW, clusterCidrs: parseCidrs([CLUSTER_CIDR], '--cluster-cidrs'), inputs: { files: 1, records: rs.length } })
}

describe('CloudTrail join', () => {
  it('lists exactly the compromised account’s sessions (its own and the chained one) and their events', () => {
    const s = scenario()
    const inv = investigate({ kind: 'service-account', namespace: 'payments', name: 'payments-api' })
    expect(inv.sessions.map((x) => [x.accessKeyId, x.roleArn, x.via, x.depth])).toEqual([
      [KEYS.payments, PAYMENTS_ROLE, 'web-identity', 0],
      [KEYS.chained, ADMIN_ROLE, 'role-chaining', 1],
    ])
    expect(inv.sessions.every((x) => x.subject === 'system:serviceaccount:payments:payments-api')).toBe(true)
    expect(inv.sessions[0]?.events.map((e) => e.eventId)).toEqual(s.paymentsEvents)
    expect(inv.sessions[1]?.events.map((e) => e.eventId)).toEqual(s.chainedEvents)
    expect(inv.sessions[1]?.parentAccessKeyId).toBe(KEYS.payments)
    expect(inv.sessions[0]?.issuedBy).toBe(s.paymentsExchangeId)
    // The decoy (same role, look-alike session name, unrelated key) and the IAM user's chain are not attributed.
    const keys = inv.sessions.map((x) => x.accessKeyId)
    expect(keys).not.toContain(KEYS.decoy)
    expect(keys).not.toContain(KEYS.userChain)
  })

  it('names the off-cluster use and the role chaining, with the events behind them', () => {
    const s = scenario()
    const inv = investigate({ kind: 'service-account', namespace: 'payments', name: 'payments-api' })
    const kinds = inv.anomalies.map((a) => a.kind)
    expect(kinds).toEqual(expect.arrayContaining(['off-cluster-use', 'role-chaining', 'multiple-source-ips', 'user-agent-change', 'sensitive-call', 'new-region']))
    const offOwn = inv.anomalies.find((a) => a.kind === 'off-cluster-use' && a.accessKeyIds.includes(KEYS.payments))
    expect(offOwn?.eventIds).toEqual(s.attackerEvents)
    const offChained = inv.anomalies.find((a) => a.kind === 'off-cluster-use' && a.accessKeyIds.includes(KEYS.chained))
    expect(offChained?.eventIds).toEqual(s.chainedEvents)
    const chaining = inv.anomalies.filter((a) => a.kind === 'role-chaining')
    expect(chaining).toEqual([expect.objectContaining({ accessKeyIds: [KEYS.payments, KEYS.chained], eventIds: [s.chainEventId], detail: ADMIN_ROLE })])
    expect(inv.anomalies.filter((a) => a.kind === 'sensitive-call').map((a) => a.detail).sort()).toEqual(['iam:CreateAccessKey', 'iam:ListUsers', 's3:ListBuckets', 'secretsmanager:GetSecretValue'])
    expect(inv.anomalies.find((a) => a.kind === 'new-region')?.detail).toBe('eu-west-1')
    // A containment command per compromised session, naming its session.
    expect(inv.recommendations.map((r) => r.accessKeyId)).toEqual([KEYS.payments, KEYS.chained])
    expect(inv.recommendations[0]?.command).toMatch(/^irsa contain --aws --role arn:aws:iam::111122223333:role\/payments-reader --service-account payments\/payments-api --session-name botocore-session-\d+ --reason /)
    expect(inv.recommendations[1]?.command).toMatch(/--role arn:aws:iam::111122223333:role\/admin-role --session-name pivot /)
    expect(inv.recommendations[0]?.denySession?.Statement[0]).toMatchObject({ Effect: 'Deny', Condition: { StringEquals: { 'aws:userid': expect.stringMatching(/^AROA\w+:botocore-session-/) } } })
  })

  it('a healthy account has sessions but no anomaly; Pod Identity sessions join through EKS Auth', () => {
    const web = investigate({ kind: 'service-account', namespace: 'web', name: 'frontend' })
    expect(web.sessions.map((x) => x.accessKeyId)).toEqual([KEYS.frontend])
    expect(web.anomalies).toEqual([])
    expect(web.recommendations).toEqual([])
    const ci = investigate({ kind: 'service-account', namespace: 'ci', name: 'deployer' })
    expect(ci.sessions.map((x) => [x.accessKeyId, x.via, x.provider])).toEqual([[KEYS.deployer, 'pod-identity', 'prod']])
    expect(ci.sessions[0]?.events.map((e) => e.action)).toEqual(['ecr:GetAuthorizationToken'])
    expect(ci.anomalies).toEqual([])
  })

  it('selects by key, role and source address; never a non-service-account identity', () => {
    const all = investigate({ kind: 'all' })
    expect(all.summary.serviceAccounts).toEqual(['ci/deployer', 'payments/payments-api', 'web/frontend'])
    expect(all.sessions.map((x) => x.accessKeyId)).not.toContain(KEYS.github)
    expect(investigate({ kind: 'access-key-id', accessKeyId: KEYS.chained }).sessions.map((x) => x.accessKeyId)).toEqual([KEYS.payments, KEYS.chained])
    expect(investigate({ kind: 'role', arn: ADMIN_ROLE }).summary.serviceAccounts).toEqual(['payments/payments-api'])
    expect(investigate({ kind: 'source-ip', ranges: parseCidrs([`${ATTACKER_IP}/32`], '--source-ip') }).summary.serviceAccounts).toEqual(['payments/payments-api'])
  })

  it('follows role chaining at most 5 hops and survives a cycle', () => {
    const s = scenario()
    const extra: Record<string, unknown>[] = []
    let parent: string = KEYS.chained
    for (let i = 0; i < 7; i++) {
      const next = `ASIAHOP${String(i).padStart(13, '0')}`
      extra.push({ ...call(30 + i, ADMIN_ROLE, parent, 'sts.amazonaws.com', 'AssumeRole', ATTACKER_IP, CLI_UA), requestParameters: { roleArn: ADMIN_ROLE, roleSessionName: `hop${i}` }, responseElements: { credentials: { accessKeyId: next } } })
      parent = next
    }
    // A cycle back to the first key.
    extra.push({ ...call(40, ADMIN_ROLE, parent, 'sts.amazonaws.com', 'AssumeRole', ATTACKER_IP, CLI_UA), requestParameters: { roleArn: PAYMENTS_ROLE, roleSessionName: 'loop' }, responseElements: { credentials: { accessKeyId: KEYS.payments } } })
    const inv = investigate({ kind: 'service-account', namespace: 'payments', name: 'payments-api' }, [...s.records, ...extra])
    expect(inv.sessions.map((x) => x.depth)).toEqual([0, 1, 2, 3, 4, 5])
  })

  it(`flags ${ACCESS_DENIED_BURST} denied calls within 5 minutes, not fewer`, () => {
    const s = scenario()
    const denied = (n: number) => Array.from({ length: n }, (_, i) => call(40 + i, PAYMENTS_ROLE, KEYS.payments, 'ec2.amazonaws.com', 'DescribeInstances', '10.0.1.15', CLI_UA, { errorCode: 'Client.UnauthorizedOperation' }))
    const kinds = (n: number) => investigate({ kind: 'service-account', namespace: 'payments', name: 'payments-api' }, [...s.records, ...denied(n)]).anomalies.filter((a) => a.kind === 'access-denied-burst')
    expect(kinds(ACCESS_DENIED_BURST - 1)).toEqual([])
    expect(kinds(ACCESS_DENIED_BURST)[0]?.eventIds).toHaveLength(ACCESS_DENIED_BURST)
    expect(detectAnomalies([])).toEqual([])
  })
})
