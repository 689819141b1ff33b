import { z } from 'zod'
import {
  ChatAttribution,
  ChatContextualResources,
  ChatLocationHint,
  ChatMessage,
} from '../graph/chat.ts'
import { Problem } from './problem.ts'

/** A conversation as POST /v1/conversations answers it. */
export const Conversation = z.object({
  id: z.string(),
  createdDateTime: z.string().optional(),
  displayName: z.string().optional(),
  state: z.string().optional().describe('active | disengagedForRai'),
  turnCount: z.number().int().min(0),
})
export type Conversation = z.infer<typeof Conversation>

/**
 * Body of POST /v1/conversations/{id}/chat and …/chat/stream: Graph's chat request, with
 * `locationHint` optional (UTC when absent; Graph requires one).
 */
export const ChatRequest = z.object({
  message: z.object({
    text: z.string().trim().min(1, 'message.text must not be empty').max(10_000),
  }),
  locationHint: ChatLocationHint.optional(),
  additionalContext: z
    .array(z.object({ text: z.string().min(1).max(10_000), description: z.string().optional() }))
    .max(20)
    .optional(),
  contextualResources: ChatContextualResources.optional(),
})
export type ChatRequest = z.infer<typeof ChatRequest>

/** One finished turn: Copilot's answer, its citations and label, and the conversation's state. */
export const ChatTurn = z.object({
  conversationId: z.string(),
  turnCount: z.number().int().min(0),
  displayName: z.string().optional(),
  state: z.string().optional(),
  message: ChatMessage,
})
export type ChatTurn = z.infer<typeof ChatTurn>

/** `event: delta`: only the text added since the previous delta. */
export const ChatDeltaEvent = z.object({ type: z.literal('delta'), text: z.string() })
/** `event: citation`: an attribution appeared; `number` is its `[^n^]` marker. */
export const ChatCitationEvent = z.object({
  type: z.literal('citation'),
  number: z.number().int().min(1),
  attribution: ChatAttribution,
})
/** `event: done`: the final message (full text, attributions, label) and the turn count. */
export const ChatDoneEvent = ChatTurn.extend({ type: z.literal('done') })
/** `event: error`: the stream failed after it started; a problem+json body. */
export const ChatErrorEvent = z.object({ type: z.literal('error'), problem: Problem })

/** The data of each Server-Sent Event of …/chat/stream; `type` repeats the SSE event name. */
export const ChatStreamEvent = z.discriminatedUnion('type', [
  ChatDeltaEvent,
  ChatCitationEvent,
  ChatDoneEvent,
  ChatErrorEvent,
])
export type ChatStreamEvent = z.infer<typeof ChatStreamEvent>
