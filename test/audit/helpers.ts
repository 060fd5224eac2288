import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { runAudit } from '../../src/audit/audit.js'
import type { AuditOptions, AuditResult } from '../../src/audit/audit.js'
import { buildGraph } from '../../src/audit/graph.js'
import type { AuditGraph } from '../../src/audit/graph.js'
import { loadFiles } from '../../src/audit/load/files.js'
import type { Inventory } from '../../src/audit/model.js'
import type { AuditIo } from '../../src/cli/audit.js'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
export const ESTATE = join(FIXTURES, 'estate')
export const NOW = new Date('2025-06-01T00:00:00Z')
export const ACCT = '111122223333'
export const arn = (name: string): string => `arn:aws:iam::${ACCT}:role/${name}`

export const ESTATE_FLAGS = {
  kubernetes: [join(ESTATE, 'k8s')],
  iam: [join(ESTATE, 'aws/authorization-details.json')],
  eksCluster: [join(ESTATE, 'aws/eks-cluster.json')],
  oidcProviders: [join(ESTATE, 'aws/oidc-providers.json')],
}

export async function loadEstate(): Promise<Inventory> {
  return loadFiles({ kubernetes: ESTATE_FLAGS.kubernetes, iam: ESTATE_FLAGS.iam, eksClusters: ESTATE_FLAGS.eksCluster, oidcProviders: ESTATE_FLAGS.oidcProviders })
}

export async function auditEstate(options: Partial<AuditOptions> = {}): Promise<{ result: AuditResult; graph: AuditGraph }> {
  const graph = buildGraph(await loadEstate())
  return { graph, result: runAudit(graph, { now: NOW, ...options }) }
}

export function memoryIo(files: Record<string, string> = {}): AuditIo & { out: string; err: string; written: Record<string, string> } {
  const io = {
    out: '',
    err: '',
    written: {} as Record<string, string>,
    isTTY: false,
    now: () => NOW,
    stdout(s: string) {
      io.out += s
    },
    stderr(s: string) {
      io.err += s
    },
    writeFile(p: string, t: string) {
      io.written[p] = t
      return Promise.resolve()
    },
    readFile(p: string) {
      const t = files[p] ?? io.written[p]
      if (t !== undefined) return Promise.resolve(t)
      try {
        return Promise.resolve(readFileSync(p, 'utf8'))
      } catch (e) {
        return Promise.reject(e as Error)
      }
    },
  }
  return io
}
