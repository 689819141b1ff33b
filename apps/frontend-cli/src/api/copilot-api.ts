import { chat, chatStream, createConversation, search } from '../client/sdk.gen.ts'
import type {
  ChatRequest,
  ChatStreamEvent,
  ChatTurn,
  Conversation,
  SearchRequest,
  SearchResponse,
} from '../client/types.gen.ts'
import type { SignIn } from '../auth/sign-in.ts'
import { CliError } from '../errors/cli-error.ts'
import { ExitCode } from '../errors/exit-code.ts'
import { explainError } from '../errors/explain-error.ts'
import type { BackendApi } from './backend-api.ts'
import { problemToCliError } from './problem-error.ts'

/** Statuses whose cause the JSON chat route explains in full at no upstream cost worth counting. */
const EXPLAIN_AGAIN = new Set([400, 401, 403, 404])

/**
 * Copilot Search and Chat through the backend, with the generated client: JSON routes through
 * BackendApi (claims challenge and refresh handled there), and the chat stream through the
 * client's Server-Sent Events support.
 */
export class CopilotApi {
  constructor(
    private readonly api: BackendApi,
    private readonly signIn: SignIn,
    private readonly context: { backendUrl: string; BACKEND_CLIENT_ID?: string },
  ) {}

  /** POST /v1/search: one page. */
  search(body: SearchRequest): Promise<SearchResponse> {
    return this.api.withToken((token) => search({ client: this.api.client, auth: token, body }))
  }

  /** POST /v1/conversations. */
  createConversation(): Promise<Conversation> {
    return this.api.withToken((token) =>
      createConversation({ client: this.api.client, auth: token, body: {} }),
    )
  }

  /** POST /v1/conversations/{id}/chat: the whole answer at once. */
  chat(id: string, body: ChatRequest): Promise<ChatTurn> {
    return this.api.withToken((token) =>
      chat({ client: this.api.client, auth: token, path: { id }, body }),
    )
  }

  /**
   * POST /v1/conversations/{id}/chat/stream, yielding each event as it arrives. Aborting
   * `signal` closes the connection, which makes the backend stop Graph's stream.
   *
   * hey-api's SSE client reports a refused stream by its status only (the problem+json body is
   * dropped), so for a refusal that costs Graph nothing to repeat (400, 401, 403, 404) the turn
   * is asked once on the JSON route: its answer explains the error in full, or — after a new
   * sign-in — is the answer, yielded as one delta and done.
   */
  async *chatStream(
    id: string,
    body: ChatRequest,
    signal: AbortSignal,
  ): AsyncGenerator<ChatStreamEvent> {
    const { accessToken } = await this.signIn.acquire()
    let failure: unknown
    let received = 0
    const { stream } = await chatStream({
      client: this.api.client,
      auth: accessToken,
      path: { id },
      body,
      signal,
      sseMaxRetryAttempts: 1,
      onSseError: (error) => {
        failure = error
      },
    })
    for await (const event of stream) {
      received++
      yield event as ChatStreamEvent
    }
    if (signal.aborted || failure === undefined) return
    const status = Number(/SSE failed: (\d{3})/.exec(String((failure as Error).message))?.[1])
    if (!status) {
      throw explainError(failure, { target: { name: 'backend', url: this.context.backendUrl } })
    }
    if (received === 0 && EXPLAIN_AGAIN.has(status)) {
      const turn = await this.chat(id, body)
      yield { type: 'delta', text: turn.message.text }
      yield { type: 'done', ...turn }
      return
    }
    throw problemToCliError(status, undefined, new Headers(), this.context)
  }
}

/** The error a stream's `event: error` stands for. */
export function streamErrorToCliError(
  event: Extract<ChatStreamEvent, { type: 'error' }>,
  context: { backendUrl: string; BACKEND_CLIENT_ID?: string },
): CliError {
  return problemToCliError(event.problem.status, event.problem, new Headers(), context)
}

/** A stream that ended with neither `done` nor `error`: the backend or the network went away. */
export function incompleteStream(): CliError {
  return new CliError(
    'stream_incomplete',
    'The answer stopped before it was complete: the connection to the backend closed.',
    'Run the command again; `oboe doctor` checks the backend if it keeps happening.',
    ExitCode.network,
  )
}
