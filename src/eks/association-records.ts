/**
 * EKS Pod Identity associations as the AWS CLI prints them (botocore eks 2017-11-01):
 * `aws eks list-pod-identity-associations` → `{"associations":[summary…], "nextToken"?}` (summaries
 * carry no roleArn) and `aws eks describe-pod-identity-association` → `{"association":{…}}`; also a
 * bare association object, a JSON array of any of these, or several JSON texts concatenated (`aws …;
 * aws …` redirected into one file). A describe entry completes the summary with the same id.
 */
type Obj = Record<string, unknown>

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** One association as read from the AWS JSON, before it is placed in an inventory. */
export interface AssociationRecord {
  readonly clusterName: string
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn: string | undefined
  readonly targetRoleArn: string | undefined
  readonly associationId: string | undefined
  readonly associationArn: string | undefined
  readonly disableSessionTags: boolean
  /** JSON pointer of the object in its text (`/0/associations/2`). */
  readonly pointer: string
  /** The file it came from, when known. */
  readonly file?: string
}

/**
 * Split text holding one or more JSON values written back to back (whitespace between them).
 * Throws SyntaxError naming the offset when a value is not valid JSON.
 */
export function splitJsonValues(text: string): unknown[] {
  const out: unknown[] = []
  let i = 0
  const n = text.length
  while (i < n) {
    while (i < n && /\s/.test(text[i] as string)) i++
    if (i >= n) break
    const start = i
    const first = text[i] as string
    if (first === '{' || first === '[') {
      let depth = 0
      let inString = false
      for (; i < n; i++) {
        const c = text[i] as string
        if (inString) {
          if (c === '\\') i++
          else if (c === '"') inString = false
        } else if (c === '"') inString = true
        else if (c === '{' || c === '[') depth++
        else if (c === '}' || c === ']') {
          depth--
          if (depth === 0) {
            i++
            break
          }
        }
      }
    } else {
      while (i < n && !/\s/.test(text[i] as string)) i++
    }
    const chunk = text.slice(start, i)
    try {
      out.push(JSON.parse(chunk) as unknown)
    } catch (e) {
      throw new SyntaxError(`not valid JSON at offset ${start}: ${(e as Error).message}`)
    }
  }
  return out
}

/** Cluster name from an association ARN (`…:podidentityassociation/<cluster>/<id>`). */
export function clusterOfAssociationArn(arn: string): string | undefined {
  const m = /^arn:[a-z-]+:eks:[a-z0-9-]*:\d{12}:podidentityassociation\/([^/]+)\/[^/]+$/.exec(arn)
  return m === null ? undefined : m[1]
}

/** The cluster ARN an association ARN belongs to. */
export function clusterArnOfAssociationArn(arn: string): string | undefined {
  const m = /^arn:([a-z-]+):eks:([a-z0-9-]*):(\d{12}):podidentityassociation\/([^/]+)\/[^/]+$/.exec(arn)
  return m === null ? undefined : `arn:${m[1] as string}:eks:${m[2] as string}:${m[3] as string}:cluster/${m[4] as string}`
}

/**
 * Read every association in parsed AWS JSON values. Objects that are not associations are reported
 * through `problem` (with their pointer) and skipped.
 */
export function readAssociationRecords(values: readonly unknown[], problem: (pointer: string, message: string) => void): AssociationRecord[] {
  const out: AssociationRecord[] = []
  const one = (a: unknown, pointer: string): void => {
    if (!isObj(a)) {
      problem(pointer, 'not a Pod Identity association object; skipped')
      return
    }
    const str = (k: string): string | undefined => (typeof a[k] === 'string' && a[k] !== '' ? a[k] : undefined)
    const associationArn = str('associationArn')
    const clusterName = str('clusterName') ?? (associationArn === undefined ? undefined : clusterOfAssociationArn(associationArn))
    const namespace = str('namespace')
    const serviceAccount = str('serviceAccount')
    if (clusterName === undefined || namespace === undefined || serviceAccount === undefined) {
      problem(pointer, 'Pod Identity association needs clusterName, namespace and serviceAccount; skipped')
      return
    }
    out.push({
      clusterName,
      namespace,
      serviceAccount,
      roleArn: str('roleArn'),
      targetRoleArn: str('targetRoleArn'),
      associationId: str('associationId'),
      associationArn,
      disableSessionTags: a.disableSessionTags === true,
      pointer,
    })
  }
  const visit = (v: unknown, pointer: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${pointer}/${i}`))
      return
    }
    if (!isObj(v)) {
      problem(pointer || '/', 'not aws eks list-pod-identity-associations / describe-pod-identity-association output; skipped')
      return
    }
    if (Array.isArray(v.associations)) v.associations.forEach((a, i) => one(a, `${pointer}/associations/${i}`))
    else if ('association' in v) one(v.association, `${pointer}/association`)
    else one(v, pointer)
  }
  if (values.length === 1) visit(values[0], '')
  else values.forEach((v, i) => visit(v, `/${i}`))
  return out
}

/** Merge records into associations: the same id (or cluster/ns/sa when there is none) is one association. */
export function mergeAssociationRecords(records: readonly AssociationRecord[]): AssociationRecord[] {
  const byKey = new Map<string, AssociationRecord>()
  for (const r of records) {
    const key = r.associationId ?? `${r.clusterName}/${r.namespace}/${r.serviceAccount}`
    const prev = byKey.get(key)
    byKey.set(
      key,
      prev === undefined
        ? r
        : {
            ...prev,
            ...r,
            roleArn: r.roleArn ?? prev.roleArn,
            targetRoleArn: r.targetRoleArn ?? prev.targetRoleArn,
            associationArn: r.associationArn ?? prev.associationArn,
            disableSessionTags: r.disableSessionTags || prev.disableSessionTags,
          },
    )
  }
  return [...byKey.values()]
}
