import { describe, expect, it } from 'vitest'
import pc from 'picocolors'
import { buildRetrievalRequest } from '../src/commands/retrieve.ts'
import { formatHits, type RetrievalHit } from '../src/output/retrieval-table.ts'

const { createColors } = pc

describe('buildRetrievalRequest', () => {
  it('Should send one source as dataSource and ask for titles for the table', () => {
    expect(buildRetrievalRequest('q', {})).toEqual({
      queryString: 'q',
      dataSource: 'sharePoint',
      resourceMetadata: ['title'],
    })
  })

  it('Should send several sources as dataSources, with the filter, metadata and maximum', () => {
    expect(
      buildRetrievalRequest('q', {
        source: ['sharePoint', 'externalItem'],
        filter: 'FileExtension:"docx"',
        metadata: ['title', 'author'],
        max: 5,
        json: true,
      }),
    ).toEqual({
      queryString: 'q',
      dataSources: ['sharePoint', 'externalItem'],
      filterExpression: 'FileExtension:"docx"',
      resourceMetadata: ['title', 'author'],
      maximumNumberOfResults: 5,
    })
  })

  it('Should ask for titles with --json too, so scripts get them', () => {
    expect(buildRetrievalRequest('q', { json: true })).toEqual({
      queryString: 'q',
      dataSource: 'sharePoint',
      resourceMetadata: ['title'],
    })
  })
})

describe('formatHits', () => {
  const colors = createColors(false)
  const hits: RetrievalHit[] = [
    {
      webUrl:
        'https://contoso.sharepoint.com/sites/Facilities/Shared%20Documents/Gardens/Methods%20of%20Watering.docx',
      extracts: [{ text: 'Drip irrigation, soaker hoses and hand watering.', relevanceScore: 0.5 }],
      resourceType: 'listItem',
      resourceMetadata: { title: 'Methods of Watering' },
      sensitivityLabel: { sensitivityLabelId: 'x', displayName: 'General' },
      dataSource: 'sharePoint',
    },
    {
      webUrl: 'https://helpdesk.contoso.dev/kb/KB0045',
      extracts: [{ text: 'Reset the controller.', relevanceScore: 0.9 }],
      resourceType: 'externalItem',
      dataSource: 'externalItem',
    },
  ]

  it('Should print a table with title or URL, score, label and extract', () => {
    const out = formatHits(colors, hits, { showSource: true, width: 200 })
    expect(out).toMatch(/│ # │ Document\s+│ Source\s+│ Score │ Label\s+│ Extract/)
    expect(out).toContain('Methods of Watering')
    expect(out).toContain(hits[0]!.webUrl)
    expect(out).toContain('0.50')
    expect(out).toContain('General')
  })

  const widest = (out: string) => Math.max(...out.split('\n').map((line) => line.length))
  const long =
    'Drip irrigation delivers water slowly to the root zone through tubing and emitters, '.repeat(3)
  const wordy = [{ ...hits[0]!, extracts: [{ text: long, relevanceScore: 0.5 }] }, hits[1]!]

  it('Should fit the table in 80 columns, with each URL whole under it', () => {
    const out = formatHits(colors, wordy, { showSource: false, width: 80 })
    // Every line of the table fits; a URL longer than the terminal is printed whole on its own line.
    const tableLines = out.split('\n').filter((line) => /^[┌│├└]/.test(line))
    expect(tableLines.length).toBeGreaterThan(4)
    expect(widest(tableLines.join('\n'))).toBeLessThanOrEqual(80)
    expect(out).toMatch(/│ # │ Document\s+│ Score │ Label\s+│ Extract/)
    expect(out).toContain(` 1  ${hits[0]!.webUrl}`)
    expect(out).toContain(` 2  ${hits[1]!.webUrl}`)
  })

  it('Should fit the table in 200 columns with the URLs inside it', () => {
    const out = formatHits(colors, wordy, { showSource: true, width: 200 })
    expect(widest(out)).toBeLessThanOrEqual(200)
    expect(out).toContain(hits[0]!.webUrl)
    expect(out).not.toContain('Links')
  })

  it('Should break extracts at word boundaries, never inside a word', () => {
    const out = formatHits(colors, wordy, { showSource: false, width: 80 })
    const words = new Set(long.split(/\s+/).filter(Boolean))
    const cells = out
      .split('\n')
      .filter((line) => line.startsWith('│'))
      .map((line) => line.split('│').at(-2)?.trim() ?? '')
    for (const cell of cells)
      for (const word of cell.split(' ').filter(Boolean))
        if (!['Extract', 'Reset', 'the', 'controller.'].includes(word))
          expect(
            words.has(word.replace(/…$/, '')) || long.includes(word.replace(/…$/, '')),
            word,
          ).toBe(true)
  })

  it('Should switch to a list that keeps URLs whole when the terminal is narrower than 60', () => {
    const out = formatHits(colors, wordy, { showSource: false, width: 50 })
    expect(out).not.toContain('│')
    expect(out).toContain(`   ${hits[0]!.webUrl}`)
    expect(out).toContain('1. Methods of Watering  (score 0.50, General)')
    const extractLines = out
      .split('\n')
      .filter((l) => l.startsWith('   Drip') || l.startsWith('   '))
    for (const line of extractLines.filter((l) => !l.includes('https://')))
      expect(line.length).toBeLessThanOrEqual(50)
  })
})
