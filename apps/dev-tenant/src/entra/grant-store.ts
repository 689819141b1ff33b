import type { AuthContext } from './token-factory.ts'

/** An authorization code, single use, valid for a few minutes. */
export interface AuthorizationCode {
  clientId: string
  redirectUri: string
  userOid: string
  scope: string
  codeChallenge: string
  nonce?: string
  auth: AuthContext
  expiresAt: number
  redeemed: boolean
}

/** A refresh token's grant: who, which client, and what the sign-in proved. */
export interface RefreshGrant {
  clientId: string
  userOid: string
  auth: AuthContext
  issuedAt: number
  expiresAt: number
}

/** A pending device-code sign-in (RFC 8628). */
export interface DeviceAuthorization {
  clientId: string
  userCode: string
  scope: string
  expiresAt: number
  interval: number
  lastPollAt?: number
  status: 'pending' | 'approved' | 'denied'
  userOid?: string
  auth?: AuthContext
}

/** An authorize request waiting for the person on the sign-in page. */
export interface PendingSignIn {
  tenant: string
  clientId: string
  redirectUri: string
  scope: string
  state?: string
  nonce?: string
  codeChallenge: string
  claims?: string
  loginHint?: string
  responseMode: 'query' | 'form_post'
  userOid?: string
  expiresAt: number
}

/** Authorization codes expire after 5 minutes (Entra: up to 10). */
export const CODE_LIFETIME_MS = 5 * 60_000
/** Refresh tokens of the emulator live 90 days, like Entra's sliding window. */
export const REFRESH_LIFETIME_MS = 90 * 24 * 3600_000

/** Most refresh tokens kept; benchmarks issue many, and the oldest are the least likely reused. */
export const MAX_REFRESH_TOKENS = 100_000

/** Everything the token endpoint remembers between requests, in memory. */
export class GrantStore {
  readonly codes = new Map<string, AuthorizationCode>()
  readonly refreshTokens = new Map<string, RefreshGrant>()
  readonly deviceCodes = new Map<string, DeviceAuthorization>()
  readonly deviceCodesByUserCode = new Map<string, string>()
  readonly pendingSignIns = new Map<string, PendingSignIn>()

  /** Remembers a refresh token, forgetting the oldest beyond MAX_REFRESH_TOKENS. */
  addRefreshToken(handle: string, grant: RefreshGrant): void {
    this.refreshTokens.set(handle, grant)
    if (this.refreshTokens.size > MAX_REFRESH_TOKENS) {
      this.refreshTokens.delete(this.refreshTokens.keys().next().value!)
    }
  }

  /** Drops what has expired, so a long-running emulator does not grow without bound. */
  sweep(now = Date.now()): void {
    for (const [k, v] of this.codes) if (v.expiresAt < now) this.codes.delete(k)
    for (const [k, v] of this.refreshTokens) if (v.expiresAt < now) this.refreshTokens.delete(k)
    for (const [k, v] of this.pendingSignIns) if (v.expiresAt < now) this.pendingSignIns.delete(k)
    for (const [k, v] of this.deviceCodes) {
      if (v.expiresAt + 60_000 < now) {
        this.deviceCodes.delete(k)
        this.deviceCodesByUserCode.delete(v.userCode)
      }
    }
  }
}
