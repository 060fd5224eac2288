// The exchange pipeline's one recording place: whatever stage ends an exchange (a refusal, a denial
// decided, an unexpected failure, an allow), exactly one decision record is written with the right
// outcome and code, and the client's answer is what the stage produced.
import { describe, expect, it } from 'vitest'
import { AwsError } from '../../src/aws/aws-error.js'
import { runExchange } from '../../src/core/exchange/exchange.js'
import type { Exchange } from '../../src/core/exchange/exchange.js'
import { refused } from '../../src/core/exchange/exchange-decision.js'
import { ExchangeRefusal } from '../../src/core/exchange/exchange-refusal.js'
import type { Runtime } from '../../src/core/runtime.js'
import { IrsaError } from '../../src/errors.js'
import type { DecisionRecord } from '../../src/store/decision-log.js'

type Stage = 'parse' | 'verify' | 'find' | 'decide' | 'issue'

/** A runtime with only what the pipeline touches: the clock and the decision log. */
function runtime(o: { logFails?: boolean } = {}): { rt: Runtime; logged: Omit<DecisionRecord, 'at'>[] } {
  const logged: Omit<DecisionRecord, 'at'>[] = []
  const rt = {
    account: '111122223333',
    region: 'us-east-1',
    nowSeconds: () => 1000,
    compiled: () => {
      throw new Error('not used')
    },
    log: async (d: Omit<DecisionRecord, 'at'>) => {
      if (o.logFails === true) throw new IrsaError('ERR_STORE_UNAVAILABLE', 'the store is down')
      logged.push(d)
    },
  }
  return { rt: rt as unknown as Runtime, logged }
}

/** An exchange whose `fail` stage throws `error` (or, for decide, denies); every stage leaves a mark in the record. */
function exchange(fail: Stage | undefined, error: unknown): Exchange<string, string, string, string, string> {
  const maybe = (s: Stage): void => {
    if (fail === s) throw error
  }
  return {
    action: 'test:Exchange',
    faults: { unavailable: 'ServiceUnavailable', internal: 'InternalFailure' },
    parse(input, record) {
      record.roleArn = 'arn:aws:iam::111122223333:role/r'
      maybe('parse')
      return input
    },
    async verify({ record, now }) {
      maybe('verify')
      record.subject = 'system:serviceaccount:ns:sa'
      record.detail.now = now
      return 'id'
    },
    async find() {
      maybe('find')
      return 'role'
    },
    decide() {
      if (fail === 'decide') return refused('the trust says no', error as AwsError)
      return { allow: true, explanation: 'allowed by S1', statements: [{ kind: 'trust', policy: 'trust', index: 0, sid: 'S1', effect: 'Allow' }], context: {} }
    },
    async issue({ record }) {
      maybe('issue')
      record.detail.accessKeyId = 'ASIAEXAMPLE'
      return 'credentials'
    },
  }
}

const meta = { requestId: 'req-1', sourceIp: '10.0.0.1' }

describe('runExchange records every outcome once', () => {
  it('allow: the explanation, the statements and what the stages added', async () => {
    const { rt, logged } = runtime()
    expect(await runExchange(rt, exchange(undefined, undefined), 'in', meta)).toBe('credentials')
    expect(logged).toEqual([
      {
        action: 'test:Exchange',
        outcome: 'Allow',
        roleArn: 'arn:aws:iam::111122223333:role/r',
        subject: 'system:serviceaccount:ns:sa',
        sourceIp: '10.0.0.1',
        requestId: 'req-1',
        reason: 'allowed by S1',
        detail: { now: 1000, accessKeyId: 'ASIAEXAMPLE', statements: [{ kind: 'trust', policy: 'trust', index: 0, sid: 'S1', effect: 'Allow' }] },
      },
    ])
  })

  const cases: [string, Stage, unknown, Partial<DecisionRecord>][] = [
    ['a ValidationError in parse', 'parse', new AwsError('ValidationError', 'bad name'), { outcome: 'Deny', code: 'ValidationError', reason: 'bad name' }],
    ['a token refusal in verify', 'verify', new ExchangeRefusal('InvalidIdentityToken', 'AWS text', { reason: 'token rejected (signature): why' }), { outcome: 'Deny', code: 'InvalidIdentityToken', reason: 'token rejected (signature): why' }],
    ['the store down in find', 'find', new IrsaError('ERR_STORE_UNAVAILABLE', 'connection refused'), { outcome: 'Error', code: 'ServiceUnavailable', subject: 'system:serviceaccount:ns:sa' }],
    ['a denial decided', 'decide', new AwsError('AccessDenied', 'Not authorized'), { outcome: 'Deny', code: 'AccessDenied', reason: 'the trust says no' }],
    ['a session policy error in issue', 'issue', new AwsError('MalformedPolicyDocument', 'Syntax errors in policy.'), { outcome: 'Deny', code: 'MalformedPolicyDocument' }],
    ['a bug in issue', 'issue', new TypeError('secret-looking input abc'), { outcome: 'Error', code: 'InternalFailure', reason: 'internal error (TypeError)' }],
  ]
  it.each(cases)('%s: the client gets the error, the record its code', async (_name, stage, error, expected) => {
    const { rt, logged } = runtime()
    await expect(runExchange(rt, exchange(stage, error), 'in', meta)).rejects.toBe(error)
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({ action: 'test:Exchange', requestId: 'req-1', sourceIp: '10.0.0.1', roleArn: 'arn:aws:iam::111122223333:role/r', ...expected })
    // A foreign error's message never reaches the record.
    expect(JSON.stringify(logged[0])).not.toContain('secret-looking')
  })

  it('a record that cannot be written: an allow or a denial fails with the write error; a failure keeps its own', async () => {
    await expect(runExchange(runtime({ logFails: true }).rt, exchange(undefined, undefined), 'in', meta)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    await expect(runExchange(runtime({ logFails: true }).rt, exchange('decide', new AwsError('AccessDenied', 'no')), 'in', meta)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    const bug = new TypeError('bug')
    await expect(runExchange(runtime({ logFails: true }).rt, exchange('issue', bug), 'in', meta)).rejects.toBe(bug)
  })
})
