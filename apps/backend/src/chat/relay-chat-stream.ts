import { GraphConversation, type ChatRequest, type ChatStreamEvent } from '@oboe/contracts'
import { createParser } from 'eventsource-parser'
import type { Context } from 'hono'
import { streamSSE, type SSEStreamingApi } from 'hono/streaming'
import { Counter, type Registry } from 'prom-client'
import { GraphRequestError } from '../graph/graph-request-error.ts'
import { problemBody } from '../problems/problem-response.ts'
import { toProblem } from '../problems/to-problem.ts'
import { betaUrl, type CopilotContext } from './chat-context.ts'
import { chatFailure, chatToken, conversationPath, graphChatRequest } from './run-chat.ts'
import { SnapshotsToDeltas } from './snapshots-to-deltas.ts'

/** Chat stream metrics, registered once per registry. */
export interface ChatStreamMetrics {
  events: Counter<'type'>
  streams: Counter<'outcome'>
}

const metricsByRegistry = new WeakMap<Registry, ChatStreamMetrics>()

/** The relay's counters on the backend's registry: events relayed by type, streams by outcome. */
export function chatStreamMetrics(registry: Registry): ChatStreamMetrics {
  let metrics = metricsByRegistry.get(registry)
  if (!metrics) {
    metrics = {
      events: new Counter({
        name: 'oboe_chat_stream_events_total',
        help: 'Server-Sent Events relayed to clients on chat streams, by type',
        labelNames: ['type'],
        registers: [registry],
      }),
      streams: new Counter({
        name: 'oboe_chat_streams_total',
        help: 'Chat streams by outcome: completed, client_closed, upstream_error',
        labelNames: ['outcome'],
        registers: [registry],
      }),
    }
    metricsByRegistry.set(registry, metrics)
  }
  return metrics
}

export interface RelayOptions {
  /** Seconds between `: heartbeat` comments while the stream is quiet. */
  heartbeatSeconds: number
}

/**
 * POST /v1/conversations/{id}/chat/stream: opens Graph's chatOverStream and relays it as
 * Server-Sent Events of deltas (`delta`, `citation`, `done`, `error`). Failures before the
 * stream starts (token, consent, 404, throttling) are answered as problem+json with their
 * status; after, as one `event: error`. The upstream request is aborted as soon as the client
 * goes away, so Graph stops composing an answer nobody reads.
 */
export async function relayChatStream(
  c: Context,
  context: CopilotContext,
  id: string,
  request: ChatRequest,
  options: RelayOptions,
): Promise<Response> {
  const { token, missing } = await chatToken(context)
  const upstream = new AbortController()
  let response
  try {
    response = await context.graph.stream({
      path: betaUrl(context.graphBaseUrl, `${conversationPath(id)}/chatOverStream`),
      body: graphChatRequest(request),
      token,
      requestId: context.requestId,
      signal: upstream.signal,
      operation: 'chat-stream',
    })
  } catch (error) {
    throw chatFailure(error, id, missing)
  }
  const metrics = context.metrics ? chatStreamMetrics(context.metrics.registry) : undefined
  const body = response.body
  c.header('x-accel-buffering', 'no')
  return streamSSE(c, async (stream) => {
    let clientGone = false
    stream.onAbort(() => {
      clientGone = true
      upstream.abort()
      body.destroy()
    })
    let lastWrite = Date.now()
    const heartbeatMs = options.heartbeatSeconds * 1000
    const heartbeat = setInterval(
      () => {
        if (Date.now() - lastWrite < heartbeatMs / 2) return
        lastWrite = Date.now()
        void stream.write(': heartbeat\n\n')
      },
      Math.max(50, heartbeatMs / 2),
    )
    const deltas = new SnapshotsToDeltas()
    const pending: ChatStreamEvent[] = []
    let unreadable = 0
    const parser = createParser({
      onEvent: (message) => {
        let json: unknown
        try {
          json = JSON.parse(message.data)
        } catch {
          unreadable++
          return
        }
        const snapshot = GraphConversation.safeParse(json)
        if (snapshot.success) pending.push(...deltas.push(snapshot.data))
        else unreadable++
      },
    })
    // The events of one upstream chunk go out in one write: one syscall instead of one per event.
    const sendAll = async (events: ChatStreamEvent[]) => {
      if (events.length === 0) return
      lastWrite = Date.now()
      let text = ''
      for (const event of events) {
        metrics?.events.inc({ type: event.type })
        text += sseFrame(event)
      }
      await stream.write(text)
    }
    const decoder = new TextDecoder()
    try {
      for await (const chunk of body) {
        parser.feed(decoder.decode(chunk, { stream: true }))
        await sendAll(pending.splice(0))
        if (deltas.done || clientGone) break
      }
      if (clientGone) {
        metrics?.streams.inc({ outcome: 'client_closed' })
        return
      }
      if (!deltas.done) {
        throw new GraphRequestError({
          kind: 'http',
          status: 502,
          message: `Graph's chat stream ended before the final event${unreadable ? ` (${unreadable} unreadable events)` : ''}`,
        })
      }
      metrics?.streams.inc({ outcome: 'completed' })
    } catch (error) {
      if (clientGone) {
        metrics?.streams.inc({ outcome: 'client_closed' })
        return
      }
      metrics?.streams.inc({ outcome: 'upstream_error' })
      const failure = error instanceof GraphRequestError ? error : upstreamBroke(error)
      await writeError(stream, failure, context.requestId)
      context.onStreamError?.(failure)
    } finally {
      clearInterval(heartbeat)
      upstream.abort()
      body.destroy()
    }
  })
}

function upstreamBroke(cause: unknown): GraphRequestError {
  // undici's body timeout: Graph sent nothing, not even a keep-alive, for GRAPH_DEADLINE_MS.
  if ((cause as { code?: string })?.code === 'UND_ERR_BODY_TIMEOUT') {
    return new GraphRequestError({
      kind: 'timeout',
      message:
        'Microsoft Graph stopped sending the chat stream (no event within GRAPH_DEADLINE_MS)',
      cause,
    })
  }
  return new GraphRequestError({
    kind: 'network',
    message: 'The connection to Microsoft Graph broke during the chat stream',
    cause,
  })
}

/** One Server-Sent Event; JSON.stringify escapes newlines, so the data is one line. */
function sseFrame(event: ChatStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}

async function writeError(stream: SSEStreamingApi, error: unknown, requestId: string) {
  const problem = problemBody(toProblem(error), requestId)
  await stream.write(sseFrame({ type: 'error', problem }))
}
