import { z } from 'zod'
import type { DevTenantContext } from '../context.ts'

export const ScenarioRequest = z.object({
  action: z.enum([
    'revoke-consent',
    'grant-consent',
    'require-mfa',
    'rotate-keys',
    'revoke-session',
    'block-user',
    'unblock-user',
  ]),
  user: z.string().optional(),
  /** rotate-keys: seconds the old key stays published (default: --rotation-grace, 60). */
  graceSeconds: z.number().int().min(0).max(86_400).optional(),
  /** require-mfa: false lifts the policy. */
  enabled: z.boolean().optional(),
})
export type ScenarioRequest = z.infer<typeof ScenarioRequest>

/** Flips a switch of the tenant at run time; returns what changed. */
export async function runScenario(
  ctx: DevTenantContext,
  s: ScenarioRequest,
): Promise<Record<string, unknown>> {
  if (s.action === 'rotate-keys') {
    const grace = s.graceSeconds ?? ctx.rotationGraceSeconds
    const r = await ctx.keys.rotate(grace)
    return { ...r, graceSeconds: grace }
  }
  const user = ctx.directory.user(s.user ?? ctx.directory.defaultUser.userPrincipalName)
  if (!user) throw new Error(`unknown user "${s.user}"`)
  switch (s.action) {
    case 'revoke-consent':
      user.consented = false
      break
    case 'grant-consent':
      user.consented = true
      break
    case 'require-mfa':
      user.requireMfa = s.enabled ?? true
      break
    case 'revoke-session':
      // iat has whole seconds: everything issued up to the end of this second is revoked, and
      // tokens issued from now on for this user get iat >= revokedAt (see TokenFactory.sign).
      user.revokedAt = Math.floor(Date.now() / 1000) + 1
      break
    case 'block-user':
      user.blocked = true
      break
    case 'unblock-user':
      user.blocked = false
      break
  }
  return {
    user: user.userPrincipalName,
    consented: user.consented,
    requireMfa: user.requireMfa,
    blocked: user.blocked,
    revokedAt: user.revokedAt,
  }
}
