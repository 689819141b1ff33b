import type { WebApiOptions } from './web-api.ts'

/**
 * The identity of the API from the Azure SDK's standard environment variables: `AZURE_TENANT_ID`,
 * `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and, when set, `AZURE_AUTHORITY_HOST`. Throws a
 * TypeError naming each variable that is missing.
 *
 * @example
 * ```ts
 * const api = createWebApi({ ...fromAzureEnvironment(), downstreamApis: { graph: { scopes } } })
 * ```
 */
export function fromAzureEnvironment(
  env: Record<string, string | undefined> = process.env,
): Pick<WebApiOptions, 'authorityHost' | 'tenantId' | 'clientId' | 'credential'> {
  const missing = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'].filter(
    (name) => !env[name],
  )
  if (missing.length > 0)
    throw new TypeError(
      `Set ${missing.join(', ')}: the tenant, client id and client secret Value of the API's app registration.`,
    )
  return {
    tenantId: env.AZURE_TENANT_ID as string,
    clientId: env.AZURE_CLIENT_ID as string,
    credential: { clientSecret: env.AZURE_CLIENT_SECRET as string },
    ...(env.AZURE_AUTHORITY_HOST && { authorityHost: env.AZURE_AUTHORITY_HOST }),
  }
}
