/**
 * A scripted "browser" for the dev tenant: `tsx apps/dev-tenant/src/agent.ts <url> [--user UPN] [--cancel]`.
 *
 * GETs the URL (trusting the CA in NODE_EXTRA_CA_CERTS, never turning verification off) and
 * follows redirects by hand until the loopback redirect target (http://localhost or 127.0.0.1)
 * has been delivered: a 302 to it is followed with GET, a response_mode=form_post page is
 * POSTed to it, as a browser would. When the emulator shows its sign-in page (auto sign-in
 * off), the agent picks the user (--user, else the URL's login_hint, else the tenant default)
 * and accepts the consent screen (or cancels with --cancel). Exit 0 when the loopback got a
 * code, 2 when it got an OAuth error, 1 for anything else.
 */
import { parseArgs } from 'node:util'

const MAX_STEPS = 20

function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
}

/** fetch, retrying a refused http://localhost on 127.0.0.1 (msal listens there, localhost may be ::1). */
async function send(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'manual' })
  } catch (e) {
    if (url.hostname === 'localhost') {
      const v4 = new URL(url)
      v4.hostname = '127.0.0.1'
      return fetch(v4, { ...init, redirect: 'manual' })
    }
    throw e
  }
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')

interface HtmlForm {
  action: string
  fields: Record<string, string>
  buttons: { name: string; value: string; id?: string; dataUser?: string }[]
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)
  return m ? decode(m[1]!) : undefined
}

function firstForm(html: string): HtmlForm | undefined {
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html)
  if (!form) return undefined
  const open = /<form\b[^>]*>/i.exec(form[0])![0]
  const fields: Record<string, string> = {}
  for (const m of form[1]!.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(m[0], 'name')
    if (name && attr(m[0], 'type') === 'hidden') fields[name] = attr(m[0], 'value') ?? ''
  }
  const buttons = [...form[1]!.matchAll(/<button\b[^>]*>/gi)].map((m) => ({
    name: attr(m[0], 'name') ?? '',
    value: attr(m[0], 'value') ?? '',
    id: attr(m[0], 'id'),
    dataUser: attr(m[0], 'data-user'),
  }))
  return { action: attr(open, 'action') ?? '', fields, buttons }
}

function fail(message: string, code = 1): never {
  process.stderr.write(`agent: ${message}\n`)
  process.exit(code)
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { user: { type: 'string' }, cancel: { type: 'boolean' } },
  })
  const start = positionals[0]
  if (!start) fail('usage: agent.ts <authorize-url> [--user UPN] [--cancel]')
  let url = new URL(start)
  const hint =
    values.user ??
    process.env.DEV_TENANT_AGENT_USER ??
    url.searchParams.get('login_hint') ??
    undefined
  let init: RequestInit = { method: 'GET' }
  for (let step = 0; step < MAX_STEPS; step++) {
    let res: Response
    try {
      res = await send(url, init)
    } catch (e) {
      fail(
        `cannot reach ${url.origin}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`,
      )
    }
    if (isLoopback(url)) {
      // Delivered to the app's loopback listener: report what the authorization server sent it.
      const sent = init.body ? new URLSearchParams(String(init.body)) : url.searchParams
      if (sent.get('error'))
        fail(
          `sign-in ended with ${sent.get('error')}: ${(sent.get('error_description') ?? '').split('\r\n')[0]}`,
          2,
        )
      if (!res.ok) fail(`the loopback listener at ${url.origin} answered HTTP ${res.status}`)
      process.stdout.write(`agent: delivered the authorization response to ${url.origin}\n`)
      return
    }
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location')
      if (!location) fail(`HTTP ${res.status} without a Location header from ${url.href}`)
      url = new URL(location, url)
      init = { method: 'GET' }
      continue
    }
    const body = await res.text()
    if (!res.ok) {
      const message = /AADSTS\d+:[^<\r\n]*/.exec(body)?.[0] ?? body.slice(0, 300)
      fail(`HTTP ${res.status} from ${url.origin}${url.pathname}: ${message}`)
    }
    const form = firstForm(body)
    if (!form) fail(`no redirect and no form on ${url.href}; cannot continue`)
    const fields = new URLSearchParams(form.fields)
    const userButtons = form.buttons.filter((b) => b.dataUser)
    if (userButtons.length) {
      const pick =
        userButtons.find((b) => b.dataUser!.toLowerCase() === hint?.toLowerCase()) ??
        (hint ? undefined : userButtons[0])
      if (!pick) fail(`user ${hint} is not offered on the sign-in page`)
      fields.set(pick.name, pick.value)
    } else if (form.buttons.some((b) => b.id === 'accept')) {
      const b = form.buttons.find((x) => x.id === (values.cancel ? 'cancel' : 'accept'))!
      fields.set(b.name, b.value)
    }
    url = new URL(form.action, url)
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    }
  }
  fail(`more than ${MAX_STEPS} steps without reaching the loopback redirect`)
}

main().catch((e: unknown) => fail((e as Error).message))
