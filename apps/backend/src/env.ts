import type { ValidatedAccessToken } from '@oboe/obo-core'
import type { Logger } from 'pino'

/** Per-request values the middleware chain sets for handlers. */
export interface AppEnv {
  Variables: {
    requestId: string
    /** Set by obo-core's oboAuth once Token A is valid. */
    accessToken: ValidatedAccessToken
    /** Child logger bound to the request id. */
    log: Logger
  }
}
