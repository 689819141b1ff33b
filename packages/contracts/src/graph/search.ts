import { z } from 'zod'

/** Metadata names Search may return for a OneDrive item (PROTOCOL.md §7). */
export const SEARCH_METADATA_NAMES = [
  'path',
  'author',
  'fileName',
  'fileType',
  'title',
  'id',
  'driveId',
  'siteId',
  'listId',
  'createdBy',
  'lastModifiedTime',
  'modifiedBy',
] as const
export const SearchMetadataName = z.enum(SEARCH_METADATA_NAMES)
export type SearchMetadataName = z.infer<typeof SearchMetadataName>

export const SearchOneDriveSource = z.object({
  filterExpression: z
    .string()
    .max(4000)
    .optional()
    .describe('KQL; Search honours the path: property only'),
  resourceMetadataNames: z.array(SearchMetadataName).max(12).optional(),
})
export type SearchOneDriveSource = z.infer<typeof SearchOneDriveSource>

/** Body of POST /beta/copilot/search. */
export const GraphSearchRequest = z.object({
  query: z
    .string()
    .trim()
    .min(1, 'query must not be empty')
    .max(1500, 'query is limited to 1,500 characters'),
  pageSize: z.number().int().min(1).max(100).optional().describe('1–100, default 25'),
  dataSources: z.object({ oneDrive: SearchOneDriveSource.optional() }).optional(),
})
export type GraphSearchRequest = z.infer<typeof GraphSearchRequest>

export const SearchHit = z.object({
  webUrl: z.string(),
  preview: z.string().optional(),
  resourceType: z.string(),
  resourceMetadata: z.record(z.string(), z.unknown()).optional(),
})
export type SearchHit = z.infer<typeof SearchHit>

/** One page of Search; the next page is a GET of `@odata.nextLink` with the same bearer. */
export const GraphSearchResponse = z.object({
  '@odata.nextLink': z.string().optional(),
  totalCount: z.number().int().min(0).optional(),
  searchHits: z.array(SearchHit),
})
export type GraphSearchResponse = z.infer<typeof GraphSearchResponse>
