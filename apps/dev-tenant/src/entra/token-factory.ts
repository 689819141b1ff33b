import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto'
import type { ProtectedHeaderParameters } from 'jose'
import { loadJose } from './jose.ts'
import type { SigningKeyRing } from '../crypto/signing-keys.ts'
import type { AppRegistration } from '../tenant/schema.ts'
import type { UserState } from '../tenant/directory.ts'

/** Microsoft Graph as a resource: its v1 audience and well-known app id. */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com'
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000'

/** What the user proved at sign-in; carried from the code to every token of the session. */
export interface AuthContext {
  /** Authentication methods: ["pwd"], or ["pwd","mfa"] after an MFA claims challenge. */
  amr: string[]
  /** Conditional Access authentication contexts satisfied, e.g. ["c1"]. */
  acrs: string[]
  /** Client capabilities asked through claims (e.g. cp1 for CAE). */
  xmsCc: string[]
  /** Epoch seconds of the sign-in. */
  authTime: number
}

export interface IssuedToken {
  token: string
  expiresIn: number
}

/** Lifetimes are random in 60–90 minutes, like Entra's (~75 on average). */
export function randomLifetimeSeconds(): number {
  return randomInt(60 * 60, 90 * 60 + 1)
}

const now = () => Math.floor(Date.now() / 1000)

/** The user's `sub`: pairwise per app, so two apps never see the same subject. */
function pairwiseSub(oid: string, clientId: string): string {
  return createHash('sha256').update(`${oid}|${clientId}`).digest('base64url').slice(0, 43)
}

/**
 * Mints every token the emulator issues, signed with the tenant's active key. Knows the
 * canonical origin, because v2 issuers live under it (`<origin>/{tid}/v2.0`).
 */
export class TokenFactory {
  constructor(
    private readonly keys: SigningKeyRing,
    readonly origin: string,
    readonly tenantId: string,
  ) {}

  get issuerV2(): string {
    return `${this.origin}/${this.tenantId}/v2.0`
  }

  get issuerV1(): string {
    return `https://sts.windows.net/${this.tenantId}/`
  }

  private async sign(
    claims: Record<string, unknown>,
    v1: boolean,
    lifetime?: number,
    minIat = 0,
  ): Promise<IssuedToken> {
    const key = this.keys.active
    const expiresIn = lifetime ?? randomLifetimeSeconds()
    // A negative lifetime (admin-minted expired token) moves iat back so that iat < exp.
    const iat = expiresIn > 0 ? Math.max(now(), minIat) : now() + expiresIn - 3600
    const header = v1
      ? { typ: 'JWT', alg: 'RS256', x5t: key.x5t, kid: key.kid }
      : { typ: 'JWT', alg: 'RS256', kid: key.kid }
    const { SignJWT } = await loadJose()
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader(header)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(expiresIn > 0 ? iat + expiresIn : now() + expiresIn)
      .sign(key.privateKey)
    return { token, expiresIn }
  }

  /** Token A: a user access token for an API registered in the tenant (v2, or v1 if the app asks). */
  async apiAccessToken(opts: {
    api: AppRegistration
    client: AppRegistration
    user: UserState
    scopes: string[]
    auth: AuthContext
    clientAuthMethod: '0' | '1' | '2'
    lifetime?: number
    /** Claims to add or override (admin-minted test tokens only). */
    extra?: Record<string, unknown>
  }): Promise<IssuedToken> {
    const { api, client, user, scopes, auth } = opts
    const extra = opts.extra ?? {}
    const common = {
      aio: randomBytes(24).toString('base64url'),
      name: user.displayName,
      oid: user.oid,
      rh: `0.${randomBytes(12).toString('base64url')}.`,
      scp: scopes.join(' '),
      sub: pairwiseSub(user.oid, api.clientId),
      tid: this.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ...(auth.acrs.length ? { acrs: auth.acrs } : {}),
      ...(auth.xmsCc.length ? { xms_cc: auth.xmsCc } : {}),
    }
    if (api.accessTokenVersion === 1) {
      return this.sign(
        {
          aud: api.appIdUri ?? `api://${api.clientId}`,
          iss: this.issuerV1,
          ...common,
          acr: '1',
          amr: auth.amr,
          appid: client.clientId,
          appidacr: opts.clientAuthMethod,
          unique_name: user.userPrincipalName,
          upn: user.userPrincipalName,
          ver: '1.0',
          ...extra,
        },
        true,
        opts.lifetime,
        user.revokedAt,
      )
    }
    return this.sign(
      {
        aud: api.clientId,
        iss: this.issuerV2,
        ...common,
        amr: auth.amr,
        azp: client.clientId,
        azpacr: opts.clientAuthMethod,
        preferred_username: user.userPrincipalName,
        ver: '2.0',
        ...extra,
      },
      false,
      opts.lifetime,
      user.revokedAt,
    )
  }

  /** An app-only token (client_credentials): `roles`, no `scp`. */
  async appOnlyToken(opts: {
    resource: 'graph' | AppRegistration
    client: AppRegistration
    roles: string[]
    clientAuthMethod: '1' | '2'
  }) {
    const { resource, client, roles } = opts
    const base = {
      aio: randomBytes(24).toString('base64url'),
      idtyp: 'app',
      oid: client.clientId,
      roles,
      sub: client.clientId,
      tid: this.tenantId,
      uti: randomBytes(16).toString('base64url'),
    }
    if (resource === 'graph') {
      return this.signGraph({
        aud: GRAPH_RESOURCE,
        iss: this.issuerV1,
        ...base,
        app_displayname: client.displayName,
        appid: client.clientId,
        appidacr: opts.clientAuthMethod,
        ver: '1.0',
      })
    }
    if (resource.accessTokenVersion === 1) {
      return this.sign(
        {
          aud: resource.appIdUri ?? `api://${resource.clientId}`,
          iss: this.issuerV1,
          ...base,
          appid: client.clientId,
          appidacr: opts.clientAuthMethod,
          ver: '1.0',
        },
        true,
      )
    }
    return this.sign(
      {
        aud: resource.clientId,
        iss: this.issuerV2,
        ...base,
        azp: client.clientId,
        azpacr: opts.clientAuthMethod,
        ver: '2.0',
      },
      false,
    )
  }

  /** Token B: a v1 Microsoft Graph token for a user (PROTOCOL.md §3). */
  async graphAccessToken(opts: {
    client: AppRegistration
    user: UserState
    scopes: string[]
    auth: AuthContext
    clientAuthMethod: '0' | '1' | '2'
    lifetime?: number
    /** Claims to add or override (admin-minted test tokens only). */
    extra?: Record<string, unknown>
  }): Promise<IssuedToken> {
    const { client, user, scopes, auth } = opts
    return this.signGraph(
      {
        aud: GRAPH_RESOURCE,
        iss: this.issuerV1,
        acct: 0,
        acr: '1',
        ...(auth.acrs.length ? { acrs: auth.acrs } : {}),
        aio: randomBytes(24).toString('base64url'),
        amr: auth.amr,
        app_displayname: client.displayName,
        appid: client.clientId,
        appidacr: opts.clientAuthMethod,
        idtyp: 'user',
        name: user.displayName,
        oid: user.oid,
        platf: '3',
        puid: createHash('sha1').update(user.oid).digest('hex').slice(0, 16).toUpperCase(),
        rh: `0.${randomBytes(12).toString('base64url')}.`,
        scp: scopes.join(' '),
        signin_state: ['kmsi'],
        sub: pairwiseSub(user.oid, GRAPH_APP_ID),
        tenant_region_scope: 'EU',
        tid: this.tenantId,
        unique_name: user.userPrincipalName,
        upn: user.userPrincipalName,
        uti: randomBytes(16).toString('base64url'),
        ver: '1.0',
        wids: ['b79fbf4d-3ef9-4689-8143-76b194e85509'],
        ...(auth.xmsCc.length ? { xms_cc: auth.xmsCc } : {}),
        xms_tcdt: 1700000000,
        ...opts.extra,
      },
      opts.lifetime,
      user.revokedAt,
    )
  }

  /**
   * Graph tokens carry a `nonce` header and are signed over a header holding SHA-256(nonce)
   * instead, so a standard JWT library cannot verify them: only "Graph" (this emulator) can.
   */
  private async signGraph(
    claims: Record<string, unknown>,
    lifetime?: number,
    minIat = 0,
  ): Promise<IssuedToken> {
    const key = this.keys.active
    const expiresIn = lifetime ?? randomLifetimeSeconds()
    const iat = expiresIn > 0 ? Math.max(now(), minIat) : now() + expiresIn - 3600
    const payload = {
      ...claims,
      iat,
      nbf: iat,
      exp: expiresIn > 0 ? iat + expiresIn : now() + expiresIn,
    }
    const nonce = randomBytes(32).toString('base64url')
    const signedHeader = graphHeader(graphNonceHash(nonce), key.x5t, key.kid)
    const { CompactSign } = await loadJose()
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader(signedHeader)
      .sign(key.privateKey)
    const [, body, signature] = jws.split('.')
    const shownHeader = Buffer.from(JSON.stringify(graphHeader(nonce, key.x5t, key.kid))).toString(
      'base64url',
    )
    return { token: `${shownHeader}.${body}.${signature}`, expiresIn }
  }

  /** An OpenID Connect id_token (v2) for `client`. */
  async idToken(opts: {
    client: AppRegistration
    user: UserState
    nonce?: string
    auth: AuthContext
  }): Promise<string> {
    const { client, user, nonce, auth } = opts
    const { token } = await this.sign(
      {
        aud: client.clientId,
        iss: this.issuerV2,
        name: user.displayName,
        ...(nonce ? { nonce } : {}),
        oid: user.oid,
        preferred_username: user.userPrincipalName,
        rh: `0.${randomBytes(12).toString('base64url')}.`,
        sub: pairwiseSub(user.oid, client.clientId),
        tid: this.tenantId,
        uti: randomBytes(16).toString('base64url'),
        ver: '2.0',
        ...(auth.acrs.length ? { acrs: auth.acrs } : {}),
      },
      false,
      3600,
    )
    return token
  }

  /** client_info: base64url(JSON {uid, utid}); msal-node keys its cache accounts by it. */
  clientInfo(user: UserState): string {
    return Buffer.from(JSON.stringify({ uid: user.oid, utid: this.tenantId })).toString('base64url')
  }

  /**
   * Verifies a Graph token issued here: rebuilds the signed header with the hashed nonce.
   * Returns its claims, or throws with a Graph-style reason.
   */
  async verifyGraphToken(token: string): Promise<Record<string, unknown>> {
    const parts = token.split('.')
    if (parts.length !== 3)
      throw new GraphTokenError('IDX14100: JWT is not well formed, there are no dots (.).')
    const { compactVerify, decodeProtectedHeader } = await loadJose()
    let header: ProtectedHeaderParameters
    try {
      header = decodeProtectedHeader(token)
    } catch {
      throw new GraphTokenError(
        'IDX14102: Unable to decode the header as Base64Url encoded string.',
      )
    }
    if (
      header.alg !== 'RS256' ||
      typeof header.nonce !== 'string' ||
      typeof header.kid !== 'string'
    ) {
      throw new GraphTokenError('Invalid signature.')
    }
    const key = this.keys.find(header.kid)
    if (!key) throw new GraphTokenError('Invalid signature.')
    const signedHeader = Buffer.from(
      JSON.stringify(graphHeader(graphNonceHash(header.nonce), String(header.x5t), header.kid)),
    ).toString('base64url')
    let payload: Record<string, unknown>
    try {
      const result = await compactVerify(`${signedHeader}.${parts[1]}.${parts[2]}`, key.publicKey, {
        algorithms: ['RS256'],
      })
      payload = JSON.parse(new TextDecoder().decode(result.payload)) as Record<string, unknown>
    } catch {
      throw new GraphTokenError('Invalid signature.')
    }
    if (payload.aud !== GRAPH_RESOURCE && payload.aud !== GRAPH_APP_ID)
      throw new GraphTokenError('Invalid audience.')
    if (payload.iss !== this.issuerV1) throw new GraphTokenError('Invalid issuer.')
    const t = now()
    if (
      typeof payload.exp !== 'number' ||
      payload.exp < t ||
      (typeof payload.nbf === 'number' && payload.nbf > t + 300)
    ) {
      throw new GraphTokenError('Lifetime validation failed, the token is expired.', 'expired')
    }
    return payload
  }
}

function graphNonceHash(nonce: string): string {
  return createHash('sha256').update(nonce).digest('base64url')
}

/** Fixed key order, so the verifier reproduces the signed header byte for byte. */
function graphHeader(nonce: string, x5t: string, kid: string) {
  return { typ: 'JWT', nonce, alg: 'RS256', x5t, kid }
}

/** Why a Graph token was refused. */
export class GraphTokenError extends Error {
  constructor(
    message: string,
    readonly reason: 'invalid' | 'expired' = 'invalid',
  ) {
    super(message)
    this.name = 'GraphTokenError'
  }
}

/** Opaque random handle for codes, refresh tokens and device codes. */
export function opaqueHandle(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url')
}

export { randomUUID }
