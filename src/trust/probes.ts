/**
 * The probe subjects of the trust analysis, made in this one place: names nobody would give a real
 * service account, so a trust admits them only through a wildcard or a missing condition. The
 * auditor uses the fixed defaults (stable evidence); the webhook guardrail passes random ones so a
 * policy cannot be written around them.
 */
import { saSubject } from './subject.js'

export interface ProbeNames {
  readonly namespace: string
  readonly serviceAccount: string
  /** An audience no relying party uses: admitted only when `aud` is unconstrained. */
  readonly audience: string
}

export const DEFAULT_PROBE: ProbeNames = { namespace: 'zz-irsa-audit-ns-4f1c', serviceAccount: 'zz-irsa-audit-sa-9b7e', audience: 'zz-irsa-audit-probe-audience' }

/** Any service account of any namespace. */
export function clusterProbe(p: ProbeNames): string {
  return saSubject(p.namespace, p.serviceAccount)
}

/** A given name in a namespace nobody created. */
export function anyNamespaceProbe(p: ProbeNames, name: string): string {
  return saSubject(p.namespace, name)
}

/** A name nobody gave, in a given namespace. */
export function namespaceProbe(p: ProbeNames, namespace: string): string {
  return saSubject(namespace, p.serviceAccount)
}

/** A `sub` pattern with each `*` filled with the probe name and each `?` with `z`: a subject nobody listed. */
export function patternProbe(p: ProbeNames, pattern: string): string {
  let out = ''
  for (const ch of pattern) out += ch === '*' ? p.serviceAccount : ch === '?' ? 'z' : ch
  return out
}
