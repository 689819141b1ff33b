import type { Lifecycle } from './lifecycle.ts'

/**
 * The state of one dependency, read from memory (never by calling it). `required` checks make the
 * replica unready when they fail; the others only make it `degraded`.
 */
export interface CheckResult {
  ok: boolean
  /** Failing makes the replica unready (503); otherwise it is only degraded (200). */
  required?: boolean
  detail?: string
  fix?: string
}

/** A readiness check: synchronous, no I/O, so a probe costs nothing whatever its rate. */
export type ReadinessCheck = () => CheckResult

export interface ReadinessReport {
  status: 'ready' | 'degraded' | 'not_ready'
  checks: Record<string, { ok: boolean; detail?: string; fix?: string }>
}

/**
 * "Send me traffic": not ready only while the process drains or before a required dependency
 * (the signing keys, once) was ever available; a soft dependency that fails (Redis, a keys
 * refresh with keys in hand) leaves the replica serving, `degraded`, naming the dependency. An
 * orchestrator then never takes every replica out at once for an outage they all survive.
 */
export function assessReadiness(
  checks: Record<string, ReadinessCheck>,
  lifecycle: Lifecycle,
): ReadinessReport {
  const results: ReadinessReport['checks'] = {}
  let unready = false
  let degraded = false
  for (const [name, check] of Object.entries(checks)) {
    const { required, ...result } = check()
    results[name] = result
    if (!result.ok && required) unready = true
    else if (!result.ok) degraded = true
  }
  if (lifecycle.stopping) {
    unready = true
    results.shutdown = { ok: false, detail: 'shutting down: finishing the requests in flight' }
  }
  return { status: unready ? 'not_ready' : degraded ? 'degraded' : 'ready', checks: results }
}
