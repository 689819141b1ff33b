import { ExitCode } from '../errors/exit-code.ts'
import type { AuthenticationResult } from '@azure/msal-node'
import { createContext, devTenantNote } from '../commands/context.ts'
import { loadConfig, readEnvironment, type ResolvedCliConfig } from '../config/load-config.ts'
import { CliError } from '../errors/cli-error.ts'
import { entraFix } from '../errors/entra-fixes.ts'
import { explainError } from '../errors/explain-error.ts'
import type { Terminal } from '../output/terminal.ts'
import { readTokenClaims } from './token-claims.ts'

/** One line of the checklist. */
export interface CheckResult {
  name: string
  ok: boolean
  detail?: string
  fix?: string
}

/** Problem codes that come from Graph, after the On-Behalf-Of exchange succeeded. */
const GRAPH_PHASE_CODES = new Set([
  'upstream_error',
  'upstream_timeout',
  'throttled',
  'rate_limited',
  'forbidden',
])

/**
 * The Verification Checklist of Microsoft's Python sample, run for real against the configured tenant and backend.
 * Each check prints as soon as it is known; a check whose prerequisite failed is reported as
 * not checked rather than guessed.
 */
export async function runDoctor(terminal: Terminal): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  const c = terminal.colors
  const report = (result: CheckResult) => {
    results.push(result)
    const mark = result.ok ? '✅' : '❌'
    terminal.out(`${mark} ${result.name}${result.detail ? c.dim(` — ${result.detail}`) : ''}`)
    if (!result.ok && result.fix) terminal.out(`   ${c.yellow('Fix:')} ${result.fix}`)
  }
  const notChecked = (names: string[], because: string) => {
    for (const name of names) report({ name, ok: false, detail: `not checked: ${because}` })
  }
  const failure = (
    name: string,
    error: unknown,
    config?: ResolvedCliConfig,
    target?: 'backend' | 'authority',
  ): CheckResult => {
    const e = explainError(error, {
      ...(config && target
        ? {
            target: {
              name: target,
              url: target === 'backend' ? config.BACKEND_API_URL : config.authority,
            },
          }
        : {}),
      ...(config ? { BACKEND_CLIENT_ID: config.BACKEND_CLIENT_ID } : {}),
    })
    return { name, ok: false, detail: e.message.split('\n')[0], ...(e.fix ? { fix: e.fix } : {}) }
  }

  const names = {
    config: 'Configuration present and well-formed',
    authority: 'Authority metadata reachable',
    backend: 'Backend API running',
    signIn: 'Sign-in works',
    scope: 'access_as_user scope exposed and granted to the frontend app',
    accepts: 'Backend accepts your token',
    obo: 'Consent granted and On-Behalf-Of completes',
    retrieval: 'Retrieval answers',
  }

  terminal.out(
    c.bold("oboe doctor — the Verification Checklist of Microsoft's Python sample, run for real"),
  )
  let config: ResolvedCliConfig
  try {
    config = loadConfig(readEnvironment())
    if (config.devTenantUrl) terminal.note(devTenantNote(config.devTenantUrl))
    report({
      name: names.config,
      ok: true,
      detail: `tenant ${config.TENANT_ID}, frontend app ${config.FRONTEND_CLIENT_ID}, backend app ${config.BACKEND_CLIENT_ID}`,
    })
  } catch (error) {
    const e = error instanceof CliError ? error : explainError(error)
    report({
      name: names.config,
      ok: false,
      detail: e.message.replace(/\n\s*/g, '; '),
      ...(e.fix ? { fix: e.fix } : {}),
    })
    notChecked(
      [
        names.authority,
        names.backend,
        names.signIn,
        names.scope,
        names.accepts,
        names.obo,
        names.retrieval,
      ],
      'no usable configuration',
    )
    return results
  }

  const metadataUrl = `${config.authority}/v2.0/.well-known/openid-configuration`
  let authorityOk = false
  try {
    const response = await fetch(metadataUrl, { signal: AbortSignal.timeout(10_000) })
    const body = (await response.json().catch(() => undefined)) as
      Record<string, unknown> | undefined
    if (
      response.ok &&
      typeof body?.token_endpoint === 'string' &&
      typeof body.issuer === 'string'
    ) {
      authorityOk = true
      report({ name: names.authority, ok: true, detail: metadataUrl })
    } else {
      report({
        name: names.authority,
        ok: false,
        detail: `${metadataUrl} answered HTTP ${response.status}${body?.error ? ` (${String(body.error)})` : ''}`,
        fix: entraFix(90002)!,
      })
    }
  } catch (error) {
    report(failure(names.authority, error, config, 'authority'))
  }

  const { signIn, api } = createContext({ config, terminal })

  let backendOk = false
  try {
    const health = await api.health()
    backendOk = health.status === 'healthy'
    report(
      backendOk
        ? { name: names.backend, ok: true, detail: `${config.BACKEND_API_URL}/health` }
        : {
            name: names.backend,
            ok: false,
            detail: `/health answered ${JSON.stringify(health)}`,
            fix: `Ensure backend API is running at ${config.BACKEND_API_URL}.`,
          },
    )
  } catch (error) {
    report(failure(names.backend, error, config, 'backend'))
  }

  let token: AuthenticationResult | undefined
  if (!authorityOk) {
    notChecked([names.signIn, names.scope], 'the authority is not reachable')
  } else {
    try {
      const silent = await signIn.silent()
      token = silent ?? (await signIn.acquire())
      report({
        name: names.signIn,
        ok: true,
        detail: `${silent ? 'silent, from the token cache' : 'new sign-in'}: ${token.account?.username ?? 'signed in'}`,
      })
    } catch (error) {
      report(failure(names.signIn, error, config, 'authority'))
    }
    if (token) {
      const claims = readTokenClaims(token.accessToken)
      const scopes = typeof claims?.scp === 'string' ? claims.scp.split(' ') : []
      const wanted = config.scope.split('/').pop() ?? 'access_as_user'
      const audiences = [config.BACKEND_CLIENT_ID, `api://${config.BACKEND_CLIENT_ID}`]
      const aud = claims?.aud
      if (!audiences.includes(String(aud))) {
        report({
          name: names.scope,
          ok: false,
          detail: `the token's audience is ${String(aud)}, not the backend app`,
          fix: entraFix(50013, config)!,
        })
      } else if (!scopes.includes(wanted)) {
        report({
          name: names.scope,
          ok: false,
          detail: `the token's scp is "${scopes.join(' ')}"`,
          fix: `Expose the scope ${wanted} on the backend app (README → Using a real tenant, step 2) and add it to the frontend app's API permissions (step 7).`,
        })
      } else {
        report({
          name: names.scope,
          ok: true,
          detail: `scp ${scopes.join(' ')}, aud ${String(aud)}`,
        })
      }
    } else if (authorityOk) {
      notChecked([names.scope], 'no token')
    }
  }

  if (!backendOk || !token) {
    notChecked(
      [names.accepts, names.obo, names.retrieval],
      !backendOk ? 'the backend is not running' : 'no token',
    )
    return results
  }
  try {
    const me = await api.whoAmI()
    report({ name: names.accepts, ok: true, detail: `GET /v1/me: ${me.username ?? me.objectId}` })
  } catch (error) {
    report(failure(names.accepts, error, config, 'backend'))
    notChecked([names.obo, names.retrieval], 'the backend refused the token')
    return results
  }
  try {
    const response = await api.retrieve({
      queryString: 'oboe doctor: is retrieval working?',
      dataSource: 'sharePoint',
      maximumNumberOfResults: 1,
    })
    report({ name: names.obo, ok: true })
    report({
      name: names.retrieval,
      ok: true,
      detail: `POST /v1/retrieval: ${response.retrievalHits.length} hit(s)`,
    })
  } catch (error) {
    const e = explainError(error, {
      target: { name: 'backend', url: config.BACKEND_API_URL },
      BACKEND_CLIENT_ID: config.BACKEND_CLIENT_ID,
    })
    if (GRAPH_PHASE_CODES.has(e.code)) {
      report({ name: names.obo, ok: true })
      report({
        name: names.retrieval,
        ok: false,
        detail: e.message.split('\n')[0],
        ...(e.fix ? { fix: e.fix } : {}),
      })
    } else {
      report({
        name: names.obo,
        ok: false,
        detail: e.message.split('\n')[0],
        ...(e.fix ? { fix: e.fix } : {}),
      })
      notChecked([names.retrieval], 'the On-Behalf-Of exchange failed')
    }
  }
  return results
}

/** The exit code for a checklist: 0 when every check passed. */
export function doctorExitCode(results: CheckResult[]): number {
  return results.every((r) => r.ok) ? ExitCode.ok : ExitCode.doctorFailed
}
