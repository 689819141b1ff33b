import { stripVTControlCharacters } from 'node:util'
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
const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text

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
 * The hits as a table, or as a list when the table would be wider than the terminal: a wrapped
 * table would break its URLs, a list keeps them whole and clickable.
 */
export function formatHits(
  colors: Colors,
  hits: RetrievalHit[],
  options: { showSource: boolean; width?: number | undefined },
): string {
  const table = hitsTable(colors, hits, options)
  const widest = Math.max(...table.split('\n').map((l) => stripVTControlCharacters(l).length))
  return options.width && widest > options.width ? hitsList(colors, hits, options) : table
}

function hitsTable(
  c: Colors,
  hits: RetrievalHit[],
  options: { showSource: boolean; width?: number | undefined },
): string {
  const width = Math.max(80, options.width ?? 120)
  const head = [
    '#',
    'Document',
    ...(options.showSource ? ['Source'] : []),
    'Score',
    'Label',
    'Extract',
  ]
  const extractWidth = Math.max(30, Math.min(70, width - 60))
  const table = new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [] },
    colWidths: head.map((h) => (h === 'Extract' ? extractWidth : null)),
    wordWrap: true,
  })
  hits.forEach((hit, i) => {
    const title = hitTitle(hit)
    const document = title ? `${clip(title, 60)}\n${c.dim(hit.webUrl)}` : hit.webUrl
    const score = hitScore(hit)
    table.push([
      String(i + 1),
      document,
      ...(options.showSource ? [hit.dataSource] : []),
      score === undefined ? '–' : score.toFixed(2),
      hit.sensitivityLabel?.displayName ?? '',
      clip(oneLine(hit.extracts[0]?.text ?? ''), 150),
    ])
  })
  return table.toString()
}

function hitsList(c: Colors, hits: RetrievalHit[], options: { showSource: boolean }): string {
  return hits
    .map((hit, i) => {
      const score = hitScore(hit)
      const facts = [
        score === undefined ? undefined : `score ${score.toFixed(2)}`,
        hit.sensitivityLabel?.displayName,
        options.showSource ? hit.dataSource : undefined,
      ].filter(Boolean)
      return [
        `${c.bold(`${i + 1}. ${hitTitle(hit) ?? hit.webUrl}`)}${facts.length ? c.dim(`  (${facts.join(', ')})`) : ''}`,
        `   ${hit.webUrl}`,
        `   ${clip(oneLine(hit.extracts[0]?.text ?? ''), 150)}`,
      ].join('\n')
    })
    .join('\n\n')
}
