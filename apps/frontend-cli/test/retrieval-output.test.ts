import { describe, expect, it } from 'vitest'
import { buildRetrievalRequest } from '../src/commands/retrieve.ts'

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
