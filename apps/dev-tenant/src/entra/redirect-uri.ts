const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Whether `requested` matches a registered redirect URI. As Entra does for loopback addresses,
 * the port is ignored: a registered `http://localhost` accepts `http://localhost:53123/`.
 */
export function matchesRedirectUri(registered: readonly string[], requested: string): boolean {
  let req: URL
  try {
    req = new URL(requested)
  } catch {
    return false
  }
  const path = (u: URL) => (u.pathname === '/' ? '' : u.pathname.replace(/\/$/, ''))
  return registered.some((r) => {
    const reg = new URL(r)
    if (reg.protocol !== req.protocol || reg.hostname !== req.hostname || path(reg) !== path(req))
      return false
    return LOOPBACK_HOSTS.has(reg.hostname) ? true : reg.port === req.port
  })
}
