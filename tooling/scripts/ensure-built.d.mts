/** Builds a workspace app when its entry is missing or older than its sources (see ensure-built.mjs). */
export function ensureBuilt(
  packageDir: string,
  options: { entry: string; sources: string[]; quiet?: boolean },
): { built: boolean }

export interface BuiltApp {
  dir: string
  entry: string
  sources: string[]
}

/** The apps that run as built JavaScript, and the workspace sources each one bundles. */
export const builtApps: { backend: BuiltApp; 'frontend-cli': BuiltApp }

/** Builds one of `builtApps` if it is stale. */
export function ensureAppBuilt(name: keyof typeof builtApps): { built: boolean }
