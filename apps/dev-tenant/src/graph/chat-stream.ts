import type { IncomingMessage } from 'node:http'
import { INTERMEDIATE_DISPLAY_NAME, type GraphConversation } from '@oboe/contracts'
import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { FaultSpec } from '../admin/faults.ts'
import type { DevTenantContext } from '../context.ts'
import type { ChatTurnPlan } from './conversations.ts'

/** Context key of the faults the fault middleware leaves to the chat stream, to strike mid-stream. */
export const DEFERRED_FAULTS = 'deferredFaults'

/** How an answer is paced on the wire. */
export interface StreamPacing {
  /** Between two events. */
  eventIntervalMs: number
  /** Words added to the answer by each intermediate event. */
  wordsPerEvent: number
  /** A keep-alive event (`messages: []`) after this many text events. */
  keepAliveEvery: number
}

/**
 * The events of chatOverStream for one turn, exactly as PROTOCOL.md §7 describes them: a first
 * keep-alive, intermediate snapshots whose text grows cumulatively (each the whole answer so
 * far, with the attributions whose marker has appeared), keep-alives between them, and a final
 * event with the real display name and turn count and the prompt echoed before the response.
 */
export function snapshotsOf(plan: ChatTurnPlan, pacing: StreamPacing): GraphConversation[] {
  const { final, response } = plan
  const intermediate = {
    id: final.id,
    createdDateTime: final.createdDateTime,
    displayName: INTERMEDIATE_DISPLAY_NAME,
    state: final.state,
    turnCount: 0,
  }
  const keepAlive: GraphConversation = { ...intermediate, messages: [] }
  const words = response.text.split(/(?<=\s)/)
  const events: GraphConversation[] = [keepAlive]
  let textEvents = 0
  for (let end = pacing.wordsPerEvent; ; end += pacing.wordsPerEvent) {
    const text = words.slice(0, end).join('')
    const attributions = (response.attributions ?? []).filter((_, i) =>
      text.includes(`[^${i + 1}^]`),
    )
    events.push({ ...intermediate, messages: [{ ...response, text, attributions }] })
    if (++textEvents % pacing.keepAliveEvery === 0) events.push(keepAlive)
    if (end >= words.length) break
  }
  events.push(final)
  return events
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Streams the snapshots as Server-Sent Events (`data:` and `id:` lines, no `event:` field, no
 * end marker), at the given pace. Faults deferred to the stream (`reset`, `hang`) strike after
 * `afterEvents` events (default 2); a client that goes away stops the stream, and is counted.
 */
export function streamTurn(
  c: Context,
  ctx: DevTenantContext,
  events: GraphConversation[],
  pacing: StreamPacing,
  faults: FaultSpec[],
): Response {
  return streamSSE(c, async (stream) => {
    let closedByClient = false
    stream.onAbort(() => {
      closedByClient = true
    })
    ctx.counters.increment('graph:chat-stream:started')
    for (let i = 0; i < events.length; i++) {
      const fault = faults.find((f) => (f.afterEvents ?? 2) === i)
      if (fault?.kind === 'reset') {
        ctx.log('fault.applied', { endpoint: 'graph:chat-stream', kind: 'reset', afterEvents: i })
        const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket
        socket?.destroy()
        return
      }
      if (fault?.kind === 'hang') {
        ctx.log('fault.applied', { endpoint: 'graph:chat-stream', kind: 'hang', afterEvents: i })
        if (!stream.aborted) await new Promise<void>((resolve) => stream.onAbort(resolve))
        ctx.counters.increment('graph:chat-stream:closed-early')
        return
      }
      if (i > 0) await sleep(pacing.eventIntervalMs)
      if (closedByClient || stream.aborted) break
      await stream.writeSSE({ data: JSON.stringify(events[i]), id: String(i + 1) })
    }
    if (closedByClient || stream.aborted) {
      ctx.counters.increment('graph:chat-stream:closed-early')
      ctx.log('graph.chat.stream.closed', { reason: 'client closed the stream early' })
    } else {
      ctx.counters.increment('graph:chat-stream:completed')
    }
  })
}
