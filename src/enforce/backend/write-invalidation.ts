/**
 * Which cached facts a successful write through the gateway may have changed, by service and
 * operation (the mapped request's). `facts`: the policy, tags or existence of each resource the
 * request's authorizations name; `keySchema`: the key schema of each table they name; `aliases`:
 * where the account's KMS aliases point; `secretNames`: which secret ARN each name has.
 * An operation not listed changes none of these.
 */
export type Forget = 'facts' | 'keySchema' | 'aliases' | 'secretNames'

const F: readonly Forget[] = ['facts']
const TABLE: readonly Forget[] = ['facts', 'keySchema']
const ALIAS: readonly Forget[] = ['aliases']
const SECRET: readonly Forget[] = ['facts', 'secretNames']

export const FORGET_AFTER_WRITE: Readonly<Record<string, Readonly<Record<string, readonly Forget[]>>>> = {
  s3: {
    CreateBucket: F,
    DeleteBucket: F,
    PutBucketPolicy: F,
    DeleteBucketPolicy: F,
    PutBucketTagging: F,
    DeleteBucketTagging: F,
  },
  sqs: {
    CreateQueue: F,
    DeleteQueue: F,
    SetQueueAttributes: F,
    AddPermission: F,
    RemovePermission: F,
    TagQueue: F,
    UntagQueue: F,
  },
  sns: {
    CreateTopic: F,
    DeleteTopic: F,
    SetTopicAttributes: F,
    AddPermission: F,
    RemovePermission: F,
    TagResource: F,
    UntagResource: F,
  },
  kms: {
    PutKeyPolicy: F,
    TagResource: F,
    UntagResource: F,
    CreateAlias: ALIAS,
    UpdateAlias: ALIAS,
    DeleteAlias: ALIAS,
  },
  secretsmanager: {
    CreateSecret: SECRET,
    DeleteSecret: SECRET,
    RestoreSecret: SECRET,
    PutResourcePolicy: F,
    DeleteResourcePolicy: F,
    TagResource: F,
    UntagResource: F,
  },
  ssm: {
    PutParameter: F,
    DeleteParameter: F,
    DeleteParameters: F,
    AddTagsToResource: F,
    RemoveTagsFromResource: F,
  },
  dynamodb: {
    CreateTable: TABLE,
    DeleteTable: TABLE,
    UpdateTable: TABLE,
    TagResource: F,
    UntagResource: F,
  },
}

/** What a successful `operation` of `service` may have changed (empty: nothing cached). */
export function forgetsAfter(service: string, operation: string): readonly Forget[] {
  const ops = FORGET_AFTER_WRITE[service]
  return ops !== undefined && Object.hasOwn(ops, operation) ? (ops[operation] ?? []) : []
}
