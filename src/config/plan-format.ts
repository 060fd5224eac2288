/**
 * A plan for people and for programs (`irsa apply --dry-run`). Text: one line per step, its sign
 * saying what it does (`+` adds, `~` changes, `-` removes), e.g. `+ create role payments-reader`,
 * `~ update trust of role payments-reader`, `- detach arn:… from role payments-reader`, then a
 * summary line. JSON: the stable `irsa-plan/v1` document, each step with `kind`, `resource`, `name`,
 * `before` and `after` (null when there is none) and the fields that locate it.
 */
import type { Tag } from '../model/iam.js'
import type { ApplyStatus } from './apply.js'
import type { Plan, PlanStep, RoleStep } from './plan.js'
import { plannedItems } from './plan-items.js'

export const PLAN_SCHEMA = 'irsa-plan/v1'

export interface PlanSummary {
  /** Declared objects the plan creates, changes, or leaves as they are. */
  readonly create: number
  readonly update: number
  readonly unchanged: number
}

export interface PlanDocument {
  readonly schema: typeof PLAN_SCHEMA
  readonly steps: readonly PlanStep[]
  readonly summary: PlanSummary
}

export function planSummary(p: Plan): PlanSummary {
  const items = plannedItems(p)
  const count = (s: ApplyStatus): number => items.filter((i) => i.status === s).length
  return { create: count('created'), update: count('updated'), unchanged: count('unchanged') }
}

export function planDocument(p: Plan): PlanDocument {
  return { schema: PLAN_SCHEMA, steps: p.steps, summary: planSummary(p) }
}

const SIGN: Readonly<Record<PlanStep['kind'], string>> = { create: '+', add: '+', tag: '+', attach: '+', update: '~', remove: '-', untag: '-', detach: '-', delete: '-' }

const tagList = (tags: readonly Tag[]): string => tags.map((t) => `${t.Key}=${t.Value}`).join(', ')
const orNone = (v: string | null): string => v ?? 'none'

/** One step as a line. */
export function formatStep(s: PlanStep): string {
  return `${SIGN[s.kind]} ${describe(s)}`
}

function describe(s: PlanStep): string {
  switch (s.resource) {
    case 'provider':
      if (s.kind === 'create') return `create provider ${s.name} (client IDs ${s.after.clientIds.join(', ') || 'none'})`
      if (s.kind === 'add') return `add client ID ${s.after} to provider ${s.name}`
      if (s.kind === 'remove') return `remove client ID ${s.before} from provider ${s.name}`
      return `update thumbprints of provider ${s.name}: ${s.before.join(', ') || 'none'} → ${s.after.join(', ') || 'none'}`
    case 'policy':
      return s.kind === 'create' ? `create policy ${s.name} (${s.arn})` : `update document of policy ${s.name} (new default version)`
    case 'role':
      return describeRoleStep(s)
    case 'inlinePolicy':
      return `${s.kind} inline policy ${s.name} of role ${s.role}`
    case 'binding':
      if (s.kind === 'create') return `create binding ${s.name} → ${s.after.roleArn}`
      if (s.kind === 'update') return `update binding ${s.name}: ${s.before.roleArn} → ${s.after.roleArn}`
      return `delete binding ${s.name} (was ${s.before.roleArn}; no longer listed)`
    case 'podIdentityAssociation':
      if (s.kind === 'create') return `create pod identity association ${s.name} → ${s.after.roleArn}`
      return `update pod identity association ${s.name} (${s.associationId}): ${s.before.roleArn} → ${s.after.roleArn}`
  }
}

function settingsChange(before: { description: string | null; maxSessionDuration: number }, after: { description: string | null; maxSessionDuration: number }): string {
  const parts: string[] = []
  if ((before.description ?? '') !== (after.description ?? '')) parts.push(`description ${JSON.stringify(before.description ?? '')} → ${JSON.stringify(after.description ?? '')}`)
  if (before.maxSessionDuration !== after.maxSessionDuration) parts.push(`maxSessionDuration ${before.maxSessionDuration} → ${after.maxSessionDuration}`)
  return parts.join(', ')
}

/** The plan as text: one line per step, then a summary. */
export function formatPlan(p: Plan): string[] {
  const s = planSummary(p)
  if (p.steps.length === 0) return [`No changes: ${s.unchanged} object${s.unchanged === 1 ? '' : 's'} already as the config says.`]
  return [...p.steps.map(formatStep), `Plan: ${p.steps.length} step${p.steps.length === 1 ? '' : 's'}; ${s.create} to create, ${s.update} to update, ${s.unchanged} unchanged.`]
}

function describeRoleStep(s: RoleStep): string {
  switch (s.kind) {
    case 'create':
      return `create role ${s.name} (${s.arn})`
    case 'update':
      if (s.attribute === 'trust') return `update trust of role ${s.name}`
      if (s.attribute === 'permissionsBoundary') return `update permissions boundary of role ${s.name}: ${orNone(s.before)} → ${orNone(s.after)}`
      return `update settings of role ${s.name}: ${settingsChange(s.before, s.after)}`
    case 'untag':
      return `untag role ${s.name}: ${tagList(s.before)}`
    case 'tag':
      return `tag role ${s.name}: ${tagList(s.after)}`
    case 'attach':
      return `attach ${s.after} to role ${s.name}`
    case 'detach':
      return `detach ${s.before} from role ${s.name}`
  }
}
