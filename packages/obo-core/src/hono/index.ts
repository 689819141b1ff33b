export {
  oboAuth,
  oboErrors,
  problemResponse,
  type OboAuthOptions,
  type OboAuthVariables,
  type OboAuthEnv,
} from './obo-auth.ts'
