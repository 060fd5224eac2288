import type { FindingDraft, Rule } from '../finding.js'
import type { AuditGraph } from '../graph.js'
import { findRole } from '../graph.js'
import { cap } from '../lib/evidence-cap.js'
import { identityOf } from '../lib/workload-identity.js'
import { isSystemNamespace } from '../lib/system-namespaces.js'
import { topWorkloads } from '../lib/workloads.js'
import { IMDS_IPV4, imdsEgress } from '../lib/imds-egress.js'
import { EKS_WORKER_MINIMUM, policiesBeyond } from '../lib/node-role.js'
import type { WorkloadObj } from '../model.js'
import { workloadRef } from '../refs.js'

export const r27: Rule = {
  meta: {
    ref: 'R27',
    id: 'IRSA-NODE-001',
    title: 'Node IMDS credentials reachable from pods',
    severity: 'high',
    layer: 'X',
    rationale: 'Unless IMDSv2 is required with a hop limit of 1, pods inherit the node instance role (those whose NetworkPolicy denies egress to 169.254.169.254 excepted); hostNetwork pods bypass the hop limit and NetworkPolicy altogether and hold the node role whatever IRSA or Pod Identity role they also have (high when the node role holds more than the EKS worker minimum).',
    remediation: 'Set metadataOptions httpTokens: required and httpPutResponseHopLimit: 1 on node classes and launch templates; avoid hostNetwork for application pods (or set httpEndpoint: disabled on their nodes); keep node roles to the EKS worker minimum; deny egress to 169.254.169.254/32 with NetworkPolicy.',
    mappings: { nhi: ['NHI5', 'NHI4', 'NHI9'], csf: ['PR.IR-01', 'PR.PS-01', 'PR.AA-05'], zt: ['ZT2', 'ZT3'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const nc of graph.inventory.k8s.nodeClasses) {
      if (nc.httpEndpoint === 'disabled') continue
      const problems: string[] = []
      if (nc.httpPutResponseHopLimit !== undefined && nc.httpPutResponseHopLimit > 1) problems.push(`httpPutResponseHopLimit ${nc.httpPutResponseHopLimit} > 1`)
      if (nc.httpTokens !== undefined && nc.httpTokens !== 'required') problems.push(`httpTokens ${nc.httpTokens} (IMDSv1 allowed)`)
      if (problems.length === 0) continue
      // Pods reach IMDS through the node unless a NetworkPolicy denies them egress to it.
      const pods = topWorkloads(graph).filter((w) => w.cluster === nc.cluster && !w.pod.hostNetwork && !isSystemNamespace(w.namespace))
      const egress = pods.map((w) => ({ w, e: imdsEgress(graph.inventory.k8s.networkPolicies, w) }))
      const exposed = egress.filter((x) => x.e !== 'denied').map((x) => `${x.w.namespace}/${x.w.name}`)
      const protectedPods = egress.filter((x) => x.e === 'denied').map((x) => `${x.w.namespace}/${x.w.name}`)
      const reach =
        pods.length === 0
          ? ''
          : exposed.length === 0
            ? `; every workload's NetworkPolicy denies egress to ${IMDS_IPV4} (${protectedPods.length} protected)`
            : `; ${exposed.length} workload(s) can reach it (no NetworkPolicy denies egress to ${IMDS_IPV4}): ${cap(exposed, 10).join(', ')}${exposed.length > 10 ? ', …' : ''}`
      out.push({
        // Only when NetworkPolicy shields every workload known is the node class a latent problem.
        severity: pods.length > 0 && exposed.length === 0 ? 'medium' : 'high',
        message: `EC2NodeClass ${nc.name} lets pods reach the instance metadata service: ${problems.join(', ')}${reach}.`,
        resources: [{ kind: 'EC2NodeClass', cluster: nc.cluster, name: nc.name, file: nc.source.file }],
        evidence: { problems, exposedWorkloads: cap(exposed), protectedByNetworkPolicy: cap(protectedPods) },
        key: `${nc.cluster}/${nc.name}`,
      })
    }
    for (const w of graph.inventory.k8s.workloads) {
      if (!w.pod.hostNetwork || isSystemNamespace(w.namespace) || w.owners.length > 0) continue
      const f = hostNetworkFinding(graph, w)
      if (f !== undefined) out.push(f)
    }
    return out
  },
}

/**
 * A hostNetwork pod shares the node's network namespace: it reaches IMDS whatever the hop limit or
 * NetworkPolicy (which does not apply to host-network pods), unless every node class of its cluster
 * turns the metadata endpoint off. It then holds the node role, besides any IRSA or Pod Identity
 * role it has: high when a node role holds more than the EKS worker minimum, medium otherwise
 * (including a node role the inventory does not show).
 */
function hostNetworkFinding(graph: AuditGraph, w: WorkloadObj): FindingDraft | undefined {
  const classes = graph.inventory.k8s.nodeClasses.filter((nc) => nc.cluster === w.cluster)
  if (classes.length > 0 && classes.every((nc) => nc.httpEndpoint === 'disabled')) return undefined
  const nodeRoles = (graph.nodeRoles.get(w.cluster) ?? []).map((arn) => {
    const role = findRole(graph, arn)
    if (role === undefined) return { arn, known: false, beyondMinimum: [] as string[] }
    const { managed, inline } = policiesBeyond(role, EKS_WORKER_MINIMUM)
    return { arn, known: true, beyondMinimum: [...managed, ...inline.map((n) => `inline ${n}`)] }
  })
  const overMinimum = nodeRoles.filter((r) => r.beyondMinimum.length > 0)
  const id = identityOf(graph, w)
  const own = id.kind === 'NODE' ? 'has no IRSA or Pod Identity role' : `also has its ${id.kind === 'IRSA' ? 'IRSA' : 'Pod Identity'} role, which does not stop it`
  const roles =
    overMinimum.length > 0
      ? `: node role ${overMinimum.map((r) => `${r.arn} (beyond the EKS worker minimum: ${r.beyondMinimum.join(', ')})`).join('; ')}`
      : nodeRoles.length > 0
        ? ` (node role ${nodeRoles.map((r) => r.arn).join(', ')}${nodeRoles.some((r) => !r.known) ? ', not in the IAM inventory' : ', EKS worker minimum only'})`
        : ' (node role unknown: give the aws-auth ConfigMap and IAM inventory to judge it)'
  return {
    severity: overMinimum.length > 0 ? 'high' : 'medium',
    message: `${w.kind} ${w.namespace}/${w.name} uses hostNetwork and ${own}: it reaches node IMDS credentials regardless of the hop limit and NetworkPolicy${roles}.`,
    resources: [workloadRef(w)],
    evidence: { hostNetwork: true, identity: id.kind, nodeRoles },
    key: `${w.cluster}/${w.namespace}/${w.kind}/${w.name}`,
  }
}
