import { z } from 'zod'

/** The routes of the Flask backend in Microsoft's Python sample, kept compatible. */
export const SampleHealthResponse = z.object({
  status: z.literal('healthy'),
  service: z.literal('Backend API with OBO'),
})
export type SampleHealthResponse = z.infer<typeof SampleHealthResponse>

/** The sample's client sends "SharePoint" (capitalised); matching is case-insensitive. */
export const SampleRetrievalRequest = z.object({
  query: z.string().trim().min(1).max(1500).default('What is the latest in my organization?'),
  dataSource: z.string().default('SharePoint'),
})
export type SampleRetrievalRequest = z.infer<typeof SampleRetrievalRequest>

export const SampleRetrievalResponse = z.object({
  query: z.string(),
  data_source: z.string(),
  total_hits: z.number().int(),
  results: z.array(
    z.object({
      web_url: z.string(),
      extracts: z.array(z.object({ text: z.string() })),
    }),
  ),
})
export type SampleRetrievalResponse = z.infer<typeof SampleRetrievalResponse>

export const SampleErrorResponse = z.object({ error: z.string() })
export const SAMPLE_MISSING_BEARER = 'Missing or invalid Authorization header'
