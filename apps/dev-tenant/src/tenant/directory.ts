import type { AppRegistration, CorpusDocument, TenantFile, User } from './schema.ts'

/** A user plus the switches that scenarios flip at run time. */
export interface UserState extends User {
  /** Epoch seconds; tokens issued before it are refused (revoke-session). */
  revokedAt?: number
}

/**
 * The tenant at run time: app registrations, users with their mutable state, and who can read
 * what. Lookups are by id so that every request costs O(1) whatever the tenant's size.
 */
export class Directory {
  readonly tenantId: string
  readonly tenantName: string
  private readonly appsById = new Map<string, AppRegistration>()
  private readonly appsByUri = new Map<string, AppRegistration>()
  private readonly usersByOid = new Map<string, UserState>()
  private readonly usersByUpn = new Map<string, UserState>()
  private readonly siteReaders = new Map<string, string[]>()
  private readonly connectionReaders = new Map<string, string[]>()

  constructor(readonly file: TenantFile) {
    this.tenantId = file.tenant.id
    this.tenantName = file.tenant.name
    for (const app of file.apps) {
      this.appsById.set(app.clientId.toLowerCase(), app)
      if (app.appIdUri) this.appsByUri.set(app.appIdUri.toLowerCase(), app)
    }
    for (const user of file.users) {
      const state: UserState = { ...user }
      this.usersByOid.set(user.oid.toLowerCase(), state)
      this.usersByUpn.set(user.userPrincipalName.toLowerCase(), state)
    }
    for (const s of file.sites) this.siteReaders.set(s.id, s.readers)
    for (const c of file.connections) this.connectionReaders.set(c.id, c.readers)
  }

  /** True when `name` (a tenant id or a verified domain) names this tenant. */
  isThisTenant(name: string): boolean {
    const n = name.toLowerCase()
    return n === this.tenantId.toLowerCase() || n === this.tenantName.toLowerCase()
  }

  app(clientId: string | undefined): AppRegistration | undefined {
    return clientId ? this.appsById.get(clientId.toLowerCase()) : undefined
  }

  /** Finds an app by client id, App ID URI, or `api://<client id>`. */
  appByResource(resource: string): AppRegistration | undefined {
    const r = resource.toLowerCase().replace(/\/$/, '')
    return (
      this.appsByUri.get(r) ?? this.appsById.get(r) ?? this.appsById.get(r.replace(/^api:\/\//, ''))
    )
  }

  user(nameOrOid: string | undefined): UserState | undefined {
    if (!nameOrOid) return undefined
    const k = nameOrOid.toLowerCase()
    return this.usersByUpn.get(k) ?? this.usersByOid.get(k)
  }

  get defaultUser(): UserState {
    return this.user(this.file.defaultUser) ?? this.usersByOid.values().next().value!
  }

  get users(): UserState[] {
    return [...this.usersByOid.values()]
  }

  private matches(user: User, principals: readonly string[]): boolean {
    const upn = user.userPrincipalName.toLowerCase()
    return principals.some((p) => {
      const q = p.toLowerCase()
      return (
        q === 'everyone' ||
        q === upn ||
        q === user.oid ||
        (q.startsWith('group:') && user.groups.includes(p.slice(6)))
      )
    })
  }

  /** Permission trimming: a user reads a document through the document, its site or its connection. */
  canRead(user: User, doc: CorpusDocument): boolean {
    if (this.matches(user, doc.readers)) return true
    if (doc.siteId && this.matches(user, this.siteReaders.get(doc.siteId) ?? [])) return true
    if (doc.connectionId && this.matches(user, this.connectionReaders.get(doc.connectionId) ?? []))
      return true
    return false
  }
}
