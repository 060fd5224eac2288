/** The rule catalogue, in catalogue order (rule ids R01…). One file per rule; this list is the only registry. */
import type { BindingEffect, Rule } from '../finding.js'
import { r01 } from './r01-trust-no-sub.js'
import { r02 } from './r02-trust-no-aud.js'
import { r03 } from './r03-trust-wildcard-sub.js'
import { r04 } from './r04-trust-grammar.js'
import { r05 } from './r05-trust-key-mismatch.js'
import { r06 } from './r06-trust-multi-issuer.js'
import { r07 } from './r07-trust-missing-provider.js'
import { r08 } from './r08-trust-other-principals.js'
import { r09 } from './r09-oidc-stale.js'
import { r10 } from './r10-oidc-third-party.js'
import { r11 } from './r11-perm-admin.js'
import { r12 } from './r12-perm-privesc.js'
import { r13 } from './r13-perm-role-chaining.js'
import { r14 } from './r14-perm-data-credentials.js'
import { r15 } from './r15-perm-breadth.js'
import { r16 } from './r16-perm-control-plane.js'
import { r17 } from './r17-life-unused.js'
import { r18 } from './r18-life-missing-role.js'
import { r19 } from './r19-life-trust-drift.js'
import { r20 } from './r20-life-unused-sa.js'
import { r21 } from './r21-k8s-default-sa.js'
import { r22 } from './r22-k8s-shared-sa.js'
import { r23 } from './r23-k8s-shared-role.js'
import { r24 } from './r24-k8s-automount.js'
import { r25 } from './r25-k8s-long-lived-token.js'
import { r26 } from './r26-k8s-static-keys.js'
import { r27 } from './r27-node-imds.js'
import { r28 } from './r28-node-role.js'
import { r29 } from './r29-podid-unscoped.js'
import { r30 } from './r30-podid-abac.js'
import { r31 } from './r31-xl-hidden-assumers.js'
import { r32 } from './r32-xl-rbac-reach.js'
import { r33 } from './r33-xl-claimable-subject.js'
import { r34 } from './r34-xl-exposed-workload.js'
import { r35 } from './r35-xl-token-harvest.js'
import { r36 } from './r36-gov-ownership.js'

export const RULES: readonly Rule[] = [
  r01, r02, r03, r04, r05, r06, r07, r08, r09, r10, r11, r12, r13, r14, r15, r16, r17, r18,
  r19, r20, r21, r22, r23, r24, r25, r26, r27, r28, r29, r30, r31, r32, r33, r34, r35, r36,
]

const BY_ID = new Map(RULES.map((r) => [r.meta.id, r.meta]))

/** What findings of a rule mean for bindings (its `bindingEffect`), by rule id. */
export function bindingEffectOf(ruleId: string): BindingEffect | undefined {
  return BY_ID.get(ruleId)?.bindingEffect
}
