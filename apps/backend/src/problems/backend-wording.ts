import type { ProblemOptions } from '@oboe/obo-core'

/** The problem `type` of every answer of this API: a stable URN per code. */
export const problemTypeUri = (code: string): string => `urn:oboe:problem:${code}`

/**
 * obo-core speaks of the identity platform; this backend also names its own settings, so the
 * person who meets the error knows which variable to change.
 */
export const backendWording: NonNullable<ProblemOptions['describe']> = (error) => {
  switch (error.code) {
    case 'invalid_client':
      return {
        fix: 'Set BACKEND_CLIENT_SECRET to the Value of a current client secret of the backend app (not its Secret ID), then restart the backend.',
      }
    case 'client_secret_expired':
      return {
        fix: 'Create a new client secret for the backend app (Certificates & secrets) and put its Value in BACKEND_CLIENT_SECRET, then restart the backend.',
      }
    case 'invalid_scope':
      return {
        fix: 'Check GRAPH_SCOPES: delegated Microsoft Graph permissions of one resource, e.g. https://graph.microsoft.com/Files.Read.All.',
      }
    case 'consent_required':
      return {
        fix: "Grant admin consent for the backend app's Microsoft Graph permissions (API permissions → Grant admin consent), or let the user consent, then retry.",
      }
    case 'invalid_assertion':
    case 'token_audience':
    case 'token_scope':
      return {
        fix: 'Verify the Application ID URI of the backend app and that the client asks for api://<BACKEND_CLIENT_ID>/access_as_user (BACKEND_CLIENT_ID on both sides).',
      }
    case 'token_issuer':
    case 'token_tenant':
      return {
        fix: 'The token comes from another tenant or authority: use the same TENANT_ID and AUTHORITY_HOST for the CLI and the backend.',
      }
    default:
      return undefined
  }
}

/** How this backend writes obo-core's problems. */
export function backendProblemOptions(authorizationUri?: string): ProblemOptions {
  return {
    typeUri: problemTypeUri,
    describe: backendWording,
    ...(authorizationUri && { authorizationUri }),
  }
}
