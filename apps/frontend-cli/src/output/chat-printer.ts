import type { ChatStreamEvent, ChatTurn } from '../client/types.gen.ts'
import type { Terminal } from './terminal.ts'

type Attribution = Extract<ChatStreamEvent, { type: 'citation' }>['attribution']
type SensitivityLabel = ChatTurn['message']['sensitivityLabel']

/** Longest text held back while it may still become a marker or a tag (`[^12^]`, `</Person>`). */
const MAX_PENDING = 32

/**
 * Renders Copilot's text for a terminal as it streams: citation markers `[^n^]` become `[n]`
 * and entity tags (`<File>…</File>`, `<Person>…</Person>`) are dropped, keeping what they name.
 * A delta may end inside a marker or a tag, so a possible start is held back until it is
 * complete (hand-written: no library renders this Copilot-specific markup).
 */
export class ChatTextRenderer {
  private pending = ''

  /** The printable text for a delta. */
  push(delta: string): string {
    const text = this.pending + delta
    const cut = holdBackFrom(text)
    this.pending = text.slice(cut)
    return render(text.slice(0, cut))
  }

  /** Whatever was held back, once the answer is complete. */
  flush(): string {
    const rest = render(this.pending)
    this.pending = ''
    return rest
  }
}

/** Where an unfinished marker or tag starts, if the text ends inside one. */
function holdBackFrom(text: string): number {
  const start = Math.max(text.lastIndexOf('['), text.lastIndexOf('<'))
  if (start < 0 || text.length - start > MAX_PENDING) return text.length
  const tail = text.slice(start)
  const unfinished = /^\[(\^(\d+\^?)?)?$/.test(tail) || /^<\/?[A-Za-z]*$/.test(tail)
  return unfinished ? start : text.length
}

function render(text: string): string {
  return text.replace(/\[\^(\d+)\^\]/g, '[$1]').replace(/<\/?[A-Z][A-Za-z]*>/g, '')
}

/** The footnotes of an answer: one line per citation, numbered like its marker. */
export function footnotes(attributions: readonly Attribution[]): string[] {
  return attributions.map((a, i) => {
    const title = a.providerDisplayName?.trim()
    const url = a.seeMoreWebUrl?.trim()
    return `[${i + 1}] ${title && url ? `${title} — ${url}` : (title ?? url ?? '(no source given)')}`
  })
}

/** What closes an answer: footnotes, the sensitivity label, and the conversation to continue. */
export function printTurnEnd(
  terminal: Terminal,
  turn: Pick<ChatTurn, 'conversationId' | 'message'>,
): void {
  const c = terminal.colors
  const notes = footnotes(turn.message.attributions ?? [])
  if (notes.length > 0) {
    terminal.out('')
    for (const line of notes) terminal.out(c.dim(line))
  }
  const label: SensitivityLabel = turn.message.sensitivityLabel
  terminal.out('')
  if (label?.displayName) terminal.out(`Sensitivity: ${label.displayName}`)
  terminal.out(c.dim(`Conversation: ${turn.conversationId}`))
}
