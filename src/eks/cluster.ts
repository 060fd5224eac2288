/**
 * The one EKS cluster this server emulates: its name (`irsa serve --cluster-name`, default `irsa`,
 * kept in the store so `irsa exec` and every replica agree), ARN and creation time. Its OIDC issuer
 * is the server's own.
 */
import { IrsaError } from '../errors.js'
import type { Runtime } from '../core/runtime.js'
import { clusterArn } from '../model/pod-identity-association.js'

export const DEFAULT_CLUSTER_NAME = 'irsa'
export const CLUSTER_NAME_SETTING = 'eks.cluster-name'
const CLUSTER_CREATED_SETTING = 'eks.cluster-created'
/** EKS's cluster-name rule (CreateCluster): 1–100 of `[0-9A-Za-z][A-Za-z0-9\-_]*`. */
export const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/

export interface OwnCluster {
  readonly name: string
  readonly arn: string
  /** Epoch milliseconds. */
  readonly createdAt: number
}

/** Record the cluster name: an explicit name replaces the stored one; otherwise the stored one (or the default) stays. */
export async function initCluster(rt: Runtime, name?: string): Promise<OwnCluster> {
  if (name !== undefined && !CLUSTER_NAME.test(name)) {
    throw new IrsaError('ERR_CLI_USAGE', `--cluster-name ${JSON.stringify(name)} is not an EKS cluster name (1 to 100 of letters, digits, '-', '_', starting with a letter or digit)`)
  }
  if (name !== undefined) await rt.store.setSetting(CLUSTER_NAME_SETTING, name)
  return ownCluster(rt)
}

export async function ownCluster(rt: Runtime): Promise<OwnCluster> {
  const name = (await rt.store.getSetting(CLUSTER_NAME_SETTING)) ?? DEFAULT_CLUSTER_NAME
  const createdAt = Number(await rt.store.initSetting(CLUSTER_CREATED_SETTING, String(rt.clock.now())))
  return { name, arn: clusterArn(rt.partition, rt.region, rt.account, name), createdAt }
}
