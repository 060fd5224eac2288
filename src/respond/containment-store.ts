/**
 * Containment records, kept in the store's `settings` table as JSON under `containment/<id>`, with the
 * list of ids under `containment/index` (the Store interface has no prefix listing). No schema change,
 * so every backend (SQLite, PostgreSQL) holds them as it holds any setting, and every replica sees
 * them. Writers call these inside `store.transaction` so the index update is atomic.
 */
import type { PodIdentityAssociation } from '../model/pod-identity-association.js'
import type { Store } from '../store/store.js'

/** What one containment changed, with the text before and after, so an undo restores exactly. */
export interface ContainmentChanges {
  /** The inline policy `AWSRevokeOlderSessions`: `before` undefined when the role had none. */
  readonly revokePolicy: { readonly name: string; readonly before: string | undefined; readonly after: string }
  /** The trust policy, when the containment denied the service account new sessions. */
  readonly trustPolicy?: { readonly before: string; readonly after: string }
  /** The service account's Pod Identity associations removed (`--delete-association`), whole, so an undo recreates them exactly. */
  readonly deletedAssociations?: readonly PodIdentityAssociation[]
}

/** What an undo did to one removed association: recreated as it was, or left alone. */
export type AssociationUndo = 'recreated' | 'exists' | 'role-missing'

export interface ContainmentRecord {
  readonly id: string
  readonly roleArn: string
  readonly account: string
  readonly roleName: string
  /** `system:serviceaccount:NS:NAME` when scoped to one service account. */
  readonly subject?: string
  readonly namespace?: string
  readonly serviceAccount?: string
  readonly reason: string
  /** Who ran it (free text: the operator's user name). */
  readonly actor?: string
  /** Epoch milliseconds. */
  readonly createdAt: number
  /** The `aws:TokenIssueTime` bound (`YYYY-MM-DDTHH:MM:SSZ`): sessions issued before it are refused. */
  readonly issuedBefore: string
  /** The `aws:userid` values (`<role id>:<session name>`) denied, when the containment names sessions. */
  readonly sessions?: readonly string[]
  /** The revocation covers every older session of the role although a service account is named. */
  readonly allSessions?: boolean
  /** The issuer `host/path` prefixes the subject conditions name. */
  readonly providers: readonly { readonly arn: string; readonly host: string }[]
  /** The service account's EKS Pod Identity associations on the server's cluster when contained (whichever role they name). */
  readonly podIdentityAssociations?: readonly PodIdentityAssociation[]
  readonly changes: ContainmentChanges
  /** Epoch milliseconds, once undone. */
  readonly undoneAt?: number
  readonly undoReason?: string
  /** What the undo did to each document: `restored` (exact previous text) or `removed` (our statements only). */
  readonly undo?: {
    readonly revokePolicy: 'restored' | 'removed' | 'absent'
    readonly trustPolicy?: 'restored' | 'removed' | 'absent'
    /**
     * Per removed association id: `recreated` (same id, ARN, role, tags and times), `exists` (the
     * service account has an association again, kept), `role-missing` (its role is gone).
     */
    readonly associations?: Readonly<Record<string, AssociationUndo>>
  }
}

const INDEX = 'containment/index'
const key = (id: string): string => `containment/${id}`

export async function listContainmentIds(store: Store): Promise<string[]> {
  const text = await store.getSetting(INDEX)
  if (text === undefined) return []
  const v = JSON.parse(text) as unknown
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

export async function getContainment(store: Store, id: string): Promise<ContainmentRecord | undefined> {
  const text = await store.getSetting(key(id))
  return text === undefined ? undefined : (JSON.parse(text) as ContainmentRecord)
}

export async function listContainments(store: Store): Promise<ContainmentRecord[]> {
  const out: ContainmentRecord[] = []
  for (const id of await listContainmentIds(store)) {
    const r = await getContainment(store, id)
    if (r !== undefined) out.push(r)
  }
  return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
}

/** Write a record (new or updated); a new id is appended to the index. */
export async function putContainment(store: Store, r: ContainmentRecord): Promise<void> {
  await store.setSetting(key(r.id), JSON.stringify(r))
  const ids = await listContainmentIds(store)
  if (!ids.includes(r.id)) await store.setSetting(INDEX, JSON.stringify([...ids, r.id]))
}
