/** Where the views link to: pages of the running dashboard, or anchors inside a self-contained report. */
export interface Links {
  readonly mode: 'server' | 'report'
  /** The detail of a role, by ARN and name. */
  role(arn: string, name: string): string
}

export const UI_BASE = '/ui'

/** An HTML id for a role's section in a report. */
export function roleAnchor(name: string): string {
  return `role-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`
}

export const serverLinks: Links = { mode: 'server', role: (_arn, name) => `${UI_BASE}/roles/${encodeURIComponent(name)}` }
export const reportLinks: Links = { mode: 'report', role: (_arn, name) => `#${roleAnchor(name)}` }
