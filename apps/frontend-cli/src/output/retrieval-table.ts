import Table from 'cli-table3'
import type { RetrievalResponse } from '../client/types.gen.ts'
import type { Terminal } from './terminal.ts'

type Colors = Terminal['colors']

/** One hit of the backend's answer, labelled with its data source. */
export type RetrievalHit = RetrievalResponse['retrievalHits'][number]

/** The success lines of the sample's client, kept word for word so scripts written for it still match. */
export function successLines(response: RetrievalResponse): string[] {
  return ['✅ SUCCESS! OBO Flow Completed', `Total hits: ${response.retrievalHits.length}`]
}

/** The best relevance score of a hit's extracts (Graph may omit it, e.g. for connectors). */
export function hitScore(hit: RetrievalHit): number | undefined {
  const scores = hit.extracts
    .map((e) => e.relevanceScore)
    .filter((s): s is number => typeof s === 'number')
  return scores.length ? Math.max(...scores) : undefined
}

function hitTitle(hit: RetrievalHit): string | undefined {
  const meta = hit.resourceMetadata ?? {}
  for (const key of ['title', 'Title', 'name', 'fileName', 'FileName']) {
    const value = meta[key]
    if (typeof value === 'string' && value.trim()) return value.trim()
  }
  return undefined
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()

/** Cuts text to at most `max` characters at a word boundary, with an ellipsis when cut. */
function clipWords(text: string, max: number): string {
  if (text.length <= max) return text
  const cut = text.slice(0, max - 1)
  const space = cut.lastIndexOf(' ')
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`
}

/**
 * Breaks a paragraph into lines of at most `width` characters at spaces (a word longer than the
 * line stays whole). Hand-written: cli-table3 wraps table cells only, and this is eight lines.
 */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return line ? [...lines, line] : lines
}

/** The width assumed when output is piped and COLUMNS is not exported: a classic terminal. */
export const DEFAULT_WIDTH = 80
/** Narrower than this, a table has no room for the extract: the hits are printed as a list. */
const TABLE_MIN_WIDTH = 60
/** Extracts are cut here: the start of a passage, not the passage. */
const EXTRACT_MAX = 200

/**
 * Prints a retrieval answer for people: the sample's success lines, then a table of the hits
 * best first (title or URL, score, sensitivity label, the start of the extract). URLs are never
 * wrapped, so terminals keep them clickable.
 */
export function printRetrieval(
  terminal: Terminal,
  response: RetrievalResponse,
  options: { showSource: boolean; width?: number | undefined },
): void {
  const c = terminal.colors
  for (const line of successLines(response)) terminal.out(line)
  for (const source of response.sources ?? []) {
    if (source.status === 'error') {
      const fix = source.error?.fix ? ` → ${source.error.fix}` : ''
      terminal.note(
        c.yellow(
          `⚠ ${source.dataSource}: ${source.error?.title ?? 'failed'}${source.error?.detail ? `: ${source.error.detail}` : ''}${fix}`,
        ),
      )
    }
  }
  if (response.retrievalHits.length === 0) {
    terminal.out('No relevant documents. Try other words, another --source, or a wider --filter.')
    return
  }
  const hits = [...response.retrievalHits].sort((a, b) => (hitScore(b) ?? -1) - (hitScore(a) ?? -1))
  terminal.out(formatHits(terminal.colors, hits, options))
}

/**
 * The hits as a table that fits `width` (the terminal's, else {@link DEFAULT_WIDTH}): cells wrap
 * at word boundaries, and URLs are never broken, so terminals keep them clickable. When a URL
 * does not fit its column it is printed whole under the table, by number. Below
 * {@link TABLE_MIN_WIDTH} columns the hits are a list.
 */
export function formatHits(
  colors: Colors,
  hits: RetrievalHit[],
  options: { showSource: boolean; width?: number | undefined },
): string {
  const width = options.width ?? DEFAULT_WIDTH
  if (width < TABLE_MIN_WIDTH) return hitsList(colors, hits, { ...options, width })
  return hitsTable(colors, hits, { ...options, width })
}

function hitsTable(
  c: Colors,
  hits: RetrievalHit[],
  options: { showSource: boolean; width: number },
): string {
  const labels = hits.map((h) => h.sensitivityLabel?.displayName ?? '')
  const longest = (values: string[], floor: number) =>
    Math.max(floor, ...values.map((v) => v.length)) + 2
  const fixed = [
    {
      head: '#',
      width: longest(
        hits.map((_, i) => String(i + 1)),
        1,
      ),
    },
    ...(options.showSource
      ? [
          {
            head: 'Source',
            width: longest(
              hits.map((h) => h.dataSource),
              6,
            ),
          },
        ]
      : []),
    { head: 'Score', width: 7 },
    { head: 'Label', width: Math.min(18, longest(labels, 5)) },
  ]
  // Each column has a border on its left, the table one more on the right.
  const room = options.width - (fixed.length + 3) - fixed.reduce((n, col) => n + col.width, 0)
  const urlWidth = longest(
    hits.map((h) => h.webUrl),
    8,
  )
  // URLs go in the Document column when they fit beside a readable extract, else under the table.
  const urlsInside = room - urlWidth >= 30
  const documentWidth = urlsInside ? urlWidth : Math.max(12, Math.min(40, Math.floor(room * 0.4)))
  const extractWidth = Math.min(90, room - documentWidth)
  if (extractWidth < 20) return hitsList(c, hits, options)

  const [number, ...rest] = fixed
  const columns = [
    number,
    { head: 'Document', width: documentWidth },
    ...rest,
    { head: 'Extract', width: extractWidth },
  ].filter((col): col is { head: string; width: number } => col !== undefined)
  const table = new Table({
    head: columns.map((col) => c.bold(col.head)),
    style: { head: [], border: [] },
    colWidths: columns.map((col) => col.width),
    wordWrap: true,
  })
  hits.forEach((hit, i) => {
    const title = hitTitle(hit)
    const document = urlsInside
      ? title
        ? `${title}\n${c.dim(hit.webUrl)}`
        : hit.webUrl
      : (title ?? `see link ${i + 1}`)
    const score = hitScore(hit)
    table.push([
      String(i + 1),
      document,
      ...(options.showSource ? [hit.dataSource] : []),
      score === undefined ? '–' : score.toFixed(2),
      hit.sensitivityLabel?.displayName ?? '',
      clipWords(oneLine(hit.extracts[0]?.text ?? ''), EXTRACT_MAX),
    ])
  })
  if (urlsInside) return table.toString()
  const links = hits.map((hit, i) => `${String(i + 1).padStart(2)}  ${hit.webUrl}`)
  return [table.toString(), '', c.bold('Links'), ...links].join('\n')
}

function hitsList(
  c: Colors,
  hits: RetrievalHit[],
  options: { showSource: boolean; width: number },
): string {
  return hits
    .map((hit, i) => {
      const score = hitScore(hit)
      const facts = [
        score === undefined ? undefined : `score ${score.toFixed(2)}`,
        hit.sensitivityLabel?.displayName,
        options.showSource ? hit.dataSource : undefined,
      ].filter(Boolean)
      const extract = clipWords(oneLine(hit.extracts[0]?.text ?? ''), EXTRACT_MAX)
      return [
        `${c.bold(`${i + 1}. ${hitTitle(hit) ?? hit.webUrl}`)}${facts.length ? c.dim(`  (${facts.join(', ')})`) : ''}`,
        `   ${hit.webUrl}`,
        ...wrapWords(extract, Math.max(20, options.width - 3)).map((line) => `   ${line}`),
      ].join('\n')
    })
    .join('\n\n')
}
