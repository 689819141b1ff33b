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

describe('configuration mistakes met at start-up', () => {
  const base = { BACKEND_CLIENT_ID: backend, BACKEND_CLIENT_SECRET: 's' }
  const problemOf = (env: Record<string, string>) => {
    try {
      parseConfig(BackendConfig, { ...base, ...env })
    } catch (e) {
      return (e as ConfigError).message
    }
    return undefined
  }

  it('says a PORT that is set but not a number must be a number, on one line', () => {
    const message = problemOf({ TENANT_ID: tenant, PORT: 'abc' })
    expect(message).toBe(
      'Invalid configuration: PORT: must be a number from 0 to 65535, e.g. PORT=5000. Set it in the environment or in .env (see .env.example).',
    )
  })

  it('refuses TENANT_ID=common because On-Behalf-Of needs one tenant', () => {
    expect(problemOf({ TENANT_ID: 'common' })).toMatch(
      /^Invalid configuration: TENANT_ID: must be your tenant's ID, not a multi-tenant authority/,
    )
    expect(problemOf({ TENANT_ID: 'Organizations' })).toContain('multi-tenant authority')
  })

  it('refuses a TENANT_ID that is neither a GUID nor a domain', () => {
    expect(problemOf({ TENANT_ID: 'abc' })).toContain(
      'TENANT_ID: must be a tenant GUID or a verified domain such as contoso.onmicrosoft.com',
    )
    expect(problemOf({ TENANT_ID: 'contoso.onmicrosoft.com' })).toBeUndefined()
    expect(problemOf({ TENANT_ID: tenant.toUpperCase() })).toBeUndefined()
  })

  it('takes a CA file for the authority and Graph, in the backend and in the CLI', () => {
    const c = parseConfig(BackendConfig, {
      ...base,
      TENANT_ID: tenant,
      EXTRA_CA_CERTS_FILE: '/etc/ssl/private-ca.pem',
    })
    expect(c.EXTRA_CA_CERTS_FILE).toBe('/etc/ssl/private-ca.pem')
    expect(
      parseConfig(CliConfig, {
        TENANT_ID: tenant,
        BACKEND_CLIENT_ID: backend,
        FRONTEND_CLIENT_ID: backend,
        EXTRA_CA_CERTS_FILE: 'ca.pem',
      }).EXTRA_CA_CERTS_FILE,
    ).toBe('ca.pem')
  })
})
