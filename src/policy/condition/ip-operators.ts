/**
 * IpAddress / NotIpAddress: IPv4 and IPv6 CIDR ranges (a bare address is a /32 or /128).
 * An address of one family never falls in a range of the other. No variables.
 */
import ipaddr from 'ipaddr.js'
import type { OperatorSpec } from './operator.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6

function parseAddress(v: string): Address | undefined {
  const s = v.trim()
  return ipaddr.isValid(s) ? ipaddr.parse(s) : undefined
}

/** Parse `addr` or `addr/len`; undefined when malformed. */
export function parseCidr(v: string): [Address, number] | undefined {
  const s = v.trim()
  if (s.includes('/')) {
    try {
      return ipaddr.parseCIDR(s)
    } catch {
      return undefined
    }
  }
  const a = parseAddress(s)
  return a === undefined ? undefined : [a, a.kind() === 'ipv4' ? 32 : 128]
}

function ipOp(negated: boolean): OperatorSpec<Address> {
  return {
    negated,
    variables: false,
    parseRequest: parseAddress,
    compileValue(value) {
      const range = parseCidr(value)
      if (range === undefined) return undefined
      const [net, bits] = range
      return (v) => v.kind() === net.kind() && (v as ipaddr.IPv4).match(net as ipaddr.IPv4, bits)
    },
  }
}

export const IP_OPERATORS = {
  IpAddress: ipOp(false),
  NotIpAddress: ipOp(true),
} as const
