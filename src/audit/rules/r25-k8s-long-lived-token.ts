import type { FindingDraft, Rule } from '../finding.js'
import { saRef, workloadRef } from '../refs.js'
import { STS_AUDIENCE } from '../../model/aws-names.js'

const MAX = 86_400
const ANNOTATION = 'eks.amazonaws.com/token-expiration'

export const r25: Rule = {
  meta: {
    ref: 'R25',
    id: 'IRSA-K8S-005',
    title: 'Long-lived workload token',
    severity: 'medium',
    layer: 'K8s',
    rationale: 'Projected tokens valid for more than a day, and legacy non-expiring service-account token Secrets, give a stolen token a long shelf life against STS and the API server.',
    remediation: 'Keep token expiration at or below 86400 seconds (the webhook default) and delete legacy kubernetes.io/service-account-token Secrets of AWS-bound service accounts.',
    mappings: { nhi: ['NHI7'], csf: ['PR.AA-04'], zt: ['ZT3'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const sa of graph.serviceAccounts) {
      const v = sa.obj?.annotations[ANNOTATION]
      if (v !== undefined && Number(v) > MAX) {
        out.push({ severity: 'medium', message: `${sa.namespace}/${sa.name} sets ${ANNOTATION}: ${v} (> ${MAX}).`, resources: [saRef(sa)], evidence: { annotation: ANNOTATION, value: Number(v) }, key: `${sa.cluster}/${sa.namespace}/${sa.name}|annotation` })
      }
    }
    for (const w of graph.inventory.k8s.workloads) {
      const v = w.annotations[ANNOTATION]
      if (v !== undefined && Number(v) > MAX && w.kind === 'Pod') {
        out.push({ severity: 'medium', message: `${w.kind} ${w.namespace}/${w.name} sets ${ANNOTATION}: ${v} (> ${MAX}).`, resources: [workloadRef(w)], evidence: { annotation: ANNOTATION, value: Number(v) }, key: `${w.cluster}/${w.namespace}/${w.kind}/${w.name}|annotation` })
      }
      for (const t of w.pod.projectedTokens) {
        if (t.expirationSeconds === undefined || t.expirationSeconds <= MAX) continue
        out.push({
          severity: 'medium',
          message: `${w.kind} ${w.namespace}/${w.name} projects a service-account token (audience ${t.audience ?? 'API server'}) valid for ${t.expirationSeconds} s${t.audience === STS_AUDIENCE ? ', usable against STS' : ''}.`,
          resources: [workloadRef(w)],
          evidence: { volume: t.volume, audience: t.audience ?? null, expirationSeconds: t.expirationSeconds },
          key: `${w.cluster}/${w.namespace}/${w.kind}/${w.name}|${t.volume}`,
        })
      }
    }
    for (const d of graph.inventory.k8s.data) {
      if (d.kind !== 'Secret' || d.type !== 'kubernetes.io/service-account-token') continue
      const saName = d.annotations['kubernetes.io/service-account.name']
      const sa = saName === undefined ? undefined : graph.saByKey.get(`${d.cluster}/${d.namespace}/${saName}`)
      if (sa?.roleArn === undefined) continue
      out.push({
        severity: 'medium',
        message: `Secret ${d.namespace}/${d.name} is a non-expiring token for AWS-bound ${sa.namespace}/${sa.name}.`,
        resources: [{ kind: 'Secret', cluster: d.cluster, namespace: d.namespace, name: d.name, file: d.source.file }, saRef(sa)],
        evidence: { type: d.type, serviceAccount: saName },
        key: `${d.cluster}/${d.namespace}/${d.name}|secret`,
      })
    }
    return out
  },
}
