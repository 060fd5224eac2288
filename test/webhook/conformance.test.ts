/**
 * Every upstream fixture, compared semantically: the expected (upstream) patch and irsa's patch are
 * both applied to the pod with fast-json-patch, Go serialisation artifacts are normalised away, and
 * the resulting pods must be equal — except for unknown fields upstream drops (they must survive
 * here). Run through the pure core and through the HTTP plugin (v1, v1beta1, guardrail on and off).
 */
import { describe, expect, it } from 'vitest'
import { webhookConfig } from '../../src/webhook/config.js'
import { mutate } from '../../src/webhook/mutate.js'
import { readPod } from '../../src/webhook/pod.js'
import { applyJsonPatch, getPointer, loadFixtures, normalizeGo, removePointer, UPSTREAM_DROPS } from './fixtures.js'
import type { FixtureCase } from './fixtures.js'

const FIXTURE_ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/FIXTURES'
const EXACT_DEFAULT_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${FIXTURE_ISSUER}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${FIXTURE_ISSUER}:sub`]: 'system:serviceaccount:default:default' } },
    },
  ],
})
import { decodePatch, post, review, testApp } from './helpers.js'

const cases = loadFixtures()

function expectSamePod(c: FixtureCase, patch: readonly unknown[]): void {
  const expected = normalizeGo(applyJsonPatch(c.pod, c.expectedPatch))
  let actual: unknown = applyJsonPatch(c.pod, patch)
  for (const pointer of UPSTREAM_DROPS[c.name] ?? []) {
    expect(getPointer(actual, pointer), `${pointer} survives`).toBeDefined()
    actual = removePointer(actual, pointer)
  }
  expect(normalizeGo(actual)).toEqual(expected)
}

describe('upstream fixtures', () => {
  it('found all 24 fixtures', () => {
    expect(cases.length).toBe(24)
  })

  for (const c of cases) {
    it.skipIf(c.skip)(`${c.name}: pure core`, () => {
      const read = readPod(c.pod)
      if (!read.ok) throw new Error(read.message)
      const m = mutate({
        pod: read.pod,
        namespace: 'default',
        serviceAccount: c.serviceAccount,
        configMap: new Map(),
        containerCredentials: c.containerCredentials,
        config: webhookConfig(c.flags),
        randomInt: (min) => min,
      })
      expect(m.identity.mode).toBe(c.containerCredentials ? 'container-credentials' : 'web-identity')
      expectSamePod(c, m.patch)
      // Only additions, never a whole container array.
      for (const op of m.patch) {
        expect(op.op).toBe('add')
        expect(op.path).not.toMatch(/^\/spec\/(init)?[cC]ontainers$/)
      }
      // Idempotent: the patched pod needs nothing more (upstream PR #62).
      const again = readPod(applyJsonPatch(c.pod, m.patch))
      if (!again.ok) throw new Error(again.message)
      const second = mutate({ pod: again.pod, namespace: 'default', serviceAccount: c.serviceAccount, configMap: new Map(), containerCredentials: c.containerCredentials, config: webhookConfig(c.flags), randomInt: (min) => min })
      expect(second.patch).toEqual([])
    })

    for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
      for (const enforce of [false, true]) {
        it.skipIf(c.skip)(`${c.name}: HTTP ${apiVersion.split('/')[1]}${enforce ? ' --enforce' : ''}`, async () => {
          const app = await testApp({
            flags: { ...c.flags, enforce },
            // The guardrail fails closed without IAM data: give each role an exact trust for default/default.
            ...(enforce ? { roles: { trustPolicy: async () => EXACT_DEFAULT_TRUST } } : {}),
            serviceAccounts: [c.serviceAccount],
            containerCredentials: c.containerCredentials ? ['default/default'] : [],
          })
          const res = await post(app, review(c.pod, { apiVersion, uid: `uid-${c.name}` }))
          expect(res.status).toBe(200)
          const r = res.json()
          expect(r.apiVersion).toBe(apiVersion)
          expect(r.kind).toBe('AdmissionReview')
          expect(r.response.uid).toBe(`uid-${c.name}`)
          expect(r.response.allowed).toBe(true)
          expect(r.response.patchType).toBe('JSONPatch')
          expectSamePod(c, decodePatch(r))
          await app.close()
        })
      }
    }
  }
})
