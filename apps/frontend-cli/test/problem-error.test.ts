import { describe, expect, it } from 'vitest'
import { problemToCliError } from '../src/api/problem-error.ts'
import { explainError } from '../src/errors/explain-error.ts'
import { ServerError } from '@azure/msal-node'

const context = {
  backendUrl: 'http://localhost:5000',
  BACKEND_CLIENT_ID: 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857',
}
const problem = (p: Record<string, unknown>) => ({
  type: 'about:blank',
  title: 'Problem',
  status: 400,
  ...p,
})

describe('problemToCliError', () => {
  it("Should print the backend's own fix and request id", () => {
    const e = problemToCliError(
      403,
      problem({
        status: 403,
        code: 'consent_required',
        title: 'Consent required',
        fix: 'Grant admin consent.',
        requestId: 'r-1',
      }),
      new Headers(),
      context,
    )
    expect(e.exitCode).toBe(2)
    expect(e.fix).toBe('Grant admin consent.')
    expect(e.message).toContain('request id r-1')
  })

  it('Should fill in the seed fixes when the backend gives none (65001, 50013, 401)', () => {
    const consent = problemToCliError(
      403,
      problem({ code: 'consent_required' }),
      new Headers(),
      context,
    )
    expect(consent.fix).toMatch(/Grant admin consent.*README → Using a real tenant, step 7/)
    const audience = problemToCliError(
      401,
      problem({ code: 'invalid_token', detail: 'AADSTS50013: Assertion audience does not match' }),
      new Headers(),
      context,
    )
    expect(audience.fix).toMatch(/Application ID URI is api:\/\/c3a9d2e4/)
    const seed401 = problemToCliError(
      401,
      { error: 'Missing or invalid Authorization header' },
      new Headers(),
      context,
    )
    expect(seed401.fix).toMatch(
      /Validate BACKEND_CLIENT_SECRET and ensure Graph permissions are granted/,
    )
  })

  it('Should map throttling to exit 3 with the Retry-After wait', () => {
    const e = problemToCliError(
      429,
      problem({ status: 429, code: 'throttled' }),
      new Headers({ 'retry-after': '7' }),
      context,
    )
    expect(e.exitCode).toBe(3)
    expect(e.fix).toMatch(/Wait 7 s/)
  })
})

describe('explainError', () => {
  it('Should say "Ensure backend API is running at <url>" for a refused connection', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), {
      code: 'ECONNREFUSED',
    })
    const e = explainError(new TypeError('fetch failed', { cause }), {
      target: { name: 'backend', url: 'http://localhost:5000' },
    })
    expect(e.code).toBe('connection_refused')
    expect(e.exitCode).toBe(4)
    expect(e.fix).toMatch(/^Ensure backend API is running at http:\/\/localhost:5000/)
  })

  it('Should name the fix of an AADSTS error from msal-node', () => {
    const e = explainError(
      new ServerError(
        'invalid_grant',
        'c',
        'AADSTS65001: The user has not consented',
        'consent_required',
        '65001',
        400,
      ),
    )
    expect(e.code).toBe('aadsts_65001')
    expect(e.fix).toMatch(/admin consent/)
  })

  it('Should send an untrusted certificate to NODE_EXTRA_CA_CERTS, never to switching checks off', () => {
    const cause = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    })
    const e = explainError(new TypeError('fetch failed', { cause }))
    expect(e.code).toBe('tls_untrusted')
    expect(e.fix).toMatch(/NODE_EXTRA_CA_CERTS/)
  })
})
