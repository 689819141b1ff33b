import { z } from 'zod'
import {
  DataSource,
  DataSourceConfiguration,
  GraphRetrievalRequest,
  RetrievalHit,
} from '../graph/retrieval.ts'
import { Problem } from './problem.ts'

/**
 * POST /v1/retrieval. The Graph request as it is, except that several data sources may be
 * asked at once (`dataSources`), which the backend fans out through one Graph $batch.
 */
export const RetrievalRequest = GraphRetrievalRequest.omit({ dataSource: true })
  .extend({
    dataSource: DataSource.optional(),
    dataSources: z.array(DataSource).min(1).max(3).optional(),
    dataSourceConfiguration: DataSourceConfiguration.optional(),
  })
  .refine((r) => (r.dataSource === undefined) !== (r.dataSources === undefined), {
    message: 'give exactly one of dataSource or dataSources',
    path: ['dataSource'],
  })
  .refine((r) => !r.dataSources || new Set(r.dataSources).size === r.dataSources.length, {
    message: 'dataSources must not repeat a source',
    path: ['dataSources'],
  })
export type RetrievalRequest = z.infer<typeof RetrievalRequest>

/** Turns the request's dataSource | dataSources into a list. */
export function requestedSources(r: RetrievalRequest): DataSource[] {
  return r.dataSources ?? (r.dataSource ? [r.dataSource] : [])
}

export const LabelledRetrievalHit = RetrievalHit.and(z.object({ dataSource: DataSource }))
export type LabelledRetrievalHit = z.output<typeof LabelledRetrievalHit>

export const SourceOutcome = z.object({
  dataSource: DataSource,
  status: z.enum(['ok', 'error']),
  hitCount: z.number().int(),
  error: Problem.optional(),
})
export type SourceOutcome = z.infer<typeof SourceOutcome>

export const RetrievalResponse = z.object({
  retrievalHits: z.array(LabelledRetrievalHit),
  sources: z.array(SourceOutcome),
  requestId: z.string().optional(),
})
export type RetrievalResponse = z.output<typeof RetrievalResponse>

export const WhoAmIResponse = z.object({
  tenantId: z.string(),
  objectId: z.string(),
  name: z.string().optional(),
  username: z.string().optional(),
  scopes: z.array(z.string()),
  clientAppId: z.string().optional(),
})
export type WhoAmIResponse = z.infer<typeof WhoAmIResponse>
