const JWT = /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g

/**
 * What a log line may say about an error: names, codes and a scrubbed message, never the error
 * object itself (an HTTP client error carries its request, and so the bearer token).
 */
export function describeError(
  error: unknown,
  secrets: readonly string[] = [],
  withStack = true,
  depth = 0,
): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: scrub(String(error), secrets) }
  const e = error as Error & Record<string, unknown>
  const out: Record<string, unknown> = { name: e.name, message: scrub(e.message, secrets) }
  for (const key of [
    'code',
    'status',
    'aadsts',
    'graphCode',
    'kind',
    'retryAfterSeconds',
    'correlationId',
  ]) {
    const value = e[key]
    if (typeof value === 'string' || typeof value === 'number') out[key] = value
  }
  // A cause chain can be long (or a cycle): three levels say where it came from.
  if (e.cause instanceof Error && depth < 3)
    out.cause = describeError(e.cause, secrets, withStack, depth + 1)
  // One stack per line, the outermost: the causes' stacks repeat it.
  if (withStack && depth === 0 && e.stack) out.stack = scrub(e.stack, secrets)
  return out
}

/** Masks anything that looks like a JWT, and the given secret values. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(JWT, '[redacted-jwt]')
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]')
  return out
}
