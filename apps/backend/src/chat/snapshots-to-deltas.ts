import {
  INTERMEDIATE_DISPLAY_NAME,
  REQUEST_MESSAGE_TYPE,
  type ChatMessage,
  type ChatStreamEvent,
  type GraphConversation,
} from '@oboe/contracts'

/**
 * Turns Graph's chatOverStream events, each a cumulative snapshot of the whole answer so far
 * (PROTOCOL.md §7), into deltas: only the text added since the last event, a citation event
 * for each attribution the first time it appears, and one `done` with the final message.
 *
 * Choices where the protocol is silent, written down here:
 * - The answer is the response message (not the echoed prompt), tracked by its id; a snapshot of
 *   another response id starts over (its text is treated as new).
 * - A snapshot whose text does not extend what was sent (Copilot rewrote earlier text) sends
 *   nothing; the final message then brings whatever it adds beyond what was sent, and `done`
 *   always carries the full final text, which clients should trust over their concatenation.
 * - The final event is the one that is not "Intermediate Conversation Update" (or counts a turn).
 * Cost: one prefix comparison per snapshot, O(answer length), and no copy of older snapshots.
 */
export class SnapshotsToDeltas {
  private messageId: string | undefined
  private sentLength = 0
  private sentText = ''
  private citations = 0
  private finished = false

  /** True once the final event was seen. */
  get done(): boolean {
    return this.finished
  }

  /** The events to relay for one snapshot (none for a keep-alive). */
  push(snapshot: GraphConversation): ChatStreamEvent[] {
    if (this.finished) return []
    const final = isFinal(snapshot)
    const response = responseOf(snapshot)
    const events: ChatStreamEvent[] = []
    if (response) {
      if (response.id !== this.messageId) {
        this.messageId = response.id
        this.sentLength = 0
        this.sentText = ''
      }
      const text = response.text
      if (text.length > this.sentLength && text.startsWith(this.sentText)) {
        const delta = text.slice(this.sentLength)
        this.sentText = text
        this.sentLength = text.length
        events.push({ type: 'delta', text: delta })
      }
      const attributions = response.attributions ?? []
      for (; this.citations < attributions.length; this.citations++) {
        events.push({
          type: 'citation',
          number: this.citations + 1,
          attribution: attributions[this.citations]!,
        })
      }
    }
    if (final) {
      this.finished = true
      events.push({
        type: 'done',
        conversationId: snapshot.id,
        turnCount: snapshot.turnCount ?? 0,
        ...(snapshot.displayName !== undefined && { displayName: snapshot.displayName }),
        ...(snapshot.state !== undefined && { state: snapshot.state }),
        message: response ?? { id: '', text: '' },
      })
    }
    return events
  }
}

function isFinal(snapshot: GraphConversation): boolean {
  return snapshot.displayName !== INTERMEDIATE_DISPLAY_NAME || (snapshot.turnCount ?? 0) > 0
}

/** The response message of a snapshot: the last message that is not the echoed prompt. */
export function responseOf(snapshot: GraphConversation): ChatMessage | undefined {
  const messages = snapshot.messages ?? []
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!
    if (m['@odata.type'] !== REQUEST_MESSAGE_TYPE) return m
  }
  return undefined
}
