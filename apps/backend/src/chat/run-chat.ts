import {
  GraphConversation,
  type ChatRequest,
  type ChatTurn,
  type Conversation,
  type GraphChatRequest,
} from '@oboe/contracts'
import { GraphRequestError } from '../graph/graph-request-error.ts'
import { ProblemError } from '../problems/problem-error.ts'
import { betaUrl, type CopilotContext } from './chat-context.ts'
import { chatProblem, missingChatPermissions } from './chat-permissions.ts'
import { responseOf } from './snapshots-to-deltas.ts'

/** Token B for Chat, and which of Chat's permissions it lacks (to name them on a 403). */
export async function chatToken(
  context: CopilotContext,
): Promise<{ token: string; missing: string[] }> {
  try {
    const acquired = await context.tokens.getToken(
      { scopes: [...context.scopes] },
      { correlationId: context.requestId },
    )
    return {
      token: acquired.accessToken,
      missing: missingChatPermissions(acquired.scopes, context.scopes),
    }
  } catch (error) {
    throw chatProblem(error, [])
  }
}

/** Graph's chat body: the request as it is, with UTC when the client gave no location. */
export function graphChatRequest(request: ChatRequest): GraphChatRequest {
  return Object.assign({}, request, { locationHint: request.locationHint ?? { timeZone: 'UTC' } })
}

/** The conversation path of an id from the URL, which must not reach Graph as a path change. */
export function conversationPath(id: string): string {
  return `copilot/conversations/${encodeURIComponent(id)}`
}

function parseConversation(body: unknown): GraphConversation {
  const parsed = GraphConversation.safeParse(body)
  if (!parsed.success) {
    throw new GraphRequestError({
      kind: 'http',
      status: 502,
      message: `Graph answered with a body that is not a conversation (${parsed.error.issues[0]?.path.join('.') ?? ''})`,
    })
  }
  return parsed.data
}

/** A Graph 404 on a conversation: unknown, or another user's (Graph does not say which). */
export function conversationNotFound(id: string, cause: unknown): ProblemError {
  return new ProblemError({
    status: 404,
    code: 'not_found',
    title: 'Conversation not found',
    detail: `No conversation ${id} belongs to the signed-in user.`,
    fix: 'Start a new conversation (POST /v1/conversations, or oboe chat without --conversation).',
    cause,
  })
}

/** Maps a Graph failure of a conversation call to the problem it is answered with. */
export function chatFailure(error: unknown, id: string | undefined, missing: string[]): unknown {
  if (id !== undefined && error instanceof GraphRequestError && error.status === 404) {
    return conversationNotFound(id, error)
  }
  return chatProblem(error, missing)
}

/** POST /v1/conversations → POST /beta/copilot/conversations with `{}`. */
export async function createConversation(context: CopilotContext): Promise<Conversation> {
  const { token, missing } = await chatToken(context)
  try {
    const { body } = await context.graph.json({
      method: 'POST',
      path: betaUrl(context.graphBaseUrl, 'copilot/conversations'),
      body: {},
      token,
      requestId: context.requestId,
      operation: 'conversations',
      ...(context.signal && { signal: context.signal }),
    })
    const conversation = parseConversation(body)
    return {
      id: conversation.id,
      ...(conversation.createdDateTime !== undefined && {
        createdDateTime: conversation.createdDateTime,
      }),
      displayName: conversation.displayName ?? '',
      state: conversation.state ?? 'active',
      turnCount: conversation.turnCount ?? 0,
    }
  } catch (error) {
    throw chatFailure(error, undefined, missing)
  }
}

/** POST /v1/conversations/{id}/chat → POST /beta/copilot/conversations/{id}/chat. */
export async function chatOnce(
  context: CopilotContext,
  id: string,
  request: ChatRequest,
): Promise<ChatTurn> {
  const { token, missing } = await chatToken(context)
  try {
    const { body } = await context.graph.json({
      method: 'POST',
      path: betaUrl(context.graphBaseUrl, `${conversationPath(id)}/chat`),
      body: graphChatRequest(request),
      token,
      requestId: context.requestId,
      operation: 'chat',
      ...(context.signal && { signal: context.signal }),
    })
    const conversation = parseConversation(body)
    const message = responseOf(conversation)
    if (!message) {
      throw new GraphRequestError({
        kind: 'http',
        status: 502,
        message: 'Graph answered the chat with no response message',
      })
    }
    return {
      conversationId: conversation.id,
      turnCount: conversation.turnCount ?? 0,
      ...(conversation.displayName !== undefined && { displayName: conversation.displayName }),
      ...(conversation.state !== undefined && { state: conversation.state }),
      message,
    }
  } catch (error) {
    throw chatFailure(error, id, missing)
  }
}
