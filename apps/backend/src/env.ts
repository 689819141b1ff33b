import type { TokenAcquirer, ValidatedAccessToken } from '@oboe/obo-core'
import type { Logger } from 'pino'

/** Per-request values the middleware chain sets for handlers. */
export interface AppEnv {
  Variables: {
    requestId: string
    /** Set by the request guard once Token A is valid. */
    accessToken: ValidatedAccessToken
    /** Token B for this request's user (obo-core's acquirer for the validated Token A). */
    tokens: TokenAcquirer
    /** The app's logger; log through `requestLog(c)`, which binds the request id. */
    logger: Logger
    /** The request's child logger, made by `requestLog(c)` on first use. */
    log?: Logger
    /** The JSON body's text, read by the request guard from Node's request (see jsonBody). */
    bodyText?: string
  }
}
