/**
 * One page of a policy simulation: the results at positions [from, to) of the action × resource
 * product (action-major, in the order the request gave them), computed on demand. Nothing outside
 * the page is evaluated, every policy is compiled before (once per request), each source document is
 * parsed for statement positions at most once, and the work yields to the event loop between results
 * (`LoopBudget`), so a large simulation never holds the server.
 */
import { AwsError } from '../../aws/aws-error.js'
import { members } from '../../aws/xml.js'
import type { XmlObject } from '../../aws/xml.js'
import { IrsaError } from '../../errors.js'
import type { CompiledPolicy } from '../../policy/compile.js'
import type { Decision } from '../../policy/decision.js'
import { evaluate } from '../../policy/evaluate.js'
import type { PolicySet } from '../../policy/evaluate.js'
import { findNode, parseJsonDocument } from '../../policy/json.js'
import type { JsonDocument } from '../../policy/json.js'
import type { ContextValue } from '../../policy/request.js'
import { LoopBudget } from '../../core/loop-budget.js'

/** Where a compiled policy came from, as `MatchedStatements` reports it. */
export interface SimulationSource {
  readonly id: string
  readonly type: 'role' | 'aws-managed' | 'user-managed' | 'resource' | 'none'
  readonly text: string
}

/**
 * The policies of one simulation, named by their position so a decision's statements lead back to
 * their source; statement positions are computed once per (policy, statement).
 */
export class SimulationSources {
  private readonly sources = new Map<string, { source: SimulationSource; doc: JsonDocument | undefined }>()
  private readonly positions = new Map<string, XmlObject>()

  /** Register a compiled policy (its `name` is replaced); `doc` is the parsed text if already at hand. */
  add(compiled: CompiledPolicy, source: SimulationSource, doc?: JsonDocument): CompiledPolicy {
    const name = `${this.sources.size}`
    this.sources.set(name, { source, doc })
    return { ...compiled, name }
  }

  /** `StatementType`: the source and the start and end of the statement in its document. */
  matched(policy: string, index: number): XmlObject {
    const key = `${policy}\u0000${index}`
    let out = this.positions.get(key)
    if (out === undefined) {
      out = this.locate(policy, index)
      this.positions.set(key, out)
    }
    return out
  }

  private locate(policy: string, index: number): XmlObject {
    const entry = this.sources.get(policy)
    if (entry === undefined) return {}
    entry.doc ??= parseJsonDocument(entry.source.text)
    const doc = entry.doc
    const node = doc.root === undefined ? undefined : (findNode(doc.root, `/Statement/${index}`) ?? findNode(doc.root, '/Statement'))
    const pos = (offset: number): XmlObject => {
      const p = doc.lines.position(offset)
      return { Line: p.line, Column: p.column }
    }
    return {
      SourcePolicyId: entry.source.id,
      SourcePolicyType: entry.source.type,
      StartPosition: node === undefined ? undefined : pos(node.offset),
      EndPosition: node === undefined ? undefined : pos(node.offset + node.length),
    }
  }
}

export interface Simulation {
  readonly principal: string
  readonly policies: PolicySet
  readonly sources: SimulationSources
  readonly actions: readonly string[]
  readonly resources: readonly string[]
  readonly context: Readonly<Record<string, ContextValue>>
}

const DECISIONS: Readonly<Record<Decision['decision'], string>> = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' }

/** The number of results the whole simulation has (its pages together). */
export function simulationSize(sim: Simulation): number {
  return sim.actions.length * sim.resources.length
}

/** The `EvaluationResult`s at positions [from, to) of the product, yielding to the event loop as it goes. */
export async function simulatePage(sim: Simulation, from: number, to: number, budget: LoopBudget = new LoopBudget()): Promise<XmlObject[]> {
  const { policies } = sim
  const all = [...(policies.identity ?? []), ...(policies.boundary ?? []), ...(policies.resource ?? [])]
  const missing = new Map<string, string[]>()
  const out: XmlObject[] = []
  for (let i = from; i < to; i++) {
    await budget.pause()
    const action = sim.actions[Math.floor(i / sim.resources.length)] as string
    const resource = sim.resources[i % sim.resources.length] as string
    let d: Decision
    try {
      d = evaluate({ principal: sim.principal, action, resource, context: sim.context }, policies)
    } catch (e) {
      if (e instanceof IrsaError) throw new AwsError('InvalidInput', e.message)
      throw e
    }
    let absent = missing.get(action)
    if (absent === undefined) {
      absent = missingContext(all, action, sim.context)
      missing.set(action, absent)
    }
    out.push({
      EvalActionName: action,
      EvalResourceName: resource,
      EvalDecision: DECISIONS[d.decision],
      MatchedStatements: members(d.decision === 'ImplicitDeny' ? [] : d.statements.map((s) => sim.sources.matched(s.policy, s.index))),
      MissingContextValues: members(absent),
      PermissionsBoundaryDecisionDetail:
        policies.boundary === undefined
          ? undefined
          : { AllowedByPermissionsBoundary: d.reason !== 'boundary-not-allowed' && !d.statements.some((s) => s.kind === 'boundary' && s.effect === 'Deny') },
    })
  }
  return out
}

/** Condition keys used by statements for this action that the caller supplied no value for. */
function missingContext(policies: readonly CompiledPolicy[], action: string, context: Readonly<Record<string, ContextValue>>): string[] {
  const supplied = new Set(Object.keys(context).map((k) => k.toLowerCase()))
  const lower = action.toLowerCase()
  const out = new Map<string, string>()
  for (const p of policies) {
    for (const st of p.statements) {
      const applies = st.actions !== undefined ? st.actions.some((m) => m.test(lower)) : !(st.notActions ?? []).some((m) => m.test(lower))
      if (!applies) continue
      for (const c of st.conditions) if (!supplied.has(c.lowerKey) && !out.has(c.lowerKey)) out.set(c.lowerKey, c.key)
    }
  }
  return [...out.values()]
}
