import { PROBLEM_CONTENT_TYPE, type Problem } from '@oboe/contracts'
import type { ProblemError } from './problem-error.ts'

/** The RFC 9457 body of a ProblemError; `type` is a stable URN per code. */
export function problemBody(error: ProblemError, requestId?: string, instance?: string): Problem {
  return {
    type: `urn:oboe:problem:${error.code}`,
    title: error.title,
    status: error.status,
    code: error.code,
    ...(error.detail !== undefined && { detail: error.detail }),
    ...(error.fix !== undefined && { fix: error.fix }),
    ...(instance !== undefined && { instance }),
    ...(requestId !== undefined && { requestId }),
    ...(error.errors !== undefined && { errors: error.errors }),
  }
}

/** A complete application/problem+json Response for a ProblemError. */
export function problemResponse(
  error: ProblemError,
  requestId?: string,
  instance?: string,
): Response {
  const headers = new Headers(error.headers)
  headers.set('content-type', PROBLEM_CONTENT_TYPE)
  if (requestId) headers.set('x-request-id', requestId)
  return new Response(JSON.stringify(problemBody(error, requestId, instance)), {
    status: error.status,
    headers,
  })
}
