/** Node's error codes that mean "nothing answered", found anywhere in an error's cause chain. */
const NETWORK_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
] as const

const TLS_CODES = [
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
] as const

/** Why nothing answered: untrusted certificate, no connection, or no answer in time. */
export type NetworkFailure =
  | { kind: 'tls'; code: string }
  | { kind: 'network'; code: string }
  | { kind: 'timeout'; code: string }

/**
 * Finds the low-level cause of a failed request (fetch wraps it in `cause`, msal-node in its
 * message), so the CLI can say "connection refused" rather than "fetch failed".
 */
export function findNetworkFailure(error: unknown): NetworkFailure | undefined {
  const seen = new Set<unknown>()
  let text = ''
  let current: unknown = error
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current)
    const e = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown }
    if (typeof e.code === 'string') {
      if ((TLS_CODES as readonly string[]).includes(e.code)) return { kind: 'tls', code: e.code }
      if ((NETWORK_CODES as readonly string[]).includes(e.code))
        return { kind: 'network', code: e.code }
    }
    if (e.name === 'TimeoutError') return { kind: 'timeout', code: 'ETIMEDOUT' }
    if (typeof e.message === 'string') text += ` ${e.message}`
    // AggregateError (both address families refused) keeps its causes in `errors`.
    const nested = (current as { errors?: unknown[] }).errors
    current = e.cause ?? (Array.isArray(nested) ? nested[0] : undefined)
  }
  for (const code of TLS_CODES) if (text.includes(code)) return { kind: 'tls', code }
  if (/self[- ]signed certificate|unable to verify the first certificate/i.test(text)) {
    return { kind: 'tls', code: 'SELF_SIGNED_CERT_IN_CHAIN' }
  }
  for (const code of NETWORK_CODES) if (text.includes(code)) return { kind: 'network', code }
  if (/Request timeout/i.test(text)) return { kind: 'timeout', code: 'ETIMEDOUT' }
  // fetch refuses ports of other protocols (WHATWG "bad port", e.g. 6000 or 9) before connecting.
  if (/\bbad port\b/i.test(text)) return { kind: 'network', code: 'bad port' }
  return undefined
}
