/** Loads what the commands need when one of them runs (see ./runtime.ts for why it is lazy). */
export const loadRuntime = () => import('./runtime.ts')
