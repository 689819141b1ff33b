import { InvalidArgumentError, type Command } from 'commander'
import type { SearchRequest, SearchResponse } from '../client/types.gen.ts'
import { loadRuntime } from './load-runtime.ts'

interface SearchOptions {
  pageSize?: number
  all?: boolean
  path?: string
  json?: boolean
}

function parsePageSize(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new InvalidArgumentError('expected a whole number from 1 to 100')
  return n
}

/** `oboe search "<query>"`: Copilot Search over the user's OneDrive, through the backend. */
export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('Search your OneDrive with Copilot Search through the backend, on your behalf')
    .argument('<query>', 'what to look for, at most 1,500 characters')
    .option('--page-size <n>', 'hits per page, 1–100 (default 25)', parsePageSize)
    .option('--all', 'follow the cursor through every page')
    .option('--path <url>', 'only files under this path (a path: filter)')
    .option('--json', 'print the response JSON only (with --all, every hit in one response)')
    .action(async (query: string, options: SearchOptions) => {
      const { CopilotApi, createContext, explainError, printSearch } = await loadRuntime()
      const { config, terminal, api, signIn } = createContext({ json: options.json ?? false })
      const copilot = new CopilotApi(api, signIn, {
        backendUrl: config.BACKEND_API_URL,
        BACKEND_CLIENT_ID: config.BACKEND_CLIENT_ID,
      })
      const request: SearchRequest = {
        query,
        ...(options.pageSize && { pageSize: options.pageSize }),
        ...(options.path && { filterExpression: `path:"${options.path.replace(/"/g, '')}"` }),
        resourceMetadataNames: ['title', 'author'],
      }
      try {
        terminal.busy('Searching…')
        let page = await copilot.search(request)
        const hits = [...page.searchHits]
        let last: SearchResponse = page
        while (options.all && page.nextCursor) {
          terminal.busy(`Searching… ${hits.length} of ${page.totalCount ?? '?'}`)
          page = await copilot.search({ ...request, cursor: page.nextCursor })
          hits.push(...page.searchHits)
          last = page
        }
        terminal.idle()
        if (options.json) {
          const { nextCursor, ...rest } = last
          const combined: SearchResponse = {
            ...rest,
            searchHits: hits,
            ...(nextCursor && { nextCursor }),
          }
          return terminal.out(JSON.stringify(combined, null, 2))
        }
        printSearch(terminal, hits, last.totalCount, {
          more: !options.all && last.nextCursor !== undefined,
          width: process.stdout.columns || Number(process.env.COLUMNS) || undefined,
        })
      } catch (error) {
        throw explainError(error, {
          target: { name: 'authority', url: config.authority },
          BACKEND_CLIENT_ID: config.BACKEND_CLIENT_ID,
        })
      } finally {
        terminal.idle()
      }
    })
}
