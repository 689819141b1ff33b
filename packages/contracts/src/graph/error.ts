import { z } from 'zod'

/** Graph's error envelope (learn.microsoft.com/graph/errors). */
export const GraphError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    target: z.string().optional(),
    details: z
      .array(z.object({ code: z.string(), message: z.string(), target: z.string().optional() }))
      .optional(),
    innerError: z
      .object({
        'request-id': z.string().optional(),
        date: z.string().optional(),
        'client-request-id': z.string().optional(),
      })
      .passthrough()
      .optional(),
  }),
})
export type GraphError = z.infer<typeof GraphError>

/** Error body of the Entra token endpoint (PROTOCOL.md §3). Branch on `error` and `error_codes`. */
export const TokenEndpointError = z.object({
  error: z.string(),
  error_description: z.string().optional(),
  error_codes: z.array(z.number().int()).optional(),
  timestamp: z.string().optional(),
  trace_id: z.string().optional(),
  correlation_id: z.string().optional(),
  error_uri: z.string().optional(),
  suberror: z.string().optional(),
  claims: z.string().optional(),
})
export type TokenEndpointError = z.infer<typeof TokenEndpointError>
