import { z } from 'zod'

/** Chat's delegated permissions, all seven required by Graph (PROTOCOL.md §7). */
export const CHAT_PERMISSIONS = [
  'Sites.Read.All',
  'Mail.Read',
  'People.Read.All',
  'OnlineMeetingTranscript.Read.All',
  'Chat.Read',
  'ChannelMessage.Read.All',
  'ExternalItem.Read.All',
] as const

/** Search's delegated permissions (PROTOCOL.md §7). */
export const SEARCH_PERMISSIONS = ['Files.Read.All', 'Sites.Read.All'] as const

export const RESPONSE_MESSAGE_TYPE = '#microsoft.graph.copilotConversationResponseMessage'
export const REQUEST_MESSAGE_TYPE = '#microsoft.graph.copilotConversationRequestMessage'
/** `displayName` of the stream's intermediate events (PROTOCOL.md §7). */
export const INTERMEDIATE_DISPLAY_NAME = 'Intermediate Conversation Update'

export const ChatLocationHint = z.object({
  timeZone: z.string().min(1).max(64).describe('IANA time zone, e.g. Europe/Paris'),
  countryOrRegion: z.string().max(8).optional(),
  countryOrRegionConfidence: z.number().min(0).max(1).optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
})
export type ChatLocationHint = z.infer<typeof ChatLocationHint>

export const ChatContextualResources = z.object({
  files: z
    .array(z.object({ uri: z.string().url() }))
    .max(20)
    .optional(),
  webContext: z
    .object({ isWebEnabled: z.boolean() })
    .optional()
    .describe('Turning web grounding off lasts one turn'),
})
export type ChatContextualResources = z.infer<typeof ChatContextualResources>

/** Body of POST /beta/copilot/conversations/{id}/chat and /chatOverStream. */
export const GraphChatRequest = z.object({
  message: z.object({
    text: z.string().trim().min(1, 'message.text must not be empty').max(10_000),
  }),
  locationHint: ChatLocationHint,
  additionalContext: z
    .array(z.object({ text: z.string().min(1).max(10_000), description: z.string().optional() }))
    .max(20)
    .optional(),
  contextualResources: ChatContextualResources.optional(),
})
export type GraphChatRequest = z.infer<typeof GraphChatRequest>

export const ChatAttribution = z.object({
  attributionType: z.enum(['citation', 'annotation']).or(z.string()),
  attributionSource: z.enum(['grounding', 'model']).or(z.string()).optional(),
  providerDisplayName: z.string().optional(),
  seeMoreWebUrl: z.string().optional(),
  imageWebUrl: z.string().optional(),
  imageFavIcon: z.string().optional(),
  imageWidth: z.number().int().optional(),
  imageHeight: z.number().int().optional(),
})
export type ChatAttribution = z.infer<typeof ChatAttribution>

export const ChatSensitivityLabel = z.object({
  sensitivityLabelId: z.string().optional(),
  displayName: z.string().optional(),
  tooltip: z.string().optional(),
  priority: z.number().int().optional(),
  color: z.string().optional(),
  isEncrypted: z.boolean().optional(),
})
export type ChatSensitivityLabel = z.infer<typeof ChatSensitivityLabel>

/**
 * A message of a conversation: the prompt echoed back or Copilot's response. Adaptive cards are
 * kept as opaque JSON: their schema belongs to Adaptive Cards, not to this API.
 */
export const ChatMessage = z.object({
  '@odata.type': z.string().optional(),
  id: z.string(),
  text: z.string(),
  createdDateTime: z.string().optional(),
  adaptiveCards: z.array(z.unknown()).optional(),
  attributions: z.array(ChatAttribution).optional(),
  sensitivityLabel: ChatSensitivityLabel.nullable().optional(),
})
export type ChatMessage = z.infer<typeof ChatMessage>

/** `copilotConversation`; Graph's schema says `state`, one example says `status`. */
export const GraphConversation = z.object({
  id: z.string(),
  createdDateTime: z.string().optional(),
  displayName: z.string().optional(),
  state: z.enum(['active', 'disengagedForRai']).or(z.string()).optional(),
  turnCount: z.number().int().min(0).optional(),
  messages: z.array(ChatMessage).optional(),
})
export type GraphConversation = z.infer<typeof GraphConversation>
