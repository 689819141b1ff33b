import {
  AuthError,
  ClientConfigurationError,
  InteractionRequiredAuthError,
  ServerError,
} from '@azure/msal-node'
import { CliError } from './cli-error.ts'
import { entraFix, findAadsts } from './entra-fixes.ts'
import { ExitCode } from './exit-code.ts'
import { findNetworkFailure } from './network-error.ts'

/** What explainError needs to name the service and the fix. */
export interface ErrorContext {
  /** Which service the failed call went to, for the message and the fix. */
  target?: { name: 'backend' | 'authority'; url: string }
  BACKEND_CLIENT_ID?: string
}

const CA_FIX =
  "Trust the server's CA explicitly: set NODE_EXTRA_CA_CERTS to its PEM file (for the dev tenant, the caFile it prints on start). Never switch certificate checks off."

/**
 * Turns anything thrown while running a command into a CliError with a message and a fix:
 * msal-node's sign-in errors (by AADSTS number), network failures, TLS failures.
 */
export function explainError(error: unknown, context: ErrorContext = {}): CliError {
  if (error instanceof CliError) return error
  const network = findNetworkFailure(error)
  if (network) return explainNetworkFailure(network, context)
  if (error instanceof AuthError) return explainAuthError(error, context)
  const message = error instanceof Error ? error.message : String(error)
  return new CliError(
    'unexpected',
    message,
    'Run `oboe doctor` to check the configuration, the backend and the sign-in.',
    ExitCode.backend,
    { cause: error },
  )
}

function explainNetworkFailure(
  failure: NonNullable<ReturnType<typeof findNetworkFailure>>,
  context: ErrorContext,
): CliError {
  const target = context.target
  const where = target
    ? `${target.name === 'backend' ? 'the backend API' : 'the authority'} at ${target.url}`
    : 'the server'
  if (failure.kind === 'tls') {
    return new CliError(
      'tls_untrusted',
      `The certificate of ${where} is not trusted (${failure.code}).`,
      CA_FIX,
      ExitCode.network,
    )
  }
  if (target?.name === 'backend') {
    const fix = `Ensure backend API is running at ${target.url} (\`pnpm --filter @oboe/backend start\`), or set BACKEND_API_URL to where it runs.`
    if (failure.kind === 'timeout') {
      return new CliError(
        'backend_timeout',
        `The backend API at ${target.url} did not answer in time.`,
        fix,
        ExitCode.network,
      )
    }
    return new CliError(
      failure.code === 'ECONNREFUSED' ? 'connection_refused' : 'backend_unreachable',
      `${failure.code === 'ECONNREFUSED' ? 'Connection refused' : `Cannot reach (${failure.code})`}: ${where}.`,
      fix,
      ExitCode.network,
    )
  }
  return new CliError(
    'authority_unreachable',
    `Cannot reach ${where} (${failure.code}).`,
    'Check AUTHORITY_HOST and the network; for the offline dev tenant, start it (`pnpm --filter @oboe/dev-tenant start`) and set NODE_EXTRA_CA_CERTS to its ca.pem.',
    ExitCode.network,
  )
}

function explainAuthError(error: AuthError, context: ErrorContext): CliError {
  const aadsts =
    (error instanceof ServerError || error instanceof InteractionRequiredAuthError) && error.errorNo
      ? Number(error.errorNo)
      : findAadsts(error.errorMessage, error.message)
  const firstLine =
    (error.errorMessage || error.message).split(/\r?\n/)[0]?.trim() ?? error.errorCode
  const fix = aadsts ? entraFix(aadsts, context) : undefined
  if (fix) {
    return new CliError(`aadsts_${aadsts}`, `Sign-in failed: ${firstLine}`, fix, ExitCode.auth, {
      cause: error,
    })
  }
  if (error.errorCode === 'endpoints_resolution_error' || error.errorCode === 'network_error') {
    return new CliError(
      'authority_unreachable',
      `Cannot read the authority's metadata (${context.target?.url ?? 'AUTHORITY_HOST'}): ${firstLine}`,
      'Check AUTHORITY_HOST and TENANT_ID; for the offline dev tenant, start it and set NODE_EXTRA_CA_CERTS to its ca.pem.',
      ExitCode.network,
      { cause: error },
    )
  }
  if (error instanceof ClientConfigurationError) {
    return new CliError(
      `msal_${error.errorCode}`,
      `Sign-in configuration error: ${firstLine}`,
      'Check AUTHORITY_HOST (https://…), TENANT_ID and FRONTEND_CLIENT_ID.',
      ExitCode.usage,
      { cause: error },
    )
  }
  if (error.errorCode === 'access_denied' || error.subError === 'cancel') {
    return new CliError(
      'sign_in_cancelled',
      'Sign-in was cancelled in the browser.',
      'Run `oboe login` again and accept the consent screen.',
      ExitCode.auth,
      { cause: error },
    )
  }
  return new CliError(
    `msal_${error.errorCode || 'error'}`,
    `Sign-in failed: ${error.errorCode}${firstLine && firstLine !== error.errorCode ? `: ${firstLine}` : ''}`,
    'Run `oboe doctor` to check each step of the sign-in; `oboe login` signs in again.',
    ExitCode.auth,
    { cause: error },
  )
}
