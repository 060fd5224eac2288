import type { FindingDraft, ResourceRef, Rule } from '../finding.js'
import { workloadRef } from '../refs.js'

const KEY_ID = /\b((?:AKIA|ASIA)[A-Z0-9]{16})\b/g
const SECRET = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/

export const r26: Rule = {
  meta: {
    ref: 'R26',
    id: 'IRSA-K8S-006',
    title: 'Static AWS keys in workloads',
    severity: 'high',
    layer: 'K8s',
    rationale: 'Access keys in pod env, Secrets or ConfigMaps are long-lived secrets that bypass IRSA: anyone who can read the object or exec into the pod holds them, indefinitely.',
    remediation: 'Move the workload to IRSA or Pod Identity, rotate and delete the key.',
    mappings: { nhi: ['NHI2', 'NHI7', 'NHI4'], csf: ['PR.AA-01'], zt: ['ZT6'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    const scan = (text: string): string[] => [...text.matchAll(KEY_ID)].map((m) => m[1] as string)
    const push = (res: ResourceRef, where: string[], keyIds: string[], paired: boolean): void => {
      out.push({
        severity: 'high',
        message: `${res.kind} ${res.namespace ?? ''}/${res.name} holds static AWS credentials (${where.join(', ')})${keyIds.length > 0 ? `: key ${[...new Set(keyIds)].join(', ')}` : ''}.`,
        resources: [res],
        evidence: { locations: where, accessKeyIds: [...new Set(keyIds)], secretPaired: paired },
        key: `${res.cluster ?? ''}/${res.namespace ?? ''}/${res.kind}/${res.name}|${[...where].sort().join(',')}`,
      })
    }
    for (const w of graph.inventory.k8s.workloads) {
      const where: string[] = []
      const ids: string[] = []
      let paired = false
      for (const c of w.pod.containers) {
        for (const e of c.env) {
          if (e.name === 'AWS_ACCESS_KEY_ID' || e.name === 'AWS_SECRET_ACCESS_KEY') where.push(`${c.name}.env.${e.name}`)
          else if (e.value !== undefined && scan(e.value).length > 0) where.push(`${c.name}.env.${e.name}`)
          if (e.value !== undefined) ids.push(...scan(e.value))
          if (e.name === 'AWS_SECRET_ACCESS_KEY') paired = true
        }
      }
      if (where.length > 0) push(workloadRef(w), [...new Set(where)], ids, paired)
    }
    for (const d of graph.inventory.k8s.data) {
      const where: string[] = []
      const ids: string[] = []
      let paired = false
      for (const [k, v] of Object.entries(d.data)) {
        const found = scan(v)
        if (found.length > 0 || /^aws_(access_key_id|secret_access_key)$/i.test(k)) where.push(k)
        ids.push(...found)
        if (found.length > 0 && SECRET.test(v.replace(KEY_ID, ''))) paired = true
        if (/^aws_secret_access_key$/i.test(k)) paired = true
      }
      if (where.length > 0) push({ kind: d.kind, cluster: d.cluster, namespace: d.namespace, name: d.name, file: d.source.file }, where, ids, paired)
    }
    return out
  },
}
