import type { BackendConfig } from '@oboe/contracts'

/** The configured secret values, for scrubbing them out of anything logged. */
export function secretsOf(config: BackendConfig): string[] {
  return [config.BACKEND_CLIENT_SECRET, config.TOKEN_CACHE_ENCRYPTION_KEY].filter(
    (s): s is string => typeof s === 'string',
  )
}
