/**
 * What a plan does to each object the config declares, in the shape of the apply report: created
 * (the plan creates the object itself), updated (any other step touches it) or unchanged, with one
 * short label per change (`trust policy`, `+inline read`, `-tag team`, `role A → B`).
 */
import type { ApplyItem, ApplyReport, ApplyStatus } from './apply.js'
import type { Plan, PlanObject, PlanStep, RoleStep } from './plan.js'

/** The report object a step belongs to: an inline policy's is its role. */
export function objectKey(o: PlanObject | PlanStep): string {
  if (!('resource' in o)) return `${o.kind}\0${o.name}`
  return o.resource === 'inlinePolicy' ? `role\0${o.role}` : `${o.resource}\0${o.name}`
}

/** The report's change labels for one step. */
export function changeLabels(s: PlanStep): string[] {
  switch (s.resource) {
    case 'provider':
      if (s.kind === 'add') return [`+clientId ${s.after}`]
      if (s.kind === 'remove') return [`-clientId ${s.before}`]
      return s.kind === 'update' ? ['thumbprints'] : []
    case 'policy':
      return s.kind === 'update' ? ['document (new default version)'] : []
    case 'role':
      return roleLabels(s)
    case 'inlinePolicy':
      return [`${s.kind === 'create' ? '+' : s.kind === 'update' ? '~' : '-'}inline ${s.name}`]
    case 'binding':
    case 'podIdentityAssociation':
      if (s.kind === 'update') return [`role ${s.before.roleArn} → ${s.after.roleArn}`]
      return s.kind === 'delete' ? ['removed (no longer listed)'] : []
  }
}

function roleLabels(s: RoleStep): string[] {
  switch (s.kind) {
    case 'create':
      return []
    case 'update':
      if (s.attribute === 'trust') return ['trust policy']
      if (s.attribute === 'permissionsBoundary') return [s.after === null ? '-permissionsBoundary' : `permissionsBoundary ${s.after}`]
      return [
        ...((s.before.description ?? '') !== (s.after.description ?? '') ? ['description'] : []),
        ...(s.before.maxSessionDuration !== s.after.maxSessionDuration ? [`maxSessionDuration ${s.before.maxSessionDuration} → ${s.after.maxSessionDuration}`] : []),
      ]
    case 'untag':
      return s.before.map((t) => `-tag ${t.Key}`)
    case 'tag':
      return s.after.map((t) => `+tag ${t.Key}`)
    case 'attach':
      return [`+managed ${s.after}`]
    case 'detach':
      return [`-managed ${s.before}`]
  }
}

/** Each declared object's planned outcome; `created` overrides the changes of a created object (e.g. the new association's id). */
export function plannedItems(p: Plan, created: ReadonlyMap<string, readonly string[]> = new Map()): ApplyItem[] {
  const byObject = new Map<string, PlanStep[]>()
  for (const s of p.steps) {
    const k = objectKey(s)
    byObject.set(k, [...(byObject.get(k) ?? []), s])
  }
  return p.objects.map((o) => {
    const key = objectKey(o)
    const steps = byObject.get(key) ?? []
    const status: ApplyStatus = steps.some((s) => s.resource === o.kind && s.kind === 'create') ? 'created' : steps.length > 0 ? 'updated' : 'unchanged'
    const changes = status === 'created' ? (created.get(key) ?? []) : steps.flatMap(changeLabels)
    return { kind: o.kind, name: o.name, arn: o.arn, status, changes }
  })
}

/** The report: items and their counts. */
export function reportOf(items: readonly ApplyItem[]): ApplyReport {
  const count = (s: ApplyStatus): number => items.filter((i) => i.status === s).length
  return { items, created: count('created'), updated: count('updated'), unchanged: count('unchanged') }
}
