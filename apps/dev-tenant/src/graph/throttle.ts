/**
 * Graph's Retrieval API limit: N requests per user per hour (200 by default), a sliding window.
 * Returns the seconds to wait when the user is over the limit.
 */
export class GraphThrottle {
  private readonly calls = new Map<string, number[]>()

  constructor(
    public limitPerHour: number,
    private readonly windowMs = 3600_000,
  ) {}

  /** Records a call; `undefined` if allowed, else the Retry-After in seconds. */
  take(userKey: string, now = Date.now()): number | undefined {
    const recent = (this.calls.get(userKey) ?? []).filter((t) => t > now - this.windowMs)
    if (recent.length >= this.limitPerHour) {
      this.calls.set(userKey, recent)
      return Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000))
    }
    recent.push(now)
    this.calls.set(userKey, recent)
    return undefined
  }

  reset(): void {
    this.calls.clear()
  }
}
