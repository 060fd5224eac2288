/**
 * Whether Kubernetes NetworkPolicy lets a pod send traffic to the instance metadata service
 * (169.254.169.254). A pod is isolated for egress when a policy of its namespace selects it and has
 * the Egress type (given, or implied by egress rules); it may then reach only what some selecting
 * policy's egress rules allow: a rule without `to` allows everything, an `ipBlock` allows its CIDR
 * minus its `except` entries; pod and namespace selectors never select IMDS. Ports are not
 * considered (a rule allowing some port to IMDS counts as reaching it). Selectors are read from
 * `matchLabels` only.
 */
import ipaddr from 'ipaddr.js'
import type { NetworkPolicyObj, WorkloadObj } from '../model.js'

export const IMDS_IPV4 = '169.254.169.254'

export type ImdsEgress =
  /** No NetworkPolicy isolates the pod for egress. */
  | 'no-policy'
  /** Isolated, and some selecting policy allows egress to IMDS. */
  | 'allowed'
  /** Isolated, and no selecting policy allows egress to IMDS. */
  | 'denied'

export function imdsEgress(policies: readonly NetworkPolicyObj[], w: WorkloadObj): ImdsEgress {
  const selecting = policies.filter((p) => p.cluster === w.cluster && p.namespace === w.namespace && isEgress(p) && selects(p, w))
  if (selecting.length === 0) return 'no-policy'
  return selecting.some(allowsImds) ? 'allowed' : 'denied'
}

function isEgress(p: NetworkPolicyObj): boolean {
  return p.policyTypes.length > 0 ? p.policyTypes.includes('Egress') : p.hasEgressRules
}

function selects(p: NetworkPolicyObj, w: WorkloadObj): boolean {
  return Object.entries(p.podSelector).every(([k, v]) => w.podLabels[k] === v)
}

function allowsImds(p: NetworkPolicyObj): boolean {
  return p.egressAllowAll || p.egressIpBlocks.some((b) => inCidr(b.cidr) && !b.except.some(inCidr))
}

const IMDS = ipaddr.parse(IMDS_IPV4)

function inCidr(cidr: string): boolean {
  try {
    const [net, bits] = ipaddr.parseCIDR(cidr)
    return net.kind() === 'ipv4' && IMDS.match(net, bits)
  } catch {
    return false
  }
}
