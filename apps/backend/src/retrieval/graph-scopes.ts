import type { DataSource } from '@oboe/contracts'

/** Copilot connectors need their own delegated permission (PROTOCOL.md §4). */
export const EXTERNAL_ITEM_SCOPE = 'https://graph.microsoft.com/ExternalItem.Read.All'

/** The Graph scopes to exchange Token A for, given the configured ones and the data sources asked. */
export function graphScopesFor(
  configured: readonly string[],
  sources: readonly DataSource[],
): string[] {
  const scopes = [...configured]
  if (sources.includes('externalItem') && !scopes.includes(EXTERNAL_ITEM_SCOPE)) {
    scopes.push(EXTERNAL_ITEM_SCOPE)
  }
  return scopes
}
