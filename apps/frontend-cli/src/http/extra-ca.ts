import { readFileSync } from 'node:fs'
import { rootCertificates } from 'node:tls'
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node'
import { Agent, setGlobalDispatcher } from 'undici'
import { CliError } from '../errors/cli-error.ts'
import { ExitCode } from '../errors/exit-code.ts'

/**
 * Trusts the CAs of a PEM file on top of Node's roots, for every fetch this process makes
 * (the doctor's checks, the backend client); certificates are still verified. Returns an
 * msal-node network client that goes through the same fetch, since msal-node's own client
 * uses node:https and its global agent.
 */
export function trustExtraCa(file: string): INetworkModule {
  let pem: string
  try {
    pem = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new CliError(
      'config_invalid',
      `EXTRA_CA_CERTS_FILE=${file} cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}).`,
      'Set EXTRA_CA_CERTS_FILE to the PEM file of the CA that signed your authority’s certificate, or remove it.',
      ExitCode.usage,
    )
  }
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, pem] } }))
  const send = async <T>(
    url: string,
    method: 'GET' | 'POST',
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> => {
    const response = await fetch(url, {
      method,
      ...(options?.headers ? { headers: options.headers } : {}),
      ...(options?.body ? { body: options.body } : {}),
    })
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => (headers[name] = value))
    return {
      headers,
      body: (await response.json()) as T,
      status: response.status,
    }
  }
  return {
    sendGetRequestAsync: (url, options) => send(url, 'GET', options),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  }
}
