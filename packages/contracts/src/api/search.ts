import { z } from 'zod'
import { GraphSearchRequest, SearchHit, SearchMetadataName } from '../graph/search.ts'

/**
 * POST /v1/search. The first page names the query; each next page sends the same query with
 * the `cursor` of the previous answer. A cursor is opaque, bound to the user and the query,
 * and never a URL: the backend builds the Graph URL of the next page itself.
 */
export const SearchRequest = z.object({
  query: GraphSearchRequest.shape.query,
  pageSize: z.number().int().min(1).max(100).optional().describe('Hits per page, 1–100 (25)'),
  filterExpression: z
    .string()
    .max(4000)
    .optional()
    .describe(
      'KQL over OneDrive, path: only, e.g. path:"https://contoso-my.sharepoint.com/personal/alice"',
    ),
  resourceMetadataNames: z.array(SearchMetadataName).max(12).optional(),
  cursor: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe('The nextCursor of the previous page, for the same query'),
})
export type SearchRequest = z.infer<typeof SearchRequest>

export const SearchResponse = z.object({
  searchHits: z.array(SearchHit),
  totalCount: z.number().int().min(0).optional(),
  nextCursor: z.string().optional().describe('Absent on the last page'),
  requestId: z.string().optional(),
})
export type SearchResponse = z.infer<typeof SearchResponse>
