// IAM OIDC identity provider actions through @aws-sdk/client-iam against a real server.
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
} from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sdkError, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

let s: TestServer
const URL_A = 'https://oidc.eks.us-west-2.amazonaws.com/id/CLUSTERA'
const ARN_A = 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/CLUSTERA'

beforeAll(async () => {
  s = await startTestServer()
})
afterAll(async () => {
  await s.close()
})

describe('OIDC providers', () => {
  it('creates, reads (Url without scheme) and lists; refuses duplicates and bad input', async () => {
    const made = await s.iam.send(new CreateOpenIDConnectProviderCommand({ Url: URL_A, ClientIDList: ['sts.amazonaws.com'], ThumbprintList: ['A'.repeat(40)] }))
    expect(made.OpenIDConnectProviderArn).toBe(ARN_A)
    const got = await s.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ARN_A }))
    expect(got).toMatchObject({ Url: 'oidc.eks.us-west-2.amazonaws.com/id/CLUSTERA', ClientIDList: ['sts.amazonaws.com'], ThumbprintList: ['a'.repeat(40)] })
    const list = await s.iam.send(new ListOpenIDConnectProvidersCommand({}))
    expect(list.OpenIDConnectProviderList?.map((p) => p.Arn)).toContain(ARN_A)
    expect((await sdkError(s.iam.send(new CreateOpenIDConnectProviderCommand({ Url: URL_A, ClientIDList: [] })))).code).toBe('EntityAlreadyExists')
    expect((await sdkError(s.iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'http://issuer.example.com', ClientIDList: [] })))).code).toBe('ValidationError')
    const six = Array.from({ length: 6 }, (_, i) => String(i).repeat(40))
    expect((await sdkError(s.iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://other.example.com', ThumbprintList: six })))).code).toBe('InvalidInput')
  })

  it('adds and removes client IDs idempotently; simultaneous adds all survive', async () => {
    const add = (id: string): Promise<unknown> => s.iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ARN_A, ClientID: id }))
    await Promise.all(['one', 'two', 'three', 'one'].map(add))
    const got = await s.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ARN_A }))
    expect([...(got.ClientIDList ?? [])].sort()).toEqual(['one', 'sts.amazonaws.com', 'three', 'two'])
    await s.iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ARN_A, ClientID: 'two' }))
    await s.iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ARN_A, ClientID: 'two' }))
    const after = await s.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ARN_A }))
    expect([...(after.ClientIDList ?? [])].sort()).toEqual(['one', 'sts.amazonaws.com', 'three'])
  })

  it('answers NoSuchEntity for an unknown provider, and deletes', async () => {
    const unknown = 'arn:aws:iam::111122223333:oidc-provider/nowhere.example.com'
    expect((await sdkError(s.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: unknown })))).code).toBe('NoSuchEntity')
    expect((await sdkError(s.iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: unknown, ClientID: 'x' })))).code).toBe('NoSuchEntity')
    await s.iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ARN_A }))
    expect((await sdkError(s.iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ARN_A })))).code).toBe('NoSuchEntity')
  })
})
