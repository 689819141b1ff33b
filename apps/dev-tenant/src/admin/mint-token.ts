import { z } from 'zod'
import type { DevTenantContext } from '../context.ts'
import { authContextFromClaims } from '../entra/conditional-access.ts'

/**
 * POST /_admin/tokens: a Token A minted directly, for tests that need tokens no sign-in gives
 * (expired, other audience, extra claims). Signed with the tenant's active key.
 */
export const MintTokenRequest = z.object({
  /** `access` (default): a Token A for an API here; `graph`: a Token B (v1 Graph token). */
  kind: z.enum(['access', 'graph']).optional(),
  user: z.string().optional(),
  /** Client id (or App ID URI) of the API the token is for; default: the first app exposing a scope. */
  audienceApp: z.string().optional(),
  /** Calling client (azp/appid); default: the first public client. */
  clientId: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  /** Seconds until exp; negative for an already expired token. Default: random 60–90 min. */
  lifetimeSeconds: z
    .number()
    .int()
    .min(-86_400 * 30)
    .max(86_400)
    .optional(),
  /** Claims to add or override, e.g. { aud: 'someone-else' } or { iss: '...' }. */
  claims: z.record(z.string(), z.unknown()).optional(),
})
export type MintTokenRequest = z.infer<typeof MintTokenRequest>

export async function mintToken(
  ctx: DevTenantContext,
  req: MintTokenRequest,
): Promise<{ token: string; expiresIn: number }> {
  const apps = ctx.directory.file.apps
  const api = req.audienceApp
    ? ctx.directory.appByResource(req.audienceApp)
    : apps.find((a) => a.exposedScopes.length > 0)
  const client = req.clientId
    ? ctx.directory.app(req.clientId)
    : apps.find((a) => a.kind === 'public')
  const user = ctx.directory.user(req.user ?? ctx.directory.defaultUser.userPrincipalName)
  if (!api || !client || !user) throw new Error('unknown audienceApp, clientId or user')
  if (req.kind === 'graph') {
    // Token B as the API's On-Behalf-Of exchange would get it (client = the API).
    return ctx.tokens.graphAccessToken({
      client: api,
      user,
      scopes: req.scopes ?? api.graphDelegatedPermissions,
      auth: authContextFromClaims(undefined),
      clientAuthMethod: '1',
      lifetime: req.lifetimeSeconds,
      extra: req.claims,
    })
  }
  return ctx.tokens.apiAccessToken({
    api,
    client,
    user,
    scopes: req.scopes ?? api.exposedScopes,
    auth: authContextFromClaims(undefined),
    clientAuthMethod: client.kind === 'public' ? '0' : '1',
    lifetime: req.lifetimeSeconds,
    extra: req.claims,
  })
}
