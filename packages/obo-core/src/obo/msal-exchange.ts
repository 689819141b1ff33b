import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node'
import type { IPolicy } from 'cockatiel'
import type { MsalAuthority } from '../authority/msal-authority.ts'
import { OboError } from '../errors/obo-error.ts'
import { toOboError } from '../errors/to-obo-error.ts'
import type { OboEvent } from '../events.ts'
import type { FetchLike } from '../http/fetch.ts'
import type { msalCredential } from './client-credential.ts'
import { TokenEndpointTransport } from './token-endpoint-transport.ts'

/**
 * What one exchange asks for.
 *
 * @example
 * ```ts
 * const request: ExchangeRequest = { scopes: ['https://graph.microsoft.com/.default'] }
 * ```
 */
export interface ExchangeRequest {
  scopes: string[]
  claims?: string
  correlationId?: string
}

/**
 * A Token B.
 *
 * @example
 * ```ts
 * const { accessToken, expiresOn, fromCache } = await obo.acquire(tokenA, { scopes })
 * ```
 */
export interface AcquiredToken {
  accessToken: string
  expiresOn: Date
  scopes: string[]
  fromCache: boolean
}

/**
 * Settings of {@link createMsalExchange}.
 *
 * @example
 * ```ts
 * createMsalExchange({ clientId, credential: msalCredential({ clientSecret }), fetch, timeoutMs: 10_000, policy, emit })
 * ```
 */
export interface MsalExchangeOptions {
  clientId: string
  credential: ReturnType<typeof msalCredential>
  clientCapabilities?: string[]
  fetch: FetchLike
  timeoutMs: number
  policy: IPolicy
  emit: (event: OboEvent) => void
}

/**
 * One On-Behalf-Of exchange through msal-node without its shared cache: a short-lived
 * `ConfidentialClientApplication` per exchange with the authority metadata supplied up front (no
 * discovery requests), inside the retry and circuit-breaker policy. Failures become
 * {@link OboError}s.
 *
 * @example
 * ```ts
 * const exchange = createMsalExchange(options)
 * const tokenB = await exchange(tokenA, { scopes }, msalAuthority(host, tenantId, document))
 * ```
 */
export function createMsalExchange(
  options: MsalExchangeOptions,
): (
  assertion: string,
  request: ExchangeRequest,
  authority: MsalAuthority,
) => Promise<AcquiredToken> {
  const { emit } = options
  return (assertion, request, authority) => {
    let attempt = 0
    return options.policy.execute(async () => {
      attempt++
      const started = performance.now()
      const transport = new TokenEndpointTransport(options.fetch, options.timeoutMs)
      const config: Configuration = {
        auth: {
          clientId: options.clientId,
          ...authority,
          ...(options.clientCapabilities && { clientCapabilities: options.clientCapabilities }),
          ...options.credential,
        },
        system: { networkClient: transport },
      }
      try {
        const app = new ConfidentialClientApplication(config)
        const result = await app.acquireTokenOnBehalfOf({
          oboAssertion: assertion,
          scopes: request.scopes,
          skipCache: true,
          ...(request.claims && { claims: request.claims }),
          ...(request.correlationId && { correlationId: request.correlationId }),
        })
        if (!result?.accessToken || !result.expiresOn) {
          throw new OboError('unknown', 'The token endpoint answered without an access token')
        }
        emit({ type: 'exchange', durationMs: performance.now() - started, ok: true, attempt })
        return {
          accessToken: result.accessToken,
          expiresOn: result.expiresOn,
          scopes: result.scopes,
          fromCache: false,
        }
      } catch (err) {
        const oboError = transport.failure ?? toOboError(err)
        emit({
          type: 'exchange',
          durationMs: performance.now() - started,
          ok: false,
          attempt,
          code: oboError.code,
        })
        throw oboError
      }
    })
  }
}
