import { z } from 'zod'

/** The seed Flask backend's routes (PROTOCOL.md §5), kept byte-compatible. */
export const SeedHealthResponse = z.object({
  status: z.literal('healthy'),
  service: z.literal('Backend API with OBO'),
})
export type SeedHealthResponse = z.infer<typeof SeedHealthResponse>

/** The seed's client sends "SharePoint" (capitalised); matching is case-insensitive. */
export const SeedRetrievalRequest = z.object({
  query: z.string().trim().min(1).max(1500).default('What is the latest in my organization?'),
  dataSource: z.string().default('SharePoint'),
})
export type SeedRetrievalRequest = z.infer<typeof SeedRetrievalRequest>

export const SeedRetrievalResponse = z.object({
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
export type SeedRetrievalResponse = z.infer<typeof SeedRetrievalResponse>

export const SeedErrorResponse = z.object({ error: z.string() })
export const SEED_MISSING_BEARER = 'Missing or invalid Authorization header'
