import { describe, expect, it } from 'vitest'
import * as core from '../src/index.ts'
import * as express from '../src/express/index.ts'
import * as fastify from '../src/fastify/index.ts'
import * as hono from '../src/hono/index.ts'
import * as node from '../src/node/index.ts'

describe('the export surface', () => {
  it('is small: the entry point, the parts, errors, caches; no internals', () => {
    expect(Object.keys(core).sort()).toEqual(
      [
        'CacheEncryption',
        'MemoryTokenCache',
        'OboCoreError',
        'OboError',
        'RedisCircuit',
        'RedisTokenCache',
        'RedisUnavailableError',
        'TieredTokenCache',
        'TokenValidationError',
        'claimsChallengeHeader',
        'createAccessTokenValidator',
        'createOnBehalfOfClient',
        'createWebApi',
        'fromAzureEnvironment',
        'isOboCoreError',
        'normalizeScopes',
        'oboErrorFromTokenResponse',
        'parseClaimsChallenge',
        'toProblem',
        'tokenCacheKey',
      ].sort(),
    )
    for (const internal of ['SingleFlight', 'createFetch', 'SigningKeys', 'parseRetryAfter'])
      expect(core).not.toHaveProperty(internal)
  })

  it('gives each framework its adapter on its own subpath', () => {
    expect(Object.keys(hono).sort()).toEqual(['oboAuth', 'oboErrors', 'problemResponse'])
    expect(Object.keys(express).sort()).toEqual(['oboAuth', 'oboErrors'])
    expect(Object.keys(fastify)).toEqual(['oboPlugin'])
    expect(Object.keys(node)).toEqual(['withOboAuth'])
  })
})
