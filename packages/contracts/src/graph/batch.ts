import { z } from 'zod'

/** JSON batching: POST /{version}/$batch, at most 20 requests. */
export const GraphBatchRequest = z.object({
  requests: z
    .array(
      z.object({
        id: z.string().min(1),
        method: z.enum(['GET', 'POST']),
        url: z.string().startsWith('/'),
        headers: z.record(z.string(), z.string()).optional(),
        body: z.unknown().optional(),
        dependsOn: z.array(z.string()).optional(),
      }),
    )
    .min(1)
    .max(20, 'a $batch holds at most 20 requests'),
})
export type GraphBatchRequest = z.infer<typeof GraphBatchRequest>

export const GraphBatchResponse = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number().int(),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
    }),
  ),
})
export type GraphBatchResponse = z.infer<typeof GraphBatchResponse>
