/**
 * Start-up failures as one line each: what went wrong and what to do, never a stack. The
 * backend prints the line on stderr and exits 1.
 */

/** The innermost error code or message: fetch and obo-core wrap the socket error in `cause`. */
export function rootCause(error: unknown): string {
  let current: unknown = error
  let last = 'unknown error'
  for (let depth = 0; current && depth < 8; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown }
    if (typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code) && !e.code.startsWith('ERR_KEYS'))
      last = e.code
    else if (typeof e.message === 'string' && e.message) last = e.message
    current = e.cause
  }
  return last
}

const CAUSE_FIXES: Record<string, string> = {
  ENOTFOUND: 'the host name does not resolve: check AUTHORITY_HOST and your DNS or proxy',
  EAI_AGAIN: 'DNS did not answer: check your network or proxy',
  ECONNREFUSED: 'nothing listens there: check AUTHORITY_HOST (is the dev tenant running?)',
  ETIMEDOUT: 'no answer in time: check your network, proxy or firewall',
  UND_ERR_CONNECT_TIMEOUT: 'no answer in time: check your network, proxy or firewall',
  SELF_SIGNED_CERT_IN_CHAIN:
    'the certificate is from a CA Node does not trust: set EXTRA_CA_CERTS_FILE to its PEM file',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'the certificate is from a CA Node does not trust: set EXTRA_CA_CERTS_FILE to its PEM file',
  DEPTH_ZERO_SELF_SIGNED_CERT:
    'the certificate is self-signed: set EXTRA_CA_CERTS_FILE to a PEM file that holds it',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'the certificate is from a CA Node does not trust: set EXTRA_CA_CERTS_FILE to its PEM file',
}

/** The fix for a network cause such as ENOTFOUND, or a generic one. */
export function fixForCause(cause: string): string {
  return (
    CAUSE_FIXES[cause] ??
    (/HTTP 404/.test(cause)
      ? 'the tenant is unknown there: check TENANT_ID and AUTHORITY_HOST'
      : 'check AUTHORITY_HOST, TENANT_ID and the network')
  )
}

/** The warning logged when the signing keys could not be loaded at start: the URL and the cause. */
export function signingKeysWarning(
  error: unknown,
  metadataUrl: string,
): { url: string; cause: string; fix: string } {
  const cause = rootCause(error)
  return { url: metadataUrl, cause, fix: fixForCause(cause) }
}

/** The one line for an error from `listen()`. */
export function listenFailure(error: NodeJS.ErrnoException, host: string, port: number): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `Port ${port} is already in use on ${host} (another backend or program listens there) → stop it, or start with another port: PORT=${port === 5000 ? 5001 : 5000}`
    case 'EACCES':
      return `Not allowed to listen on port ${port} (ports below 1024 need privileges) → use a port from 1024 up, e.g. PORT=5000`
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `Cannot listen on HOST=${host}: no such address on this machine → set HOST to 127.0.0.1, 0.0.0.0 or one of this machine's addresses`
    default:
      return `Cannot listen on ${host}:${port} (${error.code ?? error.message}) → check HOST and PORT`
  }
}

/** The one line for an error reading a file named in the configuration. */
export function fileFailure(variable: string, path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? rootCause(error)
  const why =
    code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code)
  return `${variable}=${path} cannot be read (${why}) → set ${variable} to the path of a readable PEM file`
}
