import type { FindingDraft, Rule } from '../finding.js'
import { roleRef } from '../refs.js'

export const r17: Rule = {
  meta: {
    ref: 'R17',
    id: 'IRSA-LIFE-001',
    title: 'Unused workload role',
    severity: 'low',
    layer: 'IAM',
    rationale: 'A workload role not used for months is an identity nobody owns any more; its trust still admits subjects that can be re-created.',
    remediation: 'Confirm the workload is gone, then delete the role (and its annotation); otherwise record an owner.',
    mappings: { nhi: ['NHI1'], csf: ['ID.AM-08', 'PR.AA-01'], zt: ['ZT7'] },
  },
  check({ graph, options }) {
    const out: FindingDraft[] = []
    const day = 86_400_000
    const now = options.now.getTime()
    for (const role of graph.roles) {
      if (!role.workload) continue
      const last = role.obj.lastUsedDate === undefined ? undefined : Date.parse(role.obj.lastUsedDate)
      const created = role.obj.createDate === undefined ? undefined : Date.parse(role.obj.createDate)
      let days: number | undefined
      let never = false
      if (last !== undefined && !Number.isNaN(last)) days = Math.floor((now - last) / day)
      else if (created !== undefined && !Number.isNaN(created)) {
        days = Math.floor((now - created) / day)
        never = true
      }
      if (days === undefined || days <= options.unusedDays) continue
      const privileged = role.perms.tier === 'P0' || role.perms.tier === 'P1'
      out.push({
        severity: privileged ? 'medium' : 'low',
        message: never
          ? `Workload role ${role.obj.arn} has no recorded use (the 400-day window) and was created ${days} days ago.`
          : `Workload role ${role.obj.arn} was last used ${days} days ago (threshold ${options.unusedDays}).`,
        resources: [roleRef(role)],
        evidence: { lastUsedDate: role.obj.lastUsedDate ?? null, createDate: role.obj.createDate ?? null, thresholdDays: options.unusedDays, tier: role.perms.tier },
        key: role.obj.arn,
      })
    }
    return out
  },
}
