/**
 * AWS inputs: `aws iam get-account-authorization-details` (documents as objects or URL-encoded
 * strings), `aws iam list-open-id-connect-providers` / `get-open-id-connect-provider`, and
 * `aws eks describe-cluster`. Half-filled entries become warnings naming the object.
 */
import type { AuditWarning, ClusterObj, IamInventory, OidcProviderObj, PolicyDoc } from '../model.js'

type Obj = Record<string, unknown>

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function objList(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : []
}

const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/
const PROVIDER_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):oidc-provider\/(.+)$/

/**
 * A policy document as the export carries it: an object (CLI), or a URL-encoded JSON string (raw API
 * and SDKs). Returns undefined (and warns) when it cannot be read.
 */
export function readDocument(v: unknown, file: string, object: string, warnings: AuditWarning[]): unknown {
  if (isObj(v)) return v
  if (typeof v === 'string') {
    let text = v
    if (!text.trimStart().startsWith('{')) {
      try {
        text = decodeURIComponent(text.replace(/\+/g, '%20'))
      } catch {
        warnings.push({ file, object, message: 'policy document is neither JSON nor URL-encoded JSON' })
        return undefined
      }
    }
    try {
      return JSON.parse(text) as unknown
    } catch {
      warnings.push({ file, object, message: 'policy document is not valid JSON' })
      return undefined
    }
  }
  warnings.push({ file, object, message: 'policy document is missing' })
  return undefined
}

function tags(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const t of objList(v)) if (typeof t.Key === 'string' && typeof t.Value === 'string') out[t.Key] = t.Value
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x
  return out
}

function dateText(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v
  if (v instanceof Date) return v.toISOString()
  return undefined
}

/** Load the authorization-details export into `iam`. Throws TypeError when the top level is not one. */
export function loadAuthorizationDetails(value: unknown, file: string, iam: IamInventory, warnings: AuditWarning[]): void {
  if (!isObj(value) || (!('RoleDetailList' in value) && !('Policies' in value) && !('UserDetailList' in value))) {
    throw new TypeError(`${file}: not the output of aws iam get-account-authorization-details (no RoleDetailList or Policies)`)
  }
  objList(value.Policies).forEach((p, i) => {
    const where = `Policies/${i}${typeof p.PolicyName === 'string' ? ` (${p.PolicyName})` : ''}`
    if (typeof p.Arn !== 'string') {
      warnings.push({ file, object: where, message: 'policy has no Arn; skipped' })
      return
    }
    const versions = objList(p.PolicyVersionList)
    const def = versions.find((v) => v.IsDefaultVersion === true) ?? versions.find((v) => v.VersionId === p.DefaultVersionId) ?? (versions.length === 1 ? versions[0] : undefined)
    if (def === undefined) {
      warnings.push({ file, object: where, message: 'policy has no default version document; its permissions are unknown' })
      return
    }
    const doc = readDocument(def.Document, file, where, warnings)
    if (doc === undefined) return
    iam.policies.set(p.Arn, { arn: p.Arn, name: typeof p.PolicyName === 'string' ? p.PolicyName : p.Arn, document: doc, source: { file, pointer: `/Policies/${i}` } })
  })
  objList(value.RoleDetailList).forEach((r, i) => {
    const where = `RoleDetailList/${i}${typeof r.RoleName === 'string' ? ` (${r.RoleName})` : ''}`
    const m = typeof r.Arn === 'string' ? ROLE_ARN.exec(r.Arn) : null
    if (m === null || typeof r.Arn !== 'string') {
      warnings.push({ file, object: where, message: 'role has no valid Arn; skipped' })
      return
    }
    const trust = readDocument(r.AssumeRolePolicyDocument, file, `${where} AssumeRolePolicyDocument`, warnings)
    const inline: PolicyDoc[] = []
    objList(r.RolePolicyList).forEach((p, j) => {
      const d = readDocument(p.PolicyDocument, file, `${where} RolePolicyList/${j}`, warnings)
      if (d !== undefined) inline.push({ name: typeof p.PolicyName === 'string' ? p.PolicyName : `inline-${j}`, document: d })
    })
    const attached = objList(r.AttachedManagedPolicies)
      .map((p) => p.PolicyArn)
      .filter((a): a is string => typeof a === 'string')
    const pb = isObj(r.PermissionsBoundary) ? r.PermissionsBoundary.PermissionsBoundaryArn : undefined
    const lastUsed = isObj(r.RoleLastUsed) ? dateText(r.RoleLastUsed.LastUsedDate) : undefined
    iam.accounts.add(m[2] as string)
    iam.roles.push({
      arn: r.Arn,
      name: typeof r.RoleName === 'string' ? r.RoleName : (m[3] as string),
      accountId: m[2] as string,
      partition: m[1] as string,
      createDate: dateText(r.CreateDate),
      lastUsedDate: lastUsed,
      trustDocument: trust,
      inlinePolicies: inline,
      attachedPolicyArns: attached,
      boundaryArn: typeof pb === 'string' ? pb : undefined,
      tags: tags(r.Tags),
      hasInstanceProfile: objList(r.InstanceProfileList).length > 0,
      source: { file, pointer: `/RoleDetailList/${i}` },
    })
  })
  for (const [listName, kind] of [['UserDetailList', 'User'], ['GroupDetailList', 'Group']] as const) {
    objList(value[listName]).forEach((u, i) => {
      if (typeof u.Arn !== 'string') return
      const docs: PolicyDoc[] = []
      objList(kind === 'User' ? u.UserPolicyList : u.GroupPolicyList).forEach((p, j) => {
        const d = readDocument(p.PolicyDocument, file, `${listName}/${i} policy ${j}`, warnings)
        if (d !== undefined) docs.push({ name: typeof p.PolicyName === 'string' ? p.PolicyName : `inline-${j}`, document: d })
      })
      iam.others.push({ arn: u.Arn, inlinePolicies: docs })
    })
  }
}

/** Issuer URL or host → host/path without scheme and trailing slash. */
export function issuerHost(url: string): string {
  return url.replace(/^https?:\/\//i, '').replace(/\/+$/, '')
}

/**
 * Load OIDC providers: `list-open-id-connect-providers` ({OpenIDConnectProviderList:[{Arn}]}),
 * `get-open-id-connect-provider` output (with or without an added Arn), or an array of those.
 */
export function loadOidcProviders(value: unknown, file: string, iam: IamInventory, warnings: AuditWarning[]): void {
  const list: OidcProviderObj[] = iam.providers ?? []
  iam.providers = list
  const add = (p: Obj, where: string): void => {
    let arn = typeof p.Arn === 'string' ? p.Arn : typeof p.OpenIDConnectProviderArn === 'string' ? p.OpenIDConnectProviderArn : undefined
    const url = typeof p.Url === 'string' ? p.Url : undefined
    if (arn === undefined && url !== undefined && iam.accounts.size === 1) arn = `arn:aws:iam::${[...iam.accounts][0] as string}:oidc-provider/${issuerHost(url)}`
    const m = arn === undefined ? null : PROVIDER_ARN.exec(arn)
    if (m === null || arn === undefined) {
      warnings.push({ file, object: where, message: 'OIDC provider has no valid Arn; skipped' })
      return
    }
    const existing = list.findIndex((x) => x.arn === arn)
    const entry: OidcProviderObj = {
      arn,
      host: issuerHost(url ?? (m[3] as string)),
      clientIds: Array.isArray(p.ClientIDList) ? p.ClientIDList.filter((x): x is string => typeof x === 'string') : existing >= 0 ? list[existing]?.clientIds : undefined,
      createDate: dateText(p.CreateDate) ?? (existing >= 0 ? list[existing]?.createDate : undefined),
      tags: { ...(existing >= 0 ? list[existing]?.tags : {}), ...tags(p.Tags) },
      source: { file, pointer: where },
    }
    if (existing >= 0) list[existing] = entry
    else list.push(entry)
  }
  const items = Array.isArray(value) ? value : [value]
  items.forEach((v, i) => {
    if (!isObj(v)) {
      warnings.push({ file, object: `/${i}`, message: 'not an OIDC provider object' })
      return
    }
    if (Array.isArray(v.OpenIDConnectProviderList)) objList(v.OpenIDConnectProviderList).forEach((p, j) => add(p, `/OpenIDConnectProviderList/${j}`))
    else add(v, Array.isArray(value) ? `/${i}` : '')
  })
}

/** Load `aws eks describe-cluster` output ({cluster:{name, arn, identity.oidc.issuer, tags}}). */
export function loadEksCluster(value: unknown, file: string, iam: IamInventory, warnings: AuditWarning[]): void {
  const items = Array.isArray(value) ? value : [value]
  for (const v of items) {
    const c = isObj(v) && isObj(v.cluster) ? v.cluster : isObj(v) ? v : undefined
    const issuer = c !== undefined && isObj(c.identity) && isObj(c.identity.oidc) ? c.identity.oidc.issuer : undefined
    if (c === undefined || typeof c.name !== 'string' || typeof issuer !== 'string') {
      warnings.push({ file, message: 'not aws eks describe-cluster output (cluster.name and cluster.identity.oidc.issuer are required); skipped' })
      continue
    }
    const arn = typeof c.arn === 'string' ? c.arn : undefined
    const t = tags(c.tags)
    const cl: ClusterObj = {
      name: c.name,
      arn,
      issuerHost: issuerHost(issuer),
      accountId: arn === undefined ? undefined : arn.split(':')[4],
      env: t.env ?? t.environment ?? t.Environment,
      source: { file },
    }
    iam.clusters.push(cl)
  }
}
