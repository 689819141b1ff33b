import type { UserState } from '../tenant/directory.ts'
import { aadsts } from './token-error.ts'
import type { AuthContext } from './token-factory.ts'

/** The authentication context a dave-style MFA policy asks for. */
export const MFA_AUTH_CONTEXT = 'c1'

/** The claims challenge Entra returns with AADSTS50076 (raw JSON, as the token endpoint sends it). */
export const MFA_CLAIMS_CHALLENGE = JSON.stringify({
  access_token: { acrs: { essential: true, value: MFA_AUTH_CONTEXT } },
})

/**
 * Conditional Access for Microsoft Graph: a blocked user gets AADSTS53003, a user under an MFA
 * policy gets AADSTS50076 with a claims challenge until a sign-in satisfies it.
 */
export function enforceGraphPolicies(user: UserState, auth: AuthContext): void {
  if (user.blocked) throw aadsts.blocked()
  if (user.requireMfa && !(auth.amr.includes('mfa') || auth.acrs.includes(MFA_AUTH_CONTEXT))) {
    throw aadsts.mfaRequired(MFA_CLAIMS_CHALLENGE)
  }
}

/** Refuses grants older than a revoke-session (AADSTS50173). */
export function enforceSession(user: UserState, issuedAtSeconds: number): void {
  if (user.revokedAt !== undefined && issuedAtSeconds < user.revokedAt) throw aadsts.grantRevoked()
}

/**
 * Reads the `claims` request parameter of a sign-in. Asking for an authentication context
 * (acrs) makes the emulated user perform MFA; xms_cc declares client capabilities (cp1).
 */
export function authContextFromClaims(
  claims: string | undefined,
  authTime = Math.floor(Date.now() / 1000),
): AuthContext {
  const auth: AuthContext = { amr: ['pwd'], acrs: [], xmsCc: [], authTime }
  if (!claims) return auth
  let parsed: {
    access_token?: Record<string, { value?: string; values?: string[] }>
    id_token?: unknown
  }
  try {
    parsed = JSON.parse(claims)
  } catch {
    return auth
  }
  const at = parsed.access_token ?? {}
  const acrs = at.acrs
  if (acrs) {
    auth.acrs = [...(acrs.values ?? []), ...(acrs.value ? [acrs.value] : [])]
    auth.amr = ['pwd', 'mfa']
  }
  const cc = at.xms_cc
  if (cc) auth.xmsCc = [...(cc.values ?? []), ...(cc.value ? [cc.value] : [])]
  return auth
}
