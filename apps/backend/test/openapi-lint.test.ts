import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { OPENAPI_FILE } from '../src/openapi-export.ts'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const redocly = fileURLToPath(new URL('../../../node_modules/.bin/redocly', import.meta.url))

interface Operation {
  operationId?: string
  security?: unknown[]
  requestBody?: { content: Record<string, { example?: unknown; examples?: unknown }> }
}

const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Record<string, unknown>> }
}
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ name: `${method} ${path}`, operation })),
)

describe('the OpenAPI document for strict clients and "Try it out"', () => {
  it('passes redocly lint with the repository rules (redocly.yaml), without a warning', () => {
    const result = spawnSync(redocly, ['lint', OPENAPI_FILE, '--format=summary'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      timeout: 60_000,
    })
    expect(result.status, result.stdout + result.stderr).toBe(0)
    expect(result.stdout + result.stderr).toContain('Your API description is valid')
    expect(result.stdout + result.stderr).not.toMatch(/You have \d+ warning/)
  })

  it('gives every operation an operationId and every public one an empty security list', () => {
    for (const { name, operation } of operations) {
      expect(operation.operationId, name).toMatch(/^[a-z][A-Za-z]+$/)
      expect(operation.security, name).toBeDefined()
    }
    for (const path of ['/health', '/healthz', '/readyz', '/metrics'])
      expect(document.paths[path]?.get?.security, path).toEqual([])
  })

  it('gives the retrieval requests examples the backend accepts', () => {
    const retrieval =
      document.paths['/v1/retrieval']?.post?.requestBody?.content['application/json']
    expect(Object.keys((retrieval?.examples ?? {}) as object).length).toBeGreaterThan(0)
    const sample =
      document.paths['/api/copilot/retrieval']?.post?.requestBody?.content['application/json']
    expect(sample?.example).toEqual({
      query: 'What is the latest in my organization?',
      dataSource: 'SharePoint',
    })
  })

  it('states in the schema that a request has exactly one of dataSource or dataSources', () => {
    const schema = document.components.schemas.RetrievalRequest
    expect(schema?.oneOf).toEqual([
      expect.objectContaining({
        required: ['dataSource'],
        properties: expect.objectContaining({ dataSources: false }),
      }),
      expect.objectContaining({
        required: ['dataSources'],
        properties: expect.objectContaining({ dataSource: false }),
      }),
    ])
  })

  it('lists Problem.code as an enum, not enum | string', () => {
    const code = (document.components.schemas.Problem?.properties as Record<string, object>).code
    expect(code).toMatchObject({
      type: 'string',
      enum: expect.arrayContaining(['consent_required']),
    })
    expect(code).not.toHaveProperty('anyOf')
  })
})
