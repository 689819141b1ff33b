/**
 * jose, imported on first use and warmed right after the server listens: keeping it off the
 * start-up path saves about a tenth of a second of start-up.
 */
import type * as Jose from 'jose'

let loading: Promise<typeof Jose> | undefined

export function loadJose(): Promise<typeof Jose> {
  loading ??= import('jose')
  return loading
}
