import { z } from 'zod'

/**
 * Stable error codes the backend answers with. Callers branch on `code`, never on `detail`.
 * obo-core's OboError and TokenValidationError codes map onto these.
 */
export const ProblemCode = z.enum([
  'invalid_request',
  'unsupported_media_type',
  'payload_too_large',
  'headers_too_large',
  'request_timeout',
  'invalid_filter',
  'missing_token',
  'invalid_token',
  'token_expired',
  'insufficient_scope',
  'consent_required',
  'interaction_required',
  'insufficient_claims',
  'access_blocked',
  'forbidden',
  'not_found',
  'rate_limited',
  'throttled',
  'upstream_error',
  'upstream_timeout',
  'unavailable',
  'misconfigured',
  'internal_error',
])
export type ProblemCode = z.infer<typeof ProblemCode>

/** RFC 9457 problem details, served as application/problem+json, plus oboe's own members. */
export const Problem = z.object({
  type: z.string().describe('A URI naming the problem type'),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
  instance: z.string().optional(),
  code: ProblemCode.describe(
    'Stable error code; branch on it, never on `detail`. New codes may be added in a minor version: treat an unknown one as `internal_error`.',
  ),
  fix: z.string().optional().describe('One sentence: what to do about it'),
  requestId: z.string().optional(),
  errors: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('Field errors for invalid input'),
})
export type Problem = z.infer<typeof Problem>

/** A problem body as a client reads it: a code added by a newer backend still parses. */
export const ReceivedProblem = Problem.extend({ code: z.string() })
export type ReceivedProblem = z.infer<typeof ReceivedProblem>

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'
