/**
 * jose, imported on first use and warmed right after the server listens: keeping it off the
 * start-up path saves about a tenth of a second of start-up.
 */
let loading: Promise<typeof import('jose')> | undefined

export function loadJose(): Promise<typeof import('jose')> {
  loading ??= import('jose')
  return loading
}
