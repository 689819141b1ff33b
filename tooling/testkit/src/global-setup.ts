import { buildApps } from './stack.ts'

/**
 * vitest globalSetup: the tests run the backend and `oboe` as built JavaScript, so build whatever
 * is older than its sources once, before any test starts a process (a build error stops the run).
 */
export default function setup(): void {
  buildApps()
}
