/**
 * Perform a plan's steps, in order, through a target, and report each declared object's outcome
 * exactly as the plan describes it. The bindings a plan creates or updates go in one call, and
 * those it removes in another, as the bindings endpoint takes them. On the Store the caller wraps
 * this in one transaction; remotely each step is one API call, and the server validates it again.
 */
import type { ApplyReport, StateWriter } from './apply.js'
import type { BindingStep, Plan, PlanStep, RoleStep } from './plan.js'
import { objectKey, plannedItems, reportOf } from './plan-items.js'

export async function execute(p: Plan, t: StateWriter): Promise<ApplyReport> {
  const created = new Map<string, readonly string[]>()
  const steps = p.steps
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i] as PlanStep
    if (s.resource === 'binding') {
      const batch: BindingStep[] = []
      while (i < steps.length && steps[i]?.resource === 'binding' && (steps[i]?.kind === 'delete') === (s.kind === 'delete')) batch.push(steps[i++] as BindingStep)
      i--
      if (s.kind === 'delete') await t.deleteBindings(batch.map((b) => ({ namespace: b.namespace, serviceAccount: b.serviceAccount })))
      else await t.putBindings(batch.flatMap((b) => (b.after === null ? [] : [{ namespace: b.namespace, serviceAccount: b.serviceAccount, roleArn: b.after.roleArn, audience: b.after.audience ?? undefined }])))
      continue
    }
    const id = await perform(s, t)
    if (id !== undefined) created.set(objectKey(s), [id])
  }
  return reportOf(plannedItems(p, created))
}

/** One step; returns the id of a created Pod Identity association. */
async function perform(s: Exclude<PlanStep, BindingStep>, t: StateWriter): Promise<string | undefined> {
  switch (s.resource) {
    case 'provider':
      if (s.kind === 'create') await t.createProvider(s.after.url, s.after.clientIds, s.after.thumbprints)
      else if (s.kind === 'add') await t.addClientId(s.arn, s.after)
      else if (s.kind === 'remove') await t.removeClientId(s.arn, s.before)
      else await t.setThumbprints(s.arn, s.after)
      return undefined
    case 'policy':
      if (s.kind === 'create') await t.createPolicy(s.name, s.after.path, s.after.document)
      else await t.setPolicyDocument(s.arn, s.after)
      return undefined
    case 'role':
      await performRoleStep(s, t)
      return undefined
    case 'inlinePolicy':
      if (s.kind === 'delete') await t.deleteInlinePolicy(s.role, s.name)
      else await t.putInlinePolicy(s.role, s.name, s.after)
      return undefined
    case 'podIdentityAssociation':
      if (s.kind === 'create') return t.createPodIdentityAssociation(s.cluster, { namespace: s.namespace, serviceAccount: s.serviceAccount, roleArn: s.after.roleArn, tags: s.after.tags })
      await t.updatePodIdentityAssociation(s.cluster, s.associationId, s.after.roleArn)
      return undefined
  }
}

async function performRoleStep(s: RoleStep, t: StateWriter): Promise<void> {
  switch (s.kind) {
    case 'create': {
      const a = s.after
      await t.createRole({ name: s.name, path: a.path, trust: a.trust, description: a.description ?? undefined, maxSessionDuration: a.maxSessionDuration, permissionsBoundaryArn: a.permissionsBoundaryArn ?? undefined, tags: a.tags })
      return
    }
    case 'update':
      if (s.attribute === 'trust') await t.updateTrust(s.name, s.after)
      else if (s.attribute === 'settings') await t.updateRole(s.name, s.after.description ?? undefined, s.after.maxSessionDuration)
      else await t.setBoundary(s.name, s.after ?? undefined)
      return
    case 'untag':
      await t.untagRole(s.name, s.before.map((x) => x.Key))
      return
    case 'tag':
      await t.tagRole(s.name, s.after)
      return
    case 'attach':
      await t.attachPolicy(s.name, s.after)
      return
    case 'detach':
      await t.detachPolicy(s.name, s.before)
      return
  }
}
