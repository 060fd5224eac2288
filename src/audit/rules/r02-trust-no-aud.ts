import type { FindingDraft, Rule } from '../finding.js'
import type { RoleIssuerReach, RoleNode } from '../graph.js'
import { STS_AUDIENCE } from '../../model/aws-names.js'
import { isApiServerAudience } from '../../trust/api-server-audience.js'
import { roleRef } from '../refs.js'

export const r02: Rule = {
  meta: {
    ref: 'R02',
    id: 'IRSA-TRUST-002',
    title: 'OIDC trust does not restrict aud to sts.amazonaws.com',
    severity: 'medium',
    layer: 'IAM',
    rationale:
      'Without a condition limiting <issuer>:aud to sts.amazonaws.com, tokens minted for another relying party of the same issuer replay to STS. Accepting the cluster API server\'s audience (https://kubernetes.default.svc, the issuer URL) is worse: every pod\'s default service-account token carries it, and those tokens reach the API server and every service that authenticates pods, so far more widely exposed tokens become AWS credentials. The pod-identity webhook marks aud as required.',
    remediation: `Use StringEquals "<issuer>:aud": "${STS_AUDIENCE}" on the web-identity statement (no other audience), and keep the provider ClientIDList to ${STS_AUDIENCE}.`,
    mappings: { nhi: ['NHI6', 'NHI4'], csf: ['PR.AA-04'], zt: ['ZT6'] },
    bindingEffect: 'over-broad',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of graph.roles) {
      for (const r of role.reach) {
        if (r.audUnrestricted === true) out.push(unrestricted(role, r))
        else if (r.acceptedAudiences.length > 0) out.push(otherAudiences(role, r))
      }
    }
    return out
  },
}

function unrestricted(role: RoleNode, r: RoleIssuerReach): FindingDraft {
  const others = (r.provider?.clientIds ?? []).filter((c) => c !== STS_AUDIENCE)
  return {
    severity: others.length > 0 ? 'high' : 'medium',
    message: `${role.obj.arn} trusts ${r.host} without restricting ${r.host}:aud: a token with any audience is accepted${others.length > 0 ? ` (the provider also accepts ${others.join(', ')})` : ''}.`,
    resources: [roleRef(role)],
    evidence: { issuer: r.host, statements: r.statements.map((s) => s.index), probeAudience: 'zz-irsa-audit-probe-audience', providerClientIds: r.provider?.clientIds ?? null },
    key: `${role.obj.arn}|${r.host}`,
  }
}

/**
 * The trust restricts aud, but to (or also to) audiences other than STS's. STS exchanges a token only
 * if its audience is one of the provider's client IDs, so the finding is high when the provider is
 * known to accept an API server audience, and medium otherwise (one client-ID change away, or unknown).
 */
function otherAudiences(role: RoleNode, r: RoleIssuerReach): FindingDraft {
  const audiences = r.acceptedAudiences
  const apiServer = audiences.filter((a) => isApiServerAudience(a, r.host))
  const clientIds = r.provider?.clientIds
  const providerAccepts = clientIds === undefined ? null : audiences.filter((a) => clientIds.includes(a))
  const live = apiServer.filter((a) => providerAccepts?.includes(a) === true)
  const why =
    apiServer.length > 0
      ? `${apiServer.join(', ')} ${apiServer.length > 1 ? 'are' : 'is'} the cluster API server's audience, carried by every pod's default service-account token`
      : 'tokens minted for another relying party replay to STS'
  const provider =
    providerAccepts === null ? 'the provider\'s client IDs are unknown' : providerAccepts.length > 0 ? `the provider accepts ${providerAccepts.join(', ')}` : 'the provider\'s client IDs do not list them yet'
  return {
    severity: live.length > 0 ? 'high' : 'medium',
    message: `${role.obj.arn} trusts ${r.host} for ${r.host}:aud ${audiences.join(', ')}, not only ${STS_AUDIENCE}: ${why}; ${provider}.`,
    resources: [roleRef(role)],
    evidence: { issuer: r.host, statements: r.statements.map((s) => s.index), audiences, apiServerAudiences: apiServer, providerClientIds: clientIds ?? null, providerAccepts },
    key: `${role.obj.arn}|${r.host}`,
  }
}
