export { oboAuth, type OboAuthOptions, type OboAuthVariables, type OboAuthEnv } from './obo-auth.ts'
export { toProblem, type ProblemDetails, type ProblemResponse } from '../problem.ts'
