import type { Directory } from '../tenant/directory.ts'
import type { AppRegistration } from '../tenant/schema.ts'
import { aadsts } from './token-error.ts'
import { GRAPH_APP_ID, GRAPH_RESOURCE } from './token-factory.ts'

export const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email'])

/** Graph delegated permissions the emulator knows; anything else is AADSTS70011. */
export const GRAPH_DELEGATED = new Set([
  'Files.Read',
  'Files.Read.All',
  'Sites.Read.All',
  'User.Read',
  'ExternalItem.Read.All',
  'Mail.Read',
  'Calendars.Read',
  'People.Read',
  'People.Read.All',
  'OnlineMeetingTranscript.Read.All',
  'Chat.Read',
  'ChannelMessage.Read.All',
])

/** A `scope` parameter split into the OpenID part and the one resource it asks for. */
export interface ResolvedScopes {
  oidc: Set<string>
  resource: 'graph' | AppRegistration
  /** Short scope names on the resource (no resource prefix); empty means `.default`. */
  scopes: string[]
  isDefault: boolean
}

const GRAPH_PREFIXES = [`${GRAPH_RESOURCE}/`, `${GRAPH_APP_ID}/`, 'https://graph.microsoft.com//']

/**
 * Splits a scope string the way Entra does: bare names and graph.microsoft.com URIs are Graph,
 * `api://...` or `<guid>/...` name an app registration; one resource per request (AADSTS700022).
 */
export function resolveScopes(scope: string | undefined, directory: Directory): ResolvedScopes {
  const items = (scope ?? '').split(/\s+/).filter(Boolean)
  const oidc = new Set<string>()
  let resource: ResolvedScopes['resource'] | undefined
  const scopes: string[] = []
  let isDefault = false
  const setResource = (r: ResolvedScopes['resource']) => {
    if (resource !== undefined && resource !== r) throw aadsts.multipleResources()
    resource = r
  }
  for (const item of items) {
    if (OIDC_SCOPES.has(item)) {
      oidc.add(item)
      continue
    }
    const graphPrefix = GRAPH_PREFIXES.find((p) => item.toLowerCase().startsWith(p.toLowerCase()))
    let target: ResolvedScopes['resource']
    let name: string
    if (graphPrefix) {
      target = 'graph'
      name = item.slice(graphPrefix.length)
    } else if (!item.includes('/')) {
      target = 'graph'
      name = item
    } else {
      const cut = item.lastIndexOf('/')
      const app = directory.appByResource(item.slice(0, cut))
      if (!app) throw aadsts.unknownResource(item.slice(0, cut), directory.tenantName)
      target = app
      name = item.slice(cut + 1)
    }
    setResource(target)
    if (name === '.default') {
      isDefault = true
      continue
    }
    const known =
      target === 'graph'
        ? [...GRAPH_DELEGATED].some((s) => s.toLowerCase() === name.toLowerCase())
        : target.exposedScopes.includes(name)
    if (!known) throw aadsts.invalidScope(item)
    scopes.push(
      target === 'graph'
        ? [...GRAPH_DELEGATED].find((s) => s.toLowerCase() === name.toLowerCase())!
        : name,
    )
  }
  if (items.length === 0) throw aadsts.missingParameter('scope')
  // Only OpenID scopes: Entra issues a Graph token for User.Read.
  return {
    oidc,
    resource: resource ?? 'graph',
    scopes: resource ? scopes : ['User.Read'],
    isDefault,
  }
}

/** The `scope` a token response reports: the granted scopes, prefixed with their resource. */
export function responseScope(resource: ResolvedScopes['resource'], granted: string[]): string {
  const prefix =
    resource === 'graph'
      ? `${GRAPH_RESOURCE}/`
      : `${resource.appIdUri ?? `api://${resource.clientId}`}/`
  return granted.map((s) => prefix + s).join(' ')
}
