import { stripVTControlCharacters } from 'node:util'
import Table from 'cli-table3'
import type { SearchResponse } from '../client/types.gen.ts'
import type { Terminal } from './terminal.ts'

type SearchHit = SearchResponse['searchHits'][number]
type Colors = Terminal['colors']

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()
const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text

function metadataText(hit: SearchHit, key: string): string | undefined {
  const value = hit.resourceMetadata?.[key]
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

/**
 * Search hits as people read them: a numbered table (title and URL, author, preview), URLs
 * never wrapped so terminals keep them clickable, then how many of the total were shown.
 */
export function printSearch(
  terminal: Terminal,
  hits: SearchHit[],
  totalCount: number | undefined,
  options: { more: boolean; width?: number | undefined },
): void {
  const c = terminal.colors
  if (hits.length === 0) {
    terminal.out('No files matched. Try other words, or a wider path: filter.')
    return
  }
  const table = hitsTable(c, hits, options.width)
  const widest = Math.max(...table.split('\n').map((l) => stripVTControlCharacters(l).length))
  // A wrapped table would break its URLs; a list keeps them whole and clickable.
  terminal.out(options.width && widest > options.width ? hitsList(c, hits) : table)
  const total = totalCount ?? hits.length
  terminal.out(
    `Showing ${hits.length} of ${total} hit${total === 1 ? '' : 's'}.` +
      (options.more ? ' Add --all for every page.' : ''),
  )
}

function hitsTable(c: Colors, hits: SearchHit[], terminalWidth: number | undefined): string {
  const width = Math.max(80, terminalWidth ?? 120)
  const previewWidth = Math.max(30, Math.min(70, width - 70))
  const table = new Table({
    head: ['#', 'File', 'Author', 'Preview'].map((h) => c.bold(h)),
    style: { head: [], border: [] },
    colWidths: [null, null, null, previewWidth],
    wordWrap: true,
  })
  hits.forEach((hit, i) => {
    const title = titleOf(hit)
    table.push([
      String(i + 1),
      title ? `${clip(title, 60)}\n${c.dim(hit.webUrl)}` : hit.webUrl,
      metadataText(hit, 'author') ?? '',
      clip(oneLine(hit.preview ?? ''), 150),
    ])
  })
  return table.toString()
}

function hitsList(c: Colors, hits: SearchHit[]): string {
  return hits
    .map((hit, i) => {
      const author = metadataText(hit, 'author')
      return [
        `${c.bold(`${i + 1}.`)} ${titleOf(hit) ?? hit.webUrl}${author ? c.dim(` — ${author}`) : ''}`,
        `   ${c.dim(hit.webUrl)}`,
        `   ${clip(oneLine(hit.preview ?? ''), 150)}`,
      ].join('\n')
    })
    .join('\n\n')
}

function titleOf(hit: SearchHit): string | undefined {
  return metadataText(hit, 'title') ?? metadataText(hit, 'fileName')
}
