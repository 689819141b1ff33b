import { z } from 'zod'

export const FAULT_ENDPOINTS = [
  'token',
  'keys',
  'openid-configuration',
  'authorize',
  'devicecode',
  'graph',
  'graph:batch',
  'graph:search',
  'graph:conversations',
  'graph:chat',
  'graph:chat-stream',
  '*',
] as const

/** One fault: what to do to requests of one endpoint (see README "Faults"). */
export const FaultSpec = z
  .object({
    endpoint: z.enum(FAULT_ENDPOINTS),
    kind: z.enum(['latency', 'status', 'hang', 'reset']),
    ms: z.number().int().min(0).max(600_000).optional(),
    jitterMs: z.number().int().min(0).max(600_000).optional(),
    status: z.number().int().min(400).max(599).optional(),
    retryAfter: z.number().int().min(0).max(86_400).optional(),
    /** Applies to the next `times` matching requests only; unlimited when absent. */
    times: z.number().int().min(1).optional(),
    /** graph:chat-stream reset/hang: strike after this many events (default 2). */
    afterEvents: z.number().int().min(0).optional(),
  })
  .refine((f) => f.kind !== 'status' || f.status !== undefined, {
    message: 'a status fault needs "status" (e.g. 503)',
  })
export type FaultSpec = z.infer<typeof FaultSpec>

/** Thrown for a --fault flag or DEV_TENANT_FAULTS entry that cannot be read. */
export class FaultSpecError extends Error {
  readonly code = 'ERR_FAULT_SPEC'
  readonly fix =
    'Write faults as <endpoint>:<kind>[=<value>][,key=value...], e.g. token:status=503,retryAfter=2 or graph:latency=200,jitterMs=50 or keys:hang or graph:reset,times=1.'
  constructor(message: string) {
    super(message)
    this.name = 'FaultSpecError'
  }
}

/**
 * Parses the command-line form of a fault.
 * @example
 * parseFaultFlag('token:status=429,retryAfter=5,times=2')
 * // { endpoint: 'token', kind: 'status', status: 429, retryAfter: 5, times: 2 }
 */
export function parseFaultFlag(text: string): FaultSpec {
  const m =
    /^(\*|[a-z-]+(?::batch)?):(latency|status|hang|reset)(?:=(\d+))?((?:,[A-Za-z]+=\d+)*)$/.exec(
      text.trim(),
    )
  if (!m) throw new FaultSpecError(`Cannot read fault "${text}"`)
  const [, endpoint, kind, value, rest] = m
  const spec: Record<string, unknown> = { endpoint, kind }
  if (value !== undefined) spec[kind === 'latency' ? 'ms' : 'status'] = Number(value)
  for (const pair of (rest ?? '').split(',').filter(Boolean)) {
    const [k, v] = pair.split('=')
    spec[k!] = Number(v)
  }
  const parsed = FaultSpec.safeParse(spec)
  if (!parsed.success)
    throw new FaultSpecError(
      `Cannot read fault "${text}": ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    )
  return parsed.data
}

/** The faults in force; each request of an endpoint takes the ones that match it. */
export class FaultTable {
  private faults: FaultSpec[] = []

  add(spec: FaultSpec): void {
    this.faults.push({ ...spec })
  }

  clear(): void {
    this.faults = []
  }

  list(): FaultSpec[] {
    return this.faults.map((f) => ({ ...f }))
  }

  /** The faults for one request, counting down those limited by `times`. */
  take(endpoint: string): FaultSpec[] {
    const hits = this.faults.filter((f) => f.endpoint === endpoint || f.endpoint === '*')
    for (const f of hits) if (f.times !== undefined) f.times--
    this.faults = this.faults.filter((f) => f.times === undefined || f.times > 0)
    return hits
  }
}
