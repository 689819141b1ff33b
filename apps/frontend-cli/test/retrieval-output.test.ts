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

  it('Should ask for no metadata with --json unless told', () => {
    expect(buildRetrievalRequest('q', { json: true })).toEqual({
      queryString: 'q',
      dataSource: 'sharePoint',
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
    const out = formatHits(colors, hits, { showSource: true })
    expect(out).toMatch(/│ # │ Document\s+│ Source\s+│ Score │ Label\s+│ Extract/)
    expect(out).toContain('Methods of Watering')
    expect(out).toContain(hits[0]!.webUrl)
    expect(out).toContain('0.50')
    expect(out).toContain('General')
  })

  it('Should switch to a list that keeps URLs whole when the terminal is too narrow', () => {
    const out = formatHits(colors, hits, { showSource: false, width: 80 })
    expect(out).not.toContain('│')
    expect(out).toContain(`   ${hits[0]!.webUrl}`)
    expect(out).toContain('1. Methods of Watering  (score 0.50, General)')
  })
})
