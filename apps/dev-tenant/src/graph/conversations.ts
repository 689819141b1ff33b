import { randomUUID } from 'node:crypto'
import {
  GraphChatRequest,
  REQUEST_MESSAGE_TYPE,
  RESPONSE_MESSAGE_TYPE,
  type ChatMessage,
  type GraphConversation,
} from '@oboe/contracts'
import type { DevTenantContext } from '../context.ts'
import { composeAnswer } from './copilot-answer.ts'
import { GraphApiError } from './graph-error.ts'
import type { GraphCaller } from './retrieval.ts'

/** A conversation as the emulator keeps it: its owner, and nothing of the messages. */
export interface StoredConversation {
  id: string
  ownerOid: string
  createdDateTime: string
  displayName: string
  state: 'active'
  turnCount: number
}

/** Oldest conversations are forgotten past this many, so a long benchmark cannot fill memory. */
const MAX_CONVERSATIONS = 10_000

/** Conversations per running emulator; only their owner may see or continue them. */
export class ConversationStore {
  private readonly byId = new Map<string, StoredConversation>()

  create(ownerOid: string): StoredConversation {
    const conversation: StoredConversation = {
      id: randomUUID(),
      ownerOid,
      createdDateTime: new Date().toISOString(),
      displayName: '',
      state: 'active',
      turnCount: 0,
    }
    this.byId.set(conversation.id, conversation)
    if (this.byId.size > MAX_CONVERSATIONS) {
      const oldest = this.byId.keys().next().value
      if (oldest !== undefined) this.byId.delete(oldest)
    }
    return conversation
  }

  /** The caller's conversation; another user's is "not found", as Graph does not reveal it. */
  owned(id: string, caller: GraphCaller): StoredConversation {
    const conversation = this.byId.get(id)
    if (!conversation || conversation.ownerOid !== caller.user.oid) {
      throw new GraphApiError(404, 'NotFound', `Conversation '${id}' was not found.`)
    }
    return conversation
  }
}

const stores = new WeakMap<DevTenantContext, ConversationStore>()

/** The conversation store of this emulator. */
export function conversationsOf(ctx: DevTenantContext): ConversationStore {
  let store = stores.get(ctx)
  if (!store) {
    store = new ConversationStore()
    stores.set(ctx, store)
  }
  return store
}

/** The conversation resource without its owner. */
export function conversationBody(c: StoredConversation): GraphConversation {
  return {
    id: c.id,
    createdDateTime: c.createdDateTime,
    displayName: c.displayName,
    state: c.state,
    turnCount: c.turnCount,
  }
}

export function parseChatRequest(rawBody: unknown): GraphChatRequest {
  const parsed = GraphChatRequest.safeParse(rawBody)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new GraphApiError(
      400,
      'invalidRequest',
      `Invalid request: ${issue.path.join('.') || 'body'}: ${issue.message}`,
    )
  }
  return parsed.data
}

/** One turn, computed up front: the echoed prompt, the full response, the conversation after. */
export interface ChatTurnPlan {
  prompt: ChatMessage
  response: ChatMessage
  /** The conversation as the final event and /chat show it (turn counted). */
  final: GraphConversation
}

/** Answers a prompt in a conversation and counts the turn. */
export function planTurn(
  ctx: DevTenantContext,
  caller: GraphCaller,
  conversation: StoredConversation,
  request: GraphChatRequest,
): ChatTurnPlan {
  const answer = composeAnswer(ctx, caller.user, request.message.text)
  const now = new Date().toISOString()
  if (!conversation.displayName) conversation.displayName = request.message.text.slice(0, 60)
  conversation.turnCount += 1
  const prompt: ChatMessage = {
    '@odata.type': REQUEST_MESSAGE_TYPE,
    id: randomUUID(),
    text: request.message.text,
    createdDateTime: now,
  }
  const response: ChatMessage = {
    '@odata.type': RESPONSE_MESSAGE_TYPE,
    id: randomUUID(),
    text: answer.text,
    createdDateTime: now,
    adaptiveCards: [],
    attributions: answer.attributions,
    ...(answer.sensitivityLabel && { sensitivityLabel: answer.sensitivityLabel }),
  }
  return {
    prompt,
    response,
    final: { ...conversationBody(conversation), messages: [prompt, response] },
  }
}
