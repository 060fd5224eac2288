/**
 * Structured request logs (pino, fastify's logger): one JSON line per answered request with the
 * request id (the same id as `x-amzn-RequestId` and the `RequestId` in AWS error bodies), method,
 * route pattern, Query action, status and latency. What is never logged: headers (Authorization,
 * X-Amz-Security-Token), query strings and bodies (WebIdentityToken, presigned signatures), and
 * anything credential-shaped — the serializers emit only the fields named here, and redaction
 * censors the credential keys should any code log an object carrying them.
 */
import { Writable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { destination, pino, stdSerializers, stdTimeFunctions } from 'pino'
import type { DestinationStream, Level, LevelWithSilent, Logger } from 'pino'
import { actionLabel } from './metrics.js'

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
export const LOG_FORMATS = ['json', 'pretty'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

export interface LogOptions {
  readonly level: LevelWithSilent
  readonly format: LogFormat
  /** Where lines go; default stdout. */
  readonly destination?: NodeJS.WritableStream
}

/** Keys whose values are credentials wherever they appear (one or two levels deep). */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'x-amz-security-token',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
  'WebIdentityToken',
  'webIdentityToken',
  'token',
  'SecretAccessKey',
  'secretAccessKey',
  'SessionToken',
  'sessionToken',
  'password',
  'body',
  'headers',
  'query',
]
const REDACT = SECRET_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`
  const dot = key.startsWith('[') ? '' : '.'
  return [key, `*${dot}${key}`, `*.*${dot}${key}`]
})

/** The only request fields any log line carries. */
function requestFields(req: FastifyRequest): Record<string, unknown> {
  return { method: req.method, route: req.routeOptions.url ?? 'unmatched', action: actionLabel(req.irsaAction) }
}

/** A logger for `irsa serve`: JSON lines (default) or a human one-line-per-event form. */
export function createLogger(o: LogOptions): Logger {
  const out = o.destination ?? process.stdout
  const stream: DestinationStream = o.format === 'pretty' ? prettyStream(out) : out === process.stdout ? destination({ dest: 1, sync: false }) : out
  return pino(
    {
      level: o.level,
      base: { pid: process.pid },
      timestamp: stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: {
        // fastify hands its request/reply objects to these on its own log lines.
        req: (req: FastifyRequest) => (typeof req?.method === 'string' ? requestFields(req) : {}),
        res: (reply: FastifyReply) => ({ status: reply?.statusCode }),
        err: stdSerializers.err,
      },
    },
    stream,
  )
}

/**
 * Log one line per answered request, replacing fastify's pair of lines (which would carry the URL
 * and its query string). 5xx answers log at `error`, 4xx at `info` like the rest.
 */
export function requestLogging(app: FastifyInstance): void {
  app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done) => {
    const status = reply.statusCode
    const level: Level = status >= 500 ? 'error' : 'info'
    req.log[level]({ ...requestFields(req), status, latencyMs: Math.round(reply.elapsedTime * 100) / 100, ip: req.ip }, 'request')
    done()
  })
}

/** Flush a logger's buffered lines (at shutdown). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush((e) => {
        void e
        resolve()
      })
    } catch {
      resolve()
    }
  })
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId'])

/** Turn pino's JSON lines into `time LEVEL [reqId] msg key=value …` for a human at a terminal. */
function prettyStream(out: NodeJS.WritableStream): Writable {
  let rest = ''
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = rest + chunk.toString('utf8')
      const lines = text.split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) {
        if (line === '') continue
        let o: Record<string, unknown>
        try {
          o = JSON.parse(line) as Record<string, unknown>
        } catch {
          out.write(`${line}\n`)
          continue
        }
        const fields = Object.entries(o)
          .filter(([k]) => !SKIP.has(k))
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        const time = typeof o.time === 'string' ? o.time.slice(11, 23) : ''
        const id = typeof o.reqId === 'string' ? ` [${o.reqId}]` : ''
        out.write(`${time} ${LEVEL_NAMES[o.level as number] ?? String(o.level)}${id} ${String(o.msg ?? '')} ${fields.join(' ')}`.trimEnd() + '\n')
      }
      cb()
    },
  })
}
