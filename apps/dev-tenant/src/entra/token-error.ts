import { randomUUID } from 'node:crypto'
import type { Context } from 'hono'

/** Entra's timestamp format in error bodies: "2016-01-09 02:02:12Z". */
export function entraTimestamp(date = new Date()): string {
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z')
}

/** An error the token endpoint answers with, in Entra's exact body (PROTOCOL.md §3). */
export class EntraError extends Error {
  constructor(
    readonly error: string,
    readonly aadsts: number,
    readonly description: string,
    readonly status: 400 | 401 | 403 | 429 | 500 | 503 = 400,
    readonly extra: { suberror?: string; claims?: string } = {},
  ) {
    super(`AADSTS${aadsts}: ${description}`)
    this.name = 'EntraError'
  }
}

/** The correlation id a client sent (msal-node: `client-request-id`), else a new one. */
export function correlationIdOf(c: Context, form?: Record<string, string>): string {
  return (
    c.req.header('client-request-id') ??
    c.req.query('client-request-id') ??
    form?.['client-request-id'] ??
    randomUUID()
  )
}

/** The JSON body of an Entra token-endpoint error. */
export function entraErrorBody(err: EntraError, correlationId: string) {
  const traceId = randomUUID()
  const timestamp = entraTimestamp()
  return {
    error: err.error,
    error_description: `AADSTS${err.aadsts}: ${err.description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [err.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${err.aadsts}`,
    ...(err.extra.suberror ? { suberror: err.extra.suberror } : {}),
    ...(err.extra.claims ? { claims: err.extra.claims } : {}),
  }
}

/** The catalogue of errors users actually meet, with Entra's wording. */
export const aadsts = {
  consentRequired: (clientId: string, appName: string) =>
    new EntraError(
      'invalid_grant',
      65001,
      `The user or administrator has not consented to use the application with ID '${clientId}' named '${appName}'. Send an interactive authorization request for this user and resource.`,
      400,
      { suberror: 'consent_required' },
    ),
  assertionSignature: () =>
    new EntraError(
      'invalid_grant',
      50013,
      'Assertion failed signature validation. [Reason - The key was not found.]',
    ),
  assertionInvalid: (reason: string) =>
    new EntraError('invalid_grant', 50013, `Assertion is invalid. [Reason - ${reason}]`),
  assertionAudience: (got: string, expected: string) =>
    new EntraError(
      'invalid_grant',
      500131,
      `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${got}' and the expected audience is '${expected}' or one of the Application Id URIs of this client.`,
    ),
  assertionExpired: (now: Date, exp: Date) =>
    new EntraError(
      'invalid_grant',
      500133,
      `Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: ${now.toISOString()}, expiry time of assertion ${exp.toISOString()}.`,
    ),
  mfaRequired: (claims: string) =>
    new EntraError(
      'invalid_grant',
      50076,
      "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.",
      400,
      { suberror: 'basic_action', claims },
    ),
  blocked: () =>
    new EntraError(
      'invalid_grant',
      53003,
      'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
      400,
      { suberror: 'message_only' },
    ),
  wrongSecret: (clientId: string) =>
    new EntraError(
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      401,
    ),
  expiredSecret: (clientId: string) =>
    new EntraError(
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      401,
    ),
  missingCredential: () =>
    new EntraError(
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      401,
    ),
  clientAssertionInvalid: (reason: string) =>
    new EntraError(
      'invalid_client',
      700027,
      `Client assertion failed signature validation. [Reason - ${reason}]`,
      401,
    ),
  clientAssertionTime: () =>
    new EntraError(
      'invalid_client',
      700024,
      'Client assertion is not within its valid time range.',
      401,
    ),
  unknownClient: (clientId: string, tenant: string) =>
    new EntraError(
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  invalidScope: (scope: string) =>
    new EntraError(
      'invalid_scope',
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope '${scope}' does not exist.`,
    ),
  multipleResources: () =>
    new EntraError(
      'invalid_scope',
      700022,
      "The provided value for the input parameter scope is not valid because it contains more than one resource. Scope '...' is not valid.",
    ),
  unknownResource: (resource: string, tenant: string) =>
    new EntraError(
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  missingParameter: (name: string) =>
    new EntraError(
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  unsupportedGrant: (grant: string) =>
    new EntraError(
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grant}'.`,
    ),
  codeRedeemed: () =>
    new EntraError(
      'invalid_grant',
      54005,
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    ),
  codeInvalid: () =>
    new EntraError(
      'invalid_grant',
      70008,
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    ),
  redirectMismatch: () =>
    new EntraError(
      'invalid_grant',
      70002,
      'The request redirect_uri does not match the one used in the authorization request.',
    ),
  pkceMismatch: () =>
    new EntraError(
      'invalid_grant',
      501481,
      'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
    ),
  pkceMissing: () =>
    new EntraError(
      'invalid_request',
      9002325,
      'Proof Key for Code Exchange is required for cross-origin authorization code redemption.',
    ),
  refreshInvalid: () =>
    new EntraError(
      'invalid_grant',
      9002313,
      'Invalid request. Request is malformed or invalid. - The provided refresh token is invalid.',
    ),
  grantRevoked: () =>
    new EntraError(
      'invalid_grant',
      50173,
      'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
      400,
      { suberror: 'bad_token' },
    ),
  tenantSpecificRequired: () =>
    new EntraError(
      'invalid_request',
      50194,
      "Application is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.",
    ),
  tenantNotFound: (tenant: string) =>
    new EntraError(
      'invalid_request',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    ),
  publicClientNoSecret: () =>
    new EntraError(
      'invalid_request',
      700025,
      "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    ),
  authorizationPending: () =>
    new EntraError(
      'authorization_pending',
      70016,
      'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
    ),
  slowDown: () =>
    new EntraError(
      'slow_down',
      70016,
      'OAuth 2.0 device flow error. Polling too fast; wait the interval before polling again.',
    ),
  deviceCodeExpired: () =>
    new EntraError(
      'expired_token',
      70020,
      "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
    ),
  deviceCodeDenied: () =>
    new EntraError('access_denied', 70000, 'The user denied the authorization request.'),
  deviceCodeInvalid: () =>
    new EntraError(
      'invalid_grant',
      70000,
      "The provided value for the 'device_code' is not valid.",
    ),
  appOnlyAssertion: () =>
    new EntraError(
      'invalid_grant',
      50013,
      'Assertion is invalid. [Reason - The assertion is an app-only token; On-Behalf-Of requires a delegated user token.]',
    ),
  userNotFound: (who: string) =>
    new EntraError(
      'invalid_grant',
      50034,
      `The user account ${who} does not exist in the directory.`,
    ),
}
