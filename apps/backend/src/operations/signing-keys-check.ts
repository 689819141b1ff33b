import type { AccessTokenValidator } from '@oboe/obo-core'
import type { ReadinessCheck } from './readiness.ts'

/** What a validator may report about its keys without any request (obo-core's signingKeysState). */
interface KeysState {
  loaded: boolean
  degraded: boolean
  lastRefreshError?: string
}

/** The innermost cause of a failed load, e.g. `ENOTFOUND (getaddrinfo ENOTFOUND login.example)`. */
export function causeOf(error: unknown): string {
  let current: unknown = error
  let code: string | undefined
  let message = ''
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const e = current as Error & { code?: unknown }
    if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) code = e.code
    message = e.message
    current = e.cause
  }
  if (!message) message = String(error)
  return code && !message.startsWith(code) ? `${code} (${message})` : message
}

/**
 * Readiness of the signing keys, without a request per probe: the keys are loaded in the
 * background (retrying with backoff until they are), and the check reads the outcome. Never
 * loaded → required check fails, naming the metadata URL and the cause; loaded but the last
 * refresh failed → degraded only (known keys still verify tokens).
 */
export function signingKeysCheck(
  validator: AccessTokenValidator,
  metadataUrl: string,
  retry = { firstMs: 1_000, maxMs: 30_000 },
): ReadinessCheck {
  const stateOf = (validator as { signingKeysState?: () => KeysState }).signingKeysState
  let loaded = false
  let cause = 'loading'
  const load = (delayMs: number) => {
    validator.ready().then(
      () => {
        loaded = true
      },
      (error: unknown) => {
        cause = causeOf(error)
        setTimeout(() => load(Math.min(delayMs * 2, retry.maxMs)), delayMs).unref()
      },
    )
  }
  load(retry.firstMs)
  const host = new URL(metadataUrl).host
  return () => {
    const state = stateOf?.call(validator)
    if (!loaded && !state?.loaded)
      return {
        ok: false,
        required: true,
        detail: `signing keys not loaded from ${metadataUrl}: ${state?.lastRefreshError ?? cause}`,
        fix: `Check AUTHORITY_HOST and TENANT_ID, and that this host reaches ${host} (DNS, proxy, firewall, CA); the backend retries by itself.`,
      }
    if (state?.degraded)
      return {
        ok: false,
        detail: `keys endpoint failing (${state.lastRefreshError ?? 'refresh failed'}); known keys still verify tokens`,
        fix: `Check that this host reaches ${host}; the backend retries by itself.`,
      }
    return { ok: true }
  }
}
