/**
 * The webhook's log: one JSON object per line on stdout, stamped with the time. An admission
 * decision is logged as its outcome (namespace, service account, mode, role, patch size, error
 * code), never the pod or the request.
 */
import type { AdmissionDecision } from './plugin.js'

export type LogLine = (line: Record<string, unknown>) => void

export const stdoutLog: LogLine = (line) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`)
}

export function decisionLine(d: AdmissionDecision): Record<string, unknown> {
  const identity = d.mutation?.identity
  return {
    msg: 'admission',
    uid: d.uid,
    namespace: d.namespace,
    serviceAccount: d.serviceAccount,
    allowed: d.allowed,
    ...(identity === undefined ? {} : { mode: identity.mode }),
    ...(identity?.mode === 'web-identity' ? { roleArn: identity.roleArn } : {}),
    ...(identity?.mode === 'none' ? { reason: identity.reason } : {}),
    ...(d.mutation === undefined ? {} : { ops: d.mutation.patch.length }),
    ...(d.code === undefined ? {} : { code: d.code, message: d.message }),
  }
}
