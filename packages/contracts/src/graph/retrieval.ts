import { z } from 'zod'

/** The three data sources of the Copilot Retrieval API; one per request. */
export const DataSource = z.enum(['sharePoint', 'oneDriveBusiness', 'externalItem'])
export type DataSource = z.infer<typeof DataSource>
export const DATA_SOURCES = DataSource.options

export const ResourceType = z.enum([
  'site',
  'list',
  'listItem',
  'externalItem',
  'drive',
  'driveItem',
  'unknownFutureValue',
])
export type ResourceType = z.infer<typeof ResourceType>

export const DataSourceConfiguration = z
  .object({
    externalItem: z
      .object({
        connections: z
          .array(z.object({ connectionId: z.string().min(1).max(128) }))
          .min(1)
          .max(20),
      })
      .optional(),
  })
  .describe('Connector settings; only meaningful for the externalItem data source.')
export type DataSourceConfiguration = z.infer<typeof DataSourceConfiguration>

/** Body of POST /{v1.0|beta}/copilot/retrieval (PROTOCOL.md §4). */
export const GraphRetrievalRequest = z.object({
  queryString: z
    .string()
    .trim()
    .min(1, 'queryString must not be empty')
    .max(1500, 'queryString is limited to 1,500 characters'),
  dataSource: DataSource,
  filterExpression: z.string().max(4000).optional(),
  resourceMetadata: z.array(z.string().min(1).max(128)).max(50).optional(),
  maximumNumberOfResults: z.number().int().min(1).max(25).optional(),
  dataSourceConfiguration: DataSourceConfiguration.optional(),
  includeThumbnails: z.boolean().optional().describe('beta only'),
})
export type GraphRetrievalRequest = z.infer<typeof GraphRetrievalRequest>

export const RetrievalExtract = z.object({
  text: z.string(),
  relevanceScore: z.number().min(0).max(1).optional(),
  pageNumbers: z.array(z.number().int()).optional().describe('beta only'),
})
export type RetrievalExtract = z.infer<typeof RetrievalExtract>

/** Graph spells it `tooltip`, some examples `toolTip`: both are accepted, `tooltip` is emitted. */
export const SensitivityLabel = z
  .object({
    sensitivityLabelId: z.string(),
    displayName: z.string().optional(),
    tooltip: z.string().optional(),
    toolTip: z.string().optional(),
    priority: z.number().int().optional(),
    color: z.string().optional(),
  })
  .transform((label): Omit<typeof label, 'toolTip'> => {
    // Most labels spell it `tooltip` and pass through as parsed; a rest copy of every label of
    // every hit showed in the gateway's CPU profile.
    if (label.toolTip === undefined) return label
    const { toolTip, ...rest } = label
    return { ...rest, tooltip: rest.tooltip ?? toolTip }
  })
export type SensitivityLabel = z.output<typeof SensitivityLabel>

export const RetrievalHit = z.object({
  webUrl: z.string(),
  extracts: z.array(RetrievalExtract),
  resourceType: ResourceType.or(z.string()),
  resourceMetadata: z.record(z.string(), z.unknown()).optional(),
  sensitivityLabel: SensitivityLabel.optional(),
  thumbnails: z.unknown().optional().describe('beta only'),
})
export type RetrievalHit = z.output<typeof RetrievalHit>

export const GraphRetrievalResponse = z.object({
  retrievalHits: z.array(RetrievalHit),
})
export type GraphRetrievalResponse = z.output<typeof GraphRetrievalResponse>
