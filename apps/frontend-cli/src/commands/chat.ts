import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import type { CopilotApi } from '../api/copilot-api.ts'
import type { ChatRequest, ChatTurn } from '../client/types.gen.ts'
import { ExitCode } from '../errors/exit-code.ts'
import type { Terminal } from '../output/terminal.ts'
import { loadRuntime } from './load-runtime.ts'

interface ChatOptions {
  conversation?: string
  json?: boolean
}

/** The prompt as Graph wants it, with the user's time zone as the location hint. */
function chatRequest(text: string): ChatRequest {
  return {
    message: { text },
    locationHint: { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' },
  }
}

/**
 * Asks one turn and prints it as it streams: text as it arrives (markers as [n], entity tags
 * dropped), then footnotes, label and conversation id; with --json one event per line.
 */
async function streamTurn(
  copilot: CopilotApi,
  terminal: Terminal,
  conversationId: string,
  text: string,
  options: { json: boolean; signal: AbortSignal; context: { backendUrl: string } },
): Promise<ChatTurn> {
  const { ChatTextRenderer, incompleteStream, printTurnEnd, streamErrorToCliError } =
    await loadRuntime()
  const renderer = new ChatTextRenderer()
  terminal.busy('Asking Copilot…')
  for await (const event of copilot.chatStream(conversationId, chatRequest(text), options.signal)) {
    terminal.idle()
    if (options.json) {
      process.stdout.write(`${JSON.stringify(event)}\n`)
    } else if (event.type === 'delta') {
      process.stdout.write(renderer.push(event.text))
    }
    if (event.type === 'error') throw streamErrorToCliError(event, options.context)
    if (event.type === 'done') {
      if (!options.json) {
        process.stdout.write(`${renderer.flush()}\n`)
        printTurnEnd(terminal, event)
      }
      return event
    }
  }
  if (options.signal.aborted) throw new Error('interrupted')
  throw incompleteStream()
}

/** `oboe chat ["<prompt>"]`: Copilot Chat through the backend, streamed as it is written. */
export function registerChat(program: Command): void {
  program
    .command('chat')
    .description(
      'Chat with Microsoft 365 Copilot through the backend, on your behalf; with no prompt, an interactive session',
    )
    .argument('[prompt]', 'what to ask; leave out for an interactive session')
    .option(
      '--conversation <id>',
      'continue this conversation (its id is printed after each answer)',
    )
    .option('--json', 'print each event as one JSON line (delta, citation, done, error)')
    .action(async (prompt: string | undefined, options: ChatOptions) => {
      const json = options.json ?? false
      const { CopilotApi, createContext, explainError } = await loadRuntime()
      const { config, terminal, api, signIn } = createContext({ json })
      const context = {
        backendUrl: config.BACKEND_API_URL,
        BACKEND_CLIENT_ID: config.BACKEND_CLIENT_ID,
      }
      const copilot = new CopilotApi(api, signIn, context)
      const controller = new AbortController()
      // Ctrl-C: close the stream (the backend then stops Graph's), end the line, exit 130.
      const onInterrupt = () => {
        controller.abort()
        terminal.idle()
        if (!json) process.stdout.write('\n')
        process.exit(ExitCode.interrupted)
      }
      process.prependListener('SIGINT', onInterrupt)
      try {
        let conversationId = options.conversation
        if (!conversationId) {
          terminal.busy('Starting a conversation…')
          conversationId = (await copilot.createConversation()).id
        }
        const turn = (text: string) =>
          streamTurn(copilot, terminal, conversationId!, text, {
            json,
            signal: controller.signal,
            context,
          })
        if (prompt !== undefined) {
          await turn(prompt)
          return
        }
        const rl = createInterface({ input: process.stdin, output: process.stderr })
        rl.on('SIGINT', onInterrupt)
        terminal.note(
          terminal.colors.dim(
            `Conversation ${conversationId}. Ask away; an empty line or Ctrl-D ends.`,
          ),
        )
        try {
          // The line iterator ends when stdin does (Ctrl-D, or the end of piped input).
          rl.setPrompt(terminal.colors.bold('you › '))
          rl.prompt()
          for await (const line of rl) {
            if (!line.trim()) break
            await turn(line.trim())
            rl.prompt()
          }
        } finally {
          rl.close()
        }
      } catch (error) {
        throw explainError(error, {
          target: { name: 'backend', url: config.BACKEND_API_URL },
          BACKEND_CLIENT_ID: config.BACKEND_CLIENT_ID,
        })
      } finally {
        terminal.idle()
        process.removeListener('SIGINT', onInterrupt)
      }
    })
}
