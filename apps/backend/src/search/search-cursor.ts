import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { ProblemError } from '../problems/problem-error.ts'

/** Who a cursor was issued to and for what: it only continues that user's search. */
export interface CursorBinding {
  tenantId: string
  objectId: string
  query: string
}

/**
 * Opaque paging cursors for POST /v1/search. A cursor carries Graph's `$skipToken` only — never
 * a URL — and an HMAC over it, the user and the query, so a client can neither forge nor reuse
 * one for another user or query; the backend builds the next Graph URL itself.
 */
export class SearchCursors {
  private readonly key: Buffer

  /**
   * @param secret Shared by the replicas (the backend's client secret): any replica can read a
   * cursor another issued. Without one, a random key per process.
   */
  constructor(secret: string | undefined) {
    this.key = secret
      ? Buffer.from(hkdfSync('sha256', secret, 'oboe', 'search cursor v1', 32))
      : randomBytes(32)
  }

  issue(skipToken: string, binding: CursorBinding): string {
    const payload = Buffer.from(skipToken, 'utf8').toString('base64url')
    return `${payload}.${this.mac(payload, binding).toString('base64url')}`
  }

  /** The skip token of a cursor issued for this binding; a 400 problem otherwise. */
  read(cursor: string, binding: CursorBinding): string {
    const [payload, mac, extra] = cursor.split('.')
    if (payload && mac && extra === undefined) {
      const given = Buffer.from(mac, 'base64url')
      const expected = this.mac(payload, binding)
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        return Buffer.from(payload, 'base64url').toString('utf8')
      }
    }
    throw new ProblemError({
      status: 400,
      code: 'invalid_request',
      title: 'Invalid cursor',
      detail: 'cursor: not a cursor this backend issued for this user and query.',
      fix: 'Send the nextCursor of the previous page unchanged, with the same query; or leave cursor out to start again.',
      errors: [{ path: 'cursor', message: 'not issued for this user and query' }],
    })
  }

  private mac(payload: string, binding: CursorBinding): Buffer {
    const query = createHash('sha256').update(binding.query).digest('base64url')
    return createHmac('sha256', this.key)
      .update(`${binding.tenantId}\n${binding.objectId}\n${query}\n${payload}`)
      .digest()
  }
}
