import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { OPENAPI_FILE, renderOpenApi } from '../src/openapi-export.ts'

describe('the OpenAPI document', () => {
  it('is committed up to date (pnpm --filter @oboe/backend export-openapi)', async () => {
    const committed = readFileSync(OPENAPI_FILE, 'utf8')
    expect(await renderOpenApi(), 'run `pnpm --filter @oboe/backend export-openapi`').toBe(
      committed,
    )
  })

  it('is OpenAPI 3.1 with a bearer scheme, and every operation documents its responses', () => {
    const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
      openapi: string
      components: { securitySchemes: Record<string, { type: string; scheme: string }> }
      paths: Record<
        string,
        Record<
          string,
          { security?: unknown[]; responses: Record<string, { content?: Record<string, unknown> }> }
        >
      >
    }
    expect(document.openapi).toBe('3.1.0')
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    })
    const retrieval = document.paths['/v1/retrieval']?.post
    expect(retrieval?.security).toEqual([{ bearerAuth: [] }])
    for (const status of [
      '200',
      '400',
      '401',
      '403',
      '413',
      '415',
      '429',
      '500',
      '502',
      '503',
      '504',
    ]) {
      expect(retrieval?.responses[status], status).toBeDefined()
    }
    expect(Object.keys(retrieval?.responses['401']?.content ?? {})).toEqual([
      'application/problem+json',
    ])
    const seed = document.paths['/api/copilot/retrieval']?.post
    expect(Object.keys(seed?.responses['401']?.content ?? {}).sort()).toEqual([
      'application/json',
      'application/problem+json',
    ])
    expect(document.paths['/health']?.get?.responses['200']).toBeDefined()
    expect(document.paths['/v1/me']?.get?.responses['200']).toBeDefined()
  })
})
