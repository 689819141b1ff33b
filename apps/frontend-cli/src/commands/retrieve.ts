import { InvalidArgumentError, type Command } from 'commander'
import type { DataSource } from '@oboe/contracts'
import type { RetrievalRequest } from '../client/types.gen.ts'
import { loadRuntime } from './load-runtime.ts'

/**
 * Graph's data sources, written out so that parsing the options does not load the zod schemas;
 * the type check below fails if contracts' list changes.
 */
const DATA_SOURCES = ['sharePoint', 'oneDriveBusiness', 'externalItem'] as const
const everySource: Exclude<DataSource, (typeof DATA_SOURCES)[number]> extends never ? true : false =
  true
void everySource

interface RetrieveOptions {
  source?: DataSource[]
  filter?: string
  metadata?: string[]
  max?: number
  json?: boolean
}

/** Accepts each of Graph's data sources, case-insensitively (Microsoft's Python sample sends "SharePoint"). */
function collectSource(value: string, previous: DataSource[] = []): DataSource[] {
  const source = DATA_SOURCES.find((s) => s.toLowerCase() === value.toLowerCase())
  if (!source) throw new InvalidArgumentError(`expected one of ${DATA_SOURCES.join(', ')}`)
  return previous.includes(source) ? previous : [...previous, source]
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

function parseMax(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 25)
    throw new InvalidArgumentError('expected a whole number from 1 to 25')
  return n
}

/** The body of POST /v1/retrieval for these options: one source as `dataSource`, several as `dataSources`. */
export function buildRetrievalRequest(query: string, options: RetrieveOptions): RetrievalRequest {
  const sources = options.source?.length ? options.source : (['sharePoint'] as DataSource[])
  // People and scripts want titles; Graph returns no metadata unless asked, so ask for the title.
  const metadata = options.metadata?.length ? options.metadata : ['title']
  const rest = {
    queryString: query,
    ...(options.filter ? { filterExpression: options.filter } : {}),
    ...(metadata.length ? { resourceMetadata: metadata } : {}),
    ...(options.max ? { maximumNumberOfResults: options.max } : {}),
  }
  const [only] = sources
  return sources.length === 1 && only
    ? { ...rest, dataSource: only }
    : { ...rest, dataSources: sources }
}

/** `oboe retrieve "<query>"`: the sample's call, through the backend, On-Behalf-Of the user. */
export function registerRetrieve(program: Command): void {
  program
    .command('retrieve')
    .description('Ask the Copilot Retrieval API through the backend, on your behalf')
    .argument('<query>', 'a natural-language question, at most 1,500 characters')
    .option(
      '--source <source>',
      `data source, repeatable: ${DATA_SOURCES.join(' | ')} (default sharePoint)`,
      collectSource,
    )
    .option('--filter <kql>', 'KQL filter, e.g. FileExtension:"docx" AND Author:"Alice"')
    .option(
      '--metadata <field>',
      'resource metadata field to return, repeatable (e.g. title, author)',
      collect,
    )
    .option('--max <n>', 'maximum number of results, 1–25', parseMax)
    .option('--json', 'print the response JSON only')
    .action(async (query: string, options: RetrieveOptions) => {
      const { createContext, explainError, printRetrieval } = await loadRuntime()
      const { config, terminal, api } = createContext({ json: options.json ?? false })
      const body = buildRetrievalRequest(query, options)
      try {
        terminal.busy('Retrieving…')
        const response = await api.retrieve(body)
        terminal.idle()
        if (options.json) return terminal.out(JSON.stringify(response, null, 2))
        printRetrieval(terminal, response, {
          showSource: (body.dataSources?.length ?? 1) > 1,
          // Piped output has no width; COLUMNS, when exported, still says how wide the reader is.
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
