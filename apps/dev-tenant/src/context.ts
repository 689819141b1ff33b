import type { Counters } from './admin/counters.ts'
import type { FaultTable } from './admin/faults.ts'
import type { SigningKeyRing } from './crypto/signing-keys.ts'
import type { GrantStore } from './entra/grant-store.ts'
import type { TokenFactory } from './entra/token-factory.ts'
import type { RetrievalIndex } from './graph/retrieval-index.ts'
import type { GraphThrottle } from './graph/throttle.ts'
import type { Directory } from './tenant/directory.ts'

/** Everything a request handler of the emulator may use; one per running emulator. */
export interface DevTenantContext {
  /** Canonical origin, e.g. https://127.0.0.1:8443; issuers and endpoints live under it. */
  origin: string
  directory: Directory
  keys: SigningKeyRing
  tokens: TokenFactory
  grants: GrantStore
  counters: Counters
  faults: FaultTable
  index: RetrievalIndex
  throttle: GraphThrottle
  autoSignIn: boolean
  adminKey: string
  /** Seconds a rotated-out signing key stays published. */
  rotationGraceSeconds: number
  /** One JSON line per event on stderr; never tokens or secrets. */
  log: (event: string, fields?: Record<string, unknown>) => void
}
