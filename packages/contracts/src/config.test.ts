import { describe, expect, it } from 'vitest'
import {
  BackendConfig,
  CliConfig,
  ConfigError,
  DEFAULT_GRAPH_SCOPES,
  parseConfig,
} from './config.ts'

const tenant = '7d1c5a0e-3b2f-4c8a-9e61-2f0b8d4a6c11'
const backend = 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857'

describe('configuration', () => {
  it('accepts the seed .env names and fills the defaults', () => {
    const c = parseConfig(BackendConfig, {
      TENANT_ID: tenant,
      BACKEND_CLIENT_ID: backend,
      BACKEND_CLIENT_SECRET: 's',
    })
    expect(c).toMatchObject({
      PORT: 5000,
      AUTHORITY_HOST: 'https://login.microsoftonline.com',
      GRAPH_BASE_URL: 'https://graph.microsoft.com',
      GRAPH_API_VERSION: 'v1.0',
      GRAPH_SCOPES: DEFAULT_GRAPH_SCOPES,
      BACKEND_APP_ID_URI: `api://${backend}`,
    })
  })

  it('maps the legacy CLIENT_ID and CLIENT_SECRET', () => {
    const c = parseConfig(BackendConfig, {
      TENANT_ID: tenant,
      BACKEND_CLIENT_ID: backend,
      CLIENT_SECRET: 's',
      CLIENT_ID: backend,
    })
    expect(c.BACKEND_CLIENT_SECRET).toBe('s')
    expect(c.ALLOWED_CLIENT_APPS).toEqual([backend])
    expect(
      parseConfig(CliConfig, { TENANT_ID: tenant, BACKEND_CLIENT_ID: backend, CLIENT_ID: backend })
        .FRONTEND_CLIENT_ID,
    ).toBe(backend)
  })

  it('names every bad variable and its fix, without echoing secrets', () => {
    let error: unknown
    try {
      parseConfig(BackendConfig, {
        BACKEND_CLIENT_ID: 'not-a-guid',
        AUTHORITY_HOST: 'http://login',
        REDIS_URL: 'redis://x:6379',
      })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    expect(message).toContain('TENANT_ID: is required')
    expect(message).toContain('BACKEND_CLIENT_ID: must be a GUID')
    expect(message).toContain('AUTHORITY_HOST: must be an https:// URL')
  })

  it('requires a credential, and an encryption key when tokens go to Redis', () => {
    expect(() =>
      parseConfig(BackendConfig, {
        TENANT_ID: tenant,
        BACKEND_CLIENT_ID: backend,
        REDIS_URL: 'redis://127.0.0.1:6379',
      }),
    ).toThrow(
      /BACKEND_CLIENT_SECRET: is required.*\n.*TOKEN_CACHE_ENCRYPTION_KEY: is required when REDIS_URL/s,
    )
  })
})
