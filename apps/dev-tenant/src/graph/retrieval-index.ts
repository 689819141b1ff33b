import MiniSearch from 'minisearch'
import type { DataSource } from '@oboe/contracts'
import type { CorpusDocument } from '../tenant/schema.ts'
import { processTerm, termsOf } from './text-analysis.ts'

/** A document that matched a query, with its raw BM25 score and the query terms it contains. */
export interface ScoredDocument {
  doc: CorpusDocument
  score: number
  /** Terms of the query (after analysis) that this document matched. */
  matchedQueryTerms: string[]
}

/**
 * Full-text index of the corpus (MiniSearch, BM25), one per data source, since a retrieval
 * request names exactly one.
 */
export class RetrievalIndex {
  private readonly indexes = new Map<DataSource, MiniSearch<CorpusDocument>>()
  private readonly docs = new Map<string, CorpusDocument>()

  constructor(documents: readonly CorpusDocument[]) {
    for (const d of documents) this.docs.set(d.id, d)
    for (const source of ['sharePoint', 'oneDriveBusiness', 'externalItem'] as const) {
      const index = new MiniSearch<CorpusDocument>({
        fields: ['title', 'content'],
        idField: 'id',
        processTerm,
        searchOptions: {
          boost: { title: 2 },
          fuzzy: 0.15,
          prefix: (term) => term.length > 4,
          combineWith: 'OR',
        },
      })
      index.addAll(documents.filter((d) => d.dataSource === source))
      this.indexes.set(source, index)
    }
  }

  /** Documents of `source` ranked for `query`, best first, before any permission trimming. */
  search(source: DataSource, query: string): ScoredDocument[] {
    const index = this.indexes.get(source)!
    return index.search(query).map((r) => ({
      doc: this.docs.get(String(r.id))!,
      score: r.score,
      matchedQueryTerms: r.queryTerms,
    }))
  }

  /** Number of distinct meaningful terms in a query (for normalising scores). */
  static queryTerms(query: string): string[] {
    return [...new Set(termsOf(query))]
  }
}
