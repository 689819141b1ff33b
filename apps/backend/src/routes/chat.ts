import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import {
  ChatRequest,
  ChatStreamEvent,
  ChatTurn,
  Conversation,
  type BackendConfig,
} from '@oboe/contracts'
import type { Context } from 'hono'
import { chatOnce, createConversation } from '../chat/run-chat.ts'
import type { CopilotContext } from '../chat/chat-context.ts'
import { relayChatStream } from '../chat/relay-chat-stream.ts'
import { describeError } from '../problems/describe-error.ts'
import type { AppEnv } from '../env.ts'
import type { GraphClient } from '../graph/graph-client.ts'
import type { Metrics } from '../operations/metrics.ts'
import { requestLog } from '../operations/request-scope.ts'
import { openapiWithJsonBody, validJson } from './json-route.ts'
import { BEARER, named, ok, onBehalfOfProblems, problem } from './schemas.ts'

const CHAT_PERMISSIONS_NOTE =
  'Token B has Chat’s seven delegated permissions (Sites.Read.All, Mail.Read, People.Read.All, ' +
  'OnlineMeetingTranscript.Read.All, Chat.Read, ChannelMessage.Read.All, ExternalItem.Read.All); ' +
  'a 403 `consent_required` names the one missing.'

const chatBody = {
  required: true,
  content: {
    'application/json': {
      schema: named(ChatRequest, 'ChatRequest'),
      example: {
        message: { text: 'What are the methods of watering?' },
        locationHint: { timeZone: 'Europe/Paris' },
      },
    },
  },
}

const conversationId = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'a conversation id from POST /v1/conversations')
    .openapi({
      param: { name: 'id', in: 'path' },
      example: '0d110e7e-2b7e-4270-a899-fd2af6fde333',
    }),
})

const notFound = {
  404: problem('No conversation with this id belongs to the signed-in user'),
}

const create = createRoute({
  method: 'post',
  path: '/v1/conversations',
  tags: ['chat'],
  operationId: 'createConversation',
  summary: 'Start a Copilot Chat conversation on behalf of the signed-in user',
  description: `Microsoft Graph beta \`POST /copilot/conversations\`. ${CHAT_PERMISSIONS_NOTE}`,
  security: BEARER,
  request: {
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z.object({}).openapi('CreateConversationRequest'),
          example: {},
        },
      },
    },
  },
  responses: {
    201: ok(named(Conversation, 'Conversation'), 'The new conversation, owned by the user', true),
    ...onBehalfOfProblems,
  },
})

const chat = createRoute({
  method: 'post',
  path: '/v1/conversations/{id}/chat',
  tags: ['chat'],
  operationId: 'chat',
  summary: 'Ask Copilot Chat in a conversation and wait for the whole answer',
  description: `Microsoft Graph beta \`POST /copilot/conversations/{id}/chat\`. ${CHAT_PERMISSIONS_NOTE}`,
  security: BEARER,
  request: { params: conversationId, body: chatBody },
  responses: {
    200: ok(named(ChatTurn, 'ChatTurn'), 'The answer with its citations and label', true),
    ...onBehalfOfProblems,
    ...notFound,
  },
})

const stream = createRoute({
  method: 'post',
  path: '/v1/conversations/{id}/chat/stream',
  tags: ['chat'],
  operationId: 'chatStream',
  summary: 'Ask Copilot Chat and receive the answer as Server-Sent Events of deltas',
  description:
    'Relays Graph’s `chatOverStream` (cumulative snapshots) as deltas: `event: delta` (only the new ' +
    'text), `event: citation` (an attribution appeared; `number` is its `[^n^]` marker), `event: done` ' +
    '(the final message, attributions, label and turn count), `event: error` (a problem, after the ' +
    'stream started). Each event’s data repeats its name as `type`. `: heartbeat` comments keep quiet ' +
    'streams open. Closing the connection stops the upstream stream. Failures before the stream ' +
    `starts are problem+json with their status. ${CHAT_PERMISSIONS_NOTE}`,
  security: BEARER,
  request: { params: conversationId, body: chatBody },
  responses: {
    200: {
      description: 'Server-Sent Events; the data of each is one ChatStreamEvent',
      content: { 'text/event-stream': { schema: named(ChatStreamEvent, 'ChatStreamEvent') } },
    },
    ...onBehalfOfProblems,
    ...notFound,
  },
})

/** What Chat needs from the app. */
export interface ChatDeps {
  config: BackendConfig
  graph: GraphClient
  metrics?: Metrics
}

/** POST /v1/conversations, …/{id}/chat and …/{id}/chat/stream. */
export function registerChat(app: OpenAPIHono<AppEnv>, deps: ChatDeps): void {
  const contextOf = (c: Context<AppEnv>): CopilotContext => ({
    graph: deps.graph,
    graphBaseUrl: deps.config.GRAPH_BASE_URL,
    scopes: deps.config.CHAT_GRAPH_SCOPES,
    accessToken: c.get('accessToken'),
    tokens: c.get('tokens'),
    requestId: c.get('requestId'),
    ...(deps.metrics && { metrics: deps.metrics }),
    onStreamError: (error) =>
      requestLog(c).warn({ error: describeError(error, [], false) }, 'chat stream failed'),
  })
  app.openapi(create, async (c) => c.json(await createConversation(contextOf(c)), 201))
  openapiWithJsonBody(app, chat, async (c) => {
    const { id } = c.req.valid('param')
    return c.json(
      await chatOnce(contextOf(c), id, validJson(c, chatBody.content['application/json'].schema)),
      200,
    )
  })
  openapiWithJsonBody(app, stream, async (c) => {
    const { id } = c.req.valid('param')
    return (await relayChatStream(
      c,
      contextOf(c),
      id,
      validJson(c, chatBody.content['application/json'].schema),
      {
        heartbeatSeconds: deps.config.CHAT_HEARTBEAT_SECONDS,
      },
    )) as never
  })
}
