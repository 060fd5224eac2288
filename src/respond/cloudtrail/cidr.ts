/**
 * CIDR ranges for `--cluster-cidrs` and `--source-ip`, with the policy engine's parser (IPv4 and
 * IPv6; a bare address is a /32 or /128). CloudTrail's `sourceIPAddress` is not always an address:
 * for calls an AWS service makes on a caller's behalf it is the service's name
 * (`eks-auth.amazonaws.com`) or `AWS Internal`, and those are never "in" or "outside" a range. Pure.
 */
import ipaddr from 'ipaddr.js'
import { IrsaError } from '../../errors.js'
import { parseCidr } from '../../policy/condition/ip-operators.js'

export interface CidrRange {
  readonly text: string
  readonly net: ipaddr.IPv4 | ipaddr.IPv6
  readonly bits: number
}

/** Parse a list of CIDR ranges (a usage error, naming the flag, on a bad one). */
export function parseCidrs(values: readonly string[], flag: string): CidrRange[] {
  return values.map((text) => {
    const r = parseCidr(text)
    if (r === undefined) throw new IrsaError('ERR_CLI_USAGE', `${flag}: ${JSON.stringify(text)} is not a CIDR range (e.g. 10.0.0.0/16)`)
    return { text: text.trim(), net: r[0], bits: r[1] }
  })
}

/** The address, or undefined when `sourceIPAddress` names a service rather than an address. */
export function ipOf(sourceIPAddress: string | undefined): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (sourceIPAddress === undefined || !ipaddr.isValid(sourceIPAddress)) return undefined
  const a = ipaddr.parse(sourceIPAddress)
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a
}

export function inRanges(address: ipaddr.IPv4 | ipaddr.IPv6, ranges: readonly CidrRange[]): boolean {
  return ranges.some((r) => address.kind() === r.net.kind() && (address as ipaddr.IPv4).match(r.net as ipaddr.IPv4, r.bits))
}
