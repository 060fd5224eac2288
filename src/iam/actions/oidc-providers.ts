/** IAM OIDC identity provider actions. */
import { AwsError } from '../../aws/aws-error.js'
import { members } from '../../aws/xml.js'
import type { SignedAction } from '../../core/signed-action.js'
import { issuerHostPath, isLoopbackHost } from '../../tokens/issuer-url.js'
import { authorizeIam } from '../authorize.js'
import { providerXml, tagsXml } from '../serialize.js'
import { arnParam, checkTags } from './params.js'

const THUMBPRINT = /^[0-9A-Fa-f]{40}$/

/** AWS requires https; irsa also accepts http for loopback issuers (local development). */
export function providerUrlProblem(url: string): string | undefined {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return 'Invalid Open ID Connect Provider URL'
  }
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) return 'Invalid Open ID Connect Provider URL: http:// is accepted only for loopback hosts'
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'Invalid Open ID Connect Provider URL'
  if (u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') return 'Invalid Open ID Connect Provider URL'
  return undefined
}

export const createOpenIDConnectProvider: SignedAction = async ({ rt, q, who, meta }) => {
  const url = q.required('Url', { min: 1, max: 255 })
  const clientIds = q.list('ClientIDList') ?? []
  const thumbprints = q.list('ThumbprintList') ?? []
  const tags = q.tags() ?? []
  q.check()
  const problem = providerUrlProblem(url)
  if (problem !== undefined) throw new AwsError('ValidationError', problem)
  if (clientIds.length > 100) throw new AwsError('LimitExceeded', 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100')
  for (const c of clientIds) if (c.length < 1 || c.length > 255) throw new AwsError('ValidationError', 'Client IDs must be 1 to 255 characters long')
  if (thumbprints.length > 5) throw new AwsError('InvalidInput', 'Thumbprint list must contain fewer than 5 entries.')
  for (const t of thumbprints) if (!THUMBPRINT.test(t)) throw new AwsError('ValidationError', `Thumbprint ${t} must be 40 hexadecimal characters`)
  checkTags(tags)
  const canonical = url.replace(/\/+$/, '')
  const arn = `arn:${rt.partition}:iam::${rt.account}:oidc-provider/${issuerHostPath(canonical)}`
  await authorizeIam(rt, who, 'iam:CreateOpenIDConnectProvider', arn, meta.sourceIp, meta.requestId)
  const created = await rt.store.createOidcProvider({
    arn,
    account: rt.account,
    url: canonical,
    clientIds: [...new Set(clientIds)],
    thumbprints: thumbprints.map((t) => t.toLowerCase()),
    tags,
    createdAt: rt.nowSeconds(),
  })
  if (!created) throw new AwsError('EntityAlreadyExists', `Provider with url ${canonical} already exists.`)
  return { OpenIDConnectProviderArn: arn, Tags: tagsXml(tags) }
}

async function existing(rt: Parameters<SignedAction>[0]['rt'], arn: string) {
  const p = await rt.store.getOidcProvider(arn)
  if (p === undefined || p.account !== rt.account) throw new AwsError('NoSuchEntity', `OpenIDConnect Provider not found for arn ${arn}`)
  return p
}

export const getOpenIDConnectProvider: SignedAction = async ({ rt, q, who, meta }) => {
  const arn = arnParam(q, 'OpenIDConnectProviderArn')
  await authorizeIam(rt, who, 'iam:GetOpenIDConnectProvider', arn, meta.sourceIp, meta.requestId)
  return providerXml(await existing(rt, arn))
}

export const listOpenIDConnectProviders: SignedAction = async ({ rt, q, who, meta }) => {
  q.check()
  await authorizeIam(rt, who, 'iam:ListOpenIDConnectProviders', '*', meta.sourceIp, meta.requestId)
  const list = await rt.store.listOidcProviders(rt.account)
  return { OpenIDConnectProviderList: members(list.map((p) => ({ Arn: p.arn }))) }
}

export const deleteOpenIDConnectProvider: SignedAction = async ({ rt, q, who, meta }) => {
  const arn = arnParam(q, 'OpenIDConnectProviderArn')
  await authorizeIam(rt, who, 'iam:DeleteOpenIDConnectProvider', arn, meta.sourceIp, meta.requestId)
  if (!(await rt.store.deleteOidcProvider(arn))) throw new AwsError('NoSuchEntity', `OpenIDConnect Provider not found for arn ${arn}`)
  return undefined
}

export const addClientIDToOpenIDConnectProvider: SignedAction = async ({ rt, q, who, meta }) => {
  const arn = arnParam(q, 'OpenIDConnectProviderArn')
  const clientId = q.required('ClientID', { min: 1, max: 255 })
  q.check()
  await authorizeIam(rt, who, 'iam:AddClientIDToOpenIDConnectProvider', arn, meta.sourceIp, meta.requestId)
  // Read-modify-write in one transaction: two replicas adding client IDs at once both keep theirs.
  await rt.store.transaction(async () => {
    const p = await existing(rt, arn)
    if (p.clientIds.includes(clientId)) return
    if (p.clientIds.length >= 100) throw new AwsError('LimitExceeded', 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100')
    await rt.store.updateOidcProvider(arn, { clientIds: [...p.clientIds, clientId] })
  })
  return undefined
}

export const removeClientIDFromOpenIDConnectProvider: SignedAction = async ({ rt, q, who, meta }) => {
  const arn = arnParam(q, 'OpenIDConnectProviderArn')
  const clientId = q.required('ClientID', { min: 1, max: 255 })
  q.check()
  await authorizeIam(rt, who, 'iam:RemoveClientIDFromOpenIDConnectProvider', arn, meta.sourceIp, meta.requestId)
  await rt.store.transaction(async () => {
    const p = await existing(rt, arn)
    await rt.store.updateOidcProvider(arn, { clientIds: p.clientIds.filter((c) => c !== clientId) })
  })
  return undefined
}
