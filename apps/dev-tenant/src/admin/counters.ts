/** Counter names every reader can rely on; they read 0 before the first request. */
export const COUNTER_NAMES = [
  'authorize',
  'token',
  'token:authorization_code',
  'token:refresh_token',
  'token:obo',
  'token:client_credentials',
  'token:device_code',
  'keys',
  'openid-configuration',
  'devicecode',
  'graph:retrieval',
  'graph:batch',
  'graph:search',
  'graph:conversations',
  'graph:chat',
  'graph:chat-stream',
  'graph:chat-stream:started',
  'graph:chat-stream:completed',
  'graph:chat-stream:closed-early',
] as const

/** Request counters per endpoint, for tests and benchmarks (GET /_admin/counters). */
export class Counters {
  private values = new Map<string, number>()

  constructor() {
    this.reset()
  }

  increment(name: string, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by)
  }

  reset(): void {
    this.values = new Map(COUNTER_NAMES.map((n) => [n, 0]))
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.values)
  }
}
