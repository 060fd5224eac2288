/**
 * How each service's resource facts are read from the backend: the resource's own policy, its tags
 * and whether it exists, one reader per service, through the service's own read APIs. A "not
 * found" or "no policy" answer is a fact; anything else that fails is a BackendError (from `read`).
 */
import { ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb'
import { GetKeyPolicyCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms'
import { GetBucketPolicyCommand, GetBucketTaggingCommand } from '@aws-sdk/client-s3'
import { DescribeSecretCommand, GetResourcePolicyCommand } from '@aws-sdk/client-secrets-manager'
import { GetTopicAttributesCommand, ListTagsForResourceCommand as SnsListTags } from '@aws-sdk/client-sns'
import { GetQueueAttributesCommand, GetQueueUrlCommand, ListQueueTagsCommand } from '@aws-sdk/client-sqs'
import { ListTagsForResourceCommand as SsmListTags } from '@aws-sdk/client-ssm'
import type { Arn } from '../../policy/arn.js'
import type { ResourceFacts } from '../backend-facts.js'
import type { BackendClients } from './backend-clients.js'
import type { TableSchema } from './lookup-readers.js'


export interface ReaderDeps {
  readonly clients: BackendClients
  /** DescribeTable through the key-schema cache; undefined when the table does not exist. */
  readonly describeTable: (table: string) => Promise<TableSchema | undefined>
}

/** Reads the facts of one resource, given its canonical ARN (see `factsArn`). */
export type ResourceReader = (deps: ReaderDeps, arn: Arn, text: string) => Promise<ResourceFacts>

const MISSING: ResourceFacts = Object.freeze({ exists: false })

const SQS_MISSING = ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']
const SNS_MISSING = ['NotFoundException', 'NotFound']

interface Pair {
  readonly Key?: string | undefined
  readonly Value?: string | undefined
}

function tagsOf(pairs: readonly Pair[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of pairs ?? []) if (p.Key !== undefined) out[p.Key] = p.Value ?? ''
  return out
}

function found(policy: string | undefined, tags: Record<string, string>): ResourceFacts {
  return policy === undefined || policy === '' ? { tags, exists: true } : { policy, tags, exists: true }
}

async function s3(d: ReaderDeps, arn: Arn): Promise<ResourceFacts> {
  const Bucket = arn.resource
  const b = d.clients
  const [policy, tagging] = await Promise.all([
    b.read('s3', 'GetBucketPolicy', () => b.s3.send(new GetBucketPolicyCommand({ Bucket })), ['NoSuchBucketPolicy', 'NoSuchBucket']),
    b.read('s3', 'GetBucketTagging', () => b.s3.send(new GetBucketTaggingCommand({ Bucket })), ['NoSuchTagSet', 'NoSuchBucket']),
  ])
  if ((!policy.ok && policy.absent === 'NoSuchBucket') || (!tagging.ok && tagging.absent === 'NoSuchBucket')) return MISSING
  return found(policy.ok ? policy.value.Policy : undefined, tagging.ok ? tagsOf(tagging.value.TagSet) : {})
}

async function sqs(d: ReaderDeps, arn: Arn): Promise<ResourceFacts> {
  const b = d.clients
  const url = await b.read('sqs', 'GetQueueUrl', () => b.sqs.send(new GetQueueUrlCommand({ QueueName: arn.resource, QueueOwnerAWSAccountId: arn.account })), SQS_MISSING)
  const QueueUrl = url.ok ? url.value.QueueUrl : undefined
  if (QueueUrl === undefined) return MISSING
  const [attrs, tags] = await Promise.all([
    b.read('sqs', 'GetQueueAttributes', () => b.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] })), SQS_MISSING),
    b.read('sqs', 'ListQueueTags', () => b.sqs.send(new ListQueueTagsCommand({ QueueUrl })), SQS_MISSING),
  ])
  if (!attrs.ok || !tags.ok) return MISSING
  return found(attrs.value.Attributes?.['Policy'], { ...tags.value.Tags })
}

async function sns(d: ReaderDeps, _arn: Arn, TopicArn: string): Promise<ResourceFacts> {
  const b = d.clients
  const [attrs, tags] = await Promise.all([
    b.read('sns', 'GetTopicAttributes', () => b.sns.send(new GetTopicAttributesCommand({ TopicArn })), SNS_MISSING),
    b.read('sns', 'ListTagsForResource', () => b.sns.send(new SnsListTags({ ResourceArn: TopicArn })), [...SNS_MISSING, 'ResourceNotFoundException']),
  ])
  if (!attrs.ok) return MISSING
  return found(attrs.value.Attributes?.['Policy'], tags.ok ? tagsOf(tags.value.Tags) : {})
}

async function kms(d: ReaderDeps, _arn: Arn, KeyId: string): Promise<ResourceFacts> {
  const b = d.clients
  const policy = await b.read('kms', 'GetKeyPolicy', () => b.kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' })), ['NotFoundException'])
  if (!policy.ok) return MISSING
  const tags: Record<string, string> = {}
  for (let Marker: string | undefined, more = true; more; ) {
    const page = await b.read('kms', 'ListResourceTags', () => b.kms.send(new ListResourceTagsCommand({ KeyId, Marker })), ['NotFoundException'])
    if (!page.ok) return MISSING
    for (const t of page.value.Tags ?? []) if (t.TagKey !== undefined) tags[t.TagKey] = t.TagValue ?? ''
    Marker = page.value.NextMarker
    more = page.value.Truncated === true && Marker !== undefined
  }
  return found(policy.value.Policy, tags)
}

async function secretsmanager(d: ReaderDeps, _arn: Arn, SecretId: string): Promise<ResourceFacts> {
  const b = d.clients
  const missing = ['ResourceNotFoundException']
  const [described, policy] = await Promise.all([
    b.read('secretsmanager', 'DescribeSecret', () => b.secretsmanager.send(new DescribeSecretCommand({ SecretId })), missing),
    b.read('secretsmanager', 'GetResourcePolicy', () => b.secretsmanager.send(new GetResourcePolicyCommand({ SecretId })), missing),
  ])
  if (!described.ok) return MISSING
  return found(policy.ok ? policy.value.ResourcePolicy : undefined, tagsOf(described.value.Tags))
}

/**
 * SSM parameters have tags but no resource policy here. The ARN drops a hierarchical name's
 * leading slash (`parameter/app/db` is `/app/db`); a one-segment name may be spelt either way.
 */
async function ssm(d: ReaderDeps, arn: Arn): Promise<ResourceFacts> {
  const b = d.clients
  const rest = arn.resource.slice('parameter/'.length)
  const names = rest.includes('/') ? [`/${rest}`] : [rest, `/${rest}`]
  for (const ResourceId of names) {
    const tags = await b.read('ssm', 'ListTagsForResource', () => b.ssm.send(new SsmListTags({ ResourceType: 'Parameter', ResourceId })), ['InvalidResourceId', 'ParameterNotFound'])
    if (tags.ok) return found(undefined, tagsOf(tags.value.TagList))
  }
  return MISSING
}

async function dynamodb(d: ReaderDeps, arn: Arn, ResourceArn: string): Promise<ResourceFacts> {
  const b = d.clients
  if ((await d.describeTable(arn.resource.slice('table/'.length))) === undefined) return MISSING
  const tags: Record<string, string> = {}
  for (let NextToken: string | undefined, more = true; more; ) {
    const page = await b.read('dynamodb', 'ListTagsOfResource', () => b.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn, NextToken })), ['ResourceNotFoundException'])
    if (!page.ok) return MISSING
    Object.assign(tags, tagsOf(page.value.Tags))
    NextToken = page.value.NextToken
    more = NextToken !== undefined
  }
  return found(undefined, tags)
}

/** The reader of each service whose resources have facts worth reading. */
export const RESOURCE_READERS: Readonly<Record<string, ResourceReader>> = { s3, sqs, sns, kms, secretsmanager, ssm, dynamodb }

/**
 * The ARN whose facts stand for `arn`'s: an S3 object's are its bucket's (the bucket policy
 * governs its objects), a DynamoDB index's are its table's. Undefined for an ARN this module has
 * no reader for (another service, another resource type).
 */
export function factsArn(service: string, arn: Arn): string | undefined {
  const head = `arn:${arn.partition}:${arn.service}:${arn.region}:${arn.account}:`
  switch (service) {
    case 's3': {
      const bucket = arn.resource.split('/')[0] ?? ''
      return bucket === '' ? undefined : `${head}${bucket}`
    }
    case 'dynamodb': {
      const m = /^table\/([^/]+)(?:\/index\/[^/]+)?$/.exec(arn.resource)
      return m === null ? undefined : `${head}table/${m[1]}`
    }
    case 'sqs':
    case 'sns':
      return arn.resource !== '' && !arn.resource.includes('/') && !arn.resource.includes(':') ? `${head}${arn.resource}` : undefined
    case 'kms':
      return arn.resource.startsWith('key/') ? `${head}${arn.resource}` : undefined
    case 'secretsmanager':
      return arn.resource.startsWith('secret:') ? `${head}${arn.resource}` : undefined
    case 'ssm':
      return arn.resource.startsWith('parameter/') ? `${head}${arn.resource}` : undefined
    default:
      return undefined
  }
}

/**
 * The facts of `arn` from those of its `factsArn`: an S3 object has its bucket's policy and
 * existence, but not its tags (the bucket's tags are not the object's `aws:ResourceTag`; object
 * tags are `s3:ExistingObjectTag`, not read here).
 */
export function narrowFacts(service: string, arn: Arn, facts: ResourceFacts): ResourceFacts {
  if (service !== 's3' || !arn.resource.includes('/') || facts.tags === undefined) return facts
  const { tags: _bucketTags, ...rest } = facts
  return rest
}

