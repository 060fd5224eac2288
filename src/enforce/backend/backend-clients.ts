/**
 * The AWS SDK clients the gateway reads its backend with (moto_server, LocalStack or AWS itself),
 * created on first use with the backend's endpoint and credentials, and `read`, the one way every
 * backend call is made: it reports the call to an observer (metrics, tests), turns the answers
 * that are facts ("no such bucket", "no policy") into values, and every other failure into a
 * BackendError.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { KMSClient } from '@aws-sdk/client-kms'
import { S3Client } from '@aws-sdk/client-s3'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SNSClient } from '@aws-sdk/client-sns'
import { SQSClient } from '@aws-sdk/client-sqs'
import { SSMClient } from '@aws-sdk/client-ssm'
import { BackendError } from './backend-error.js'

export interface BackendConnection {
  /** The backend's base URL, e.g. `http://127.0.0.1:5000` (every service at one endpoint, as moto and LocalStack serve them). */
  readonly endpoint: string
  /** The backend's credentials; moto and LocalStack accept any, so fixed test keys by default. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string }
  readonly region: string
  /** Attempts per read (the SDK retries throttling, 5xx and connection errors in between); default 2. */
  readonly maxAttempts?: number
  /** Connect and request timeout per attempt, in milliseconds; default 5000. */
  readonly timeoutMs?: number
  /** Told of every call made to the backend, before it is sent. */
  readonly onCall?: (service: string, operation: string) => void
}

/** What a read returned: the answer, or the name of the "absent" error the backend gave instead. */
export type ReadResult<O> = { readonly ok: true; readonly value: O } | { readonly ok: false; readonly absent: string }

const DEFAULT_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'irsa-gateway-backend' }

interface Destroyable {
  destroy(): void
}

export class BackendClients {
  private readonly c: BackendConnection
  private readonly made: Destroyable[] = []
  private cache: Partial<{
    s3: S3Client
    sqs: SQSClient
    sns: SNSClient
    kms: KMSClient
    secretsmanager: SecretsManagerClient
    ssm: SSMClient
    dynamodb: DynamoDBClient
  }> = {}

  constructor(c: BackendConnection) {
    this.c = c
  }

  get s3(): S3Client {
    return (this.cache.s3 ??= this.track(new S3Client({ ...this.config(), forcePathStyle: true })))
  }
  get sqs(): SQSClient {
    return (this.cache.sqs ??= this.track(new SQSClient(this.config())))
  }
  get sns(): SNSClient {
    return (this.cache.sns ??= this.track(new SNSClient(this.config())))
  }
  get kms(): KMSClient {
    return (this.cache.kms ??= this.track(new KMSClient(this.config())))
  }
  get secretsmanager(): SecretsManagerClient {
    return (this.cache.secretsmanager ??= this.track(new SecretsManagerClient(this.config())))
  }
  get ssm(): SSMClient {
    return (this.cache.ssm ??= this.track(new SSMClient(this.config())))
  }
  get dynamodb(): DynamoDBClient {
    return (this.cache.dynamodb ??= this.track(new DynamoDBClient(this.config())))
  }

  /**
   * One backend call. An error whose name is in `absent` is returned as that fact; a connection
   * failure or 5xx is BackendUnavailable; any other error is BackendReadFailed.
   */
  async read<O>(service: string, operation: string, send: () => Promise<O>, absent: readonly string[] = []): Promise<ReadResult<O>> {
    this.c.onCall?.(service, operation)
    try {
      return { ok: true, value: await send() }
    } catch (e) {
      const name = e instanceof Error ? e.name : ''
      const code = (e as { Code?: unknown }).Code
      const found = absent.find((a) => a === name || a === code)
      if (found !== undefined) return { ok: false, absent: found }
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
      const what = `${service} ${operation}`
      if (status === undefined || status >= 500) {
        throw new BackendError('BackendUnavailable', service, operation, `The backend did not answer ${what}${status === undefined ? '' : ` (HTTP ${status})`}: ${name}`, { cause: e })
      }
      throw new BackendError('BackendReadFailed', service, operation, `The backend refused ${what} (HTTP ${status}): ${name}`, { cause: e })
    }
  }

  /** Close every client's connections. */
  destroy(): void {
    for (const d of this.made.splice(0)) d.destroy()
    this.cache = {}
  }

  private track<T extends Destroyable>(client: T): T {
    this.made.push(client)
    return client
  }

  private config() {
    const t = this.c.timeoutMs ?? 5000
    return {
      endpoint: this.c.endpoint,
      region: this.c.region,
      credentials: this.c.credentials ?? DEFAULT_CREDENTIALS,
      maxAttempts: this.c.maxAttempts ?? 2,
      requestHandler: { connectionTimeout: t, requestTimeout: t },
    }
  }
}
