import { z } from 'zod'

const Guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID')

/** A client secret; `expiresAt` in the past makes the token endpoint answer AADSTS7000222. */
const ClientSecret = z.object({
  value: z.string().min(8),
  displayName: z.string().optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
})

/** A certificate for client_assertion, as the PEM of its public certificate. */
const ClientCertificate = z.object({
  certificatePem: z.string().includes('BEGIN CERTIFICATE'),
  displayName: z.string().optional(),
})

export const AppRegistration = z.object({
  clientId: Guid,
  displayName: z.string(),
  /** Public clients (CLIs, desktop apps) have no credential. */
  kind: z.enum(['public', 'confidential']),
  redirectUris: z.array(z.string().url()).default([]),
  appIdUri: z.string().optional(),
  /** Delegated scopes this app exposes, e.g. access_as_user. */
  exposedScopes: z.array(z.string()).default([]),
  /** App roles this app exposes to other apps (client_credentials). */
  exposedRoles: z.array(z.string()).default([]),
  knownClientApplications: z.array(Guid).default([]),
  secrets: z.array(ClientSecret).default([]),
  certificates: z.array(ClientCertificate).default([]),
  /** Format of the access tokens issued FOR this app (requestedAccessTokenVersion). */
  accessTokenVersion: z.union([z.literal(1), z.literal(2)]).default(2),
  /** Microsoft Graph delegated permissions granted to this app. */
  graphDelegatedPermissions: z.array(z.string()).default([]),
  /** Microsoft Graph application permissions (roles) granted to this app. */
  graphApplicationPermissions: z.array(z.string()).default([]),
})
export type AppRegistration = z.infer<typeof AppRegistration>

export const User = z.object({
  oid: Guid,
  userPrincipalName: z.string().includes('@'),
  displayName: z.string(),
  groups: z.array(z.string()).default([]),
  /** Whether the user (or an admin) consented to the backend's Graph permissions. */
  consented: z.boolean().default(true),
  /** A Conditional Access policy requiring MFA for Microsoft Graph (AADSTS50076 on OBO). */
  requireMfa: z.boolean().default(false),
  /** Blocked by Conditional Access from Microsoft Graph (AADSTS53003 on OBO). */
  blocked: z.boolean().default(false),
})
export type User = z.infer<typeof User>

export const SensitivityLabelDef = z.object({
  id: Guid,
  displayName: z.string(),
  tooltip: z.string(),
  priority: z.number().int(),
  color: z.string(),
})

export const Site = z.object({
  id: z.string(),
  name: z.string(),
  webUrl: z.string().url(),
  /** Users (UPN) or `group:<name>` or `everyone` who can read the whole site. */
  readers: z.array(z.string()).default([]),
})

export const Connection = z.object({
  id: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'connection ids are 3-32 letters or digits'),
  name: z.string(),
  readers: z.array(z.string()).default([]),
})

export const CorpusDocument = z.object({
  id: z.string(),
  dataSource: z.enum(['sharePoint', 'oneDriveBusiness', 'externalItem']),
  title: z.string(),
  webUrl: z.string().url(),
  author: z.string(),
  modifiedBy: z.string().optional(),
  fileType: z.string().optional(),
  /** Site for sharePoint; the owner's personal site for oneDriveBusiness. */
  siteId: z.string().optional(),
  connectionId: z.string().optional(),
  lastModifiedDateTime: z.iso.datetime({ offset: true }),
  createdDateTime: z.iso.datetime({ offset: true }).optional(),
  sensitivityLabelId: Guid.optional(),
  /** Readers added to the site's readers; for OneDrive the owner plus people it is shared with. */
  readers: z.array(z.string()).default([]),
  /** Extra connector properties, queryable in filterExpression for externalItem. */
  properties: z.record(z.string(), z.string()).default({}),
  content: z.string().min(20),
})
export type CorpusDocument = z.infer<typeof CorpusDocument>

/** How the Copilot Chat emulation answers (chatOverStream pacing). */
export const CopilotSettings = z.object({
  /** Between two events of chatOverStream; a request may override it (x-dev-tenant-chat-pace-ms). */
  chatEventIntervalMs: z.number().int().min(0).max(10_000).default(40),
  /** Words each intermediate event adds to the answer. */
  chatWordsPerEvent: z.number().int().min(1).max(1000).default(3),
  /** A keep-alive event (messages: []) after this many text events. */
  chatKeepAliveEvery: z.number().int().min(1).default(8),
})

/** The whole tenant file (JSON or YAML). */
export const TenantFile = z
  .object({
    tenant: z.object({ id: Guid, name: z.string(), displayName: z.string().optional() }),
    apps: z.array(AppRegistration).min(1),
    users: z.array(User).min(1),
    defaultUser: z.string().optional(),
    sensitivityLabels: z.array(SensitivityLabelDef).default([]),
    sites: z.array(Site).default([]),
    connections: z.array(Connection).default([]),
    documents: z.array(CorpusDocument).default([]),
    copilot: CopilotSettings.prefault({}),
  })
  .superRefine((t, ctx) => {
    const seen = new Set<string>()
    t.documents.forEach((d, i) => {
      if (seen.has(d.id))
        ctx.addIssue({
          code: 'custom',
          path: ['documents', i, 'id'],
          message: `duplicate document id "${d.id}"`,
        })
      seen.add(d.id)
      if (d.dataSource === 'sharePoint' && !t.sites.some((s) => s.id === d.siteId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['documents', i, 'siteId'],
          message: `unknown site "${d.siteId}"`,
        })
      }
      if (d.dataSource === 'externalItem' && !t.connections.some((c) => c.id === d.connectionId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['documents', i, 'connectionId'],
          message: `unknown connection "${d.connectionId}"`,
        })
      }
      if (d.sensitivityLabelId && !t.sensitivityLabels.some((l) => l.id === d.sensitivityLabelId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['documents', i, 'sensitivityLabelId'],
          message: 'unknown sensitivity label',
        })
      }
    })
    t.apps.forEach((a, i) => {
      if (a.kind === 'confidential' && a.secrets.length === 0 && a.certificates.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['apps', i],
          message: 'a confidential app needs a secret or a certificate',
        })
      }
    })
    if (t.defaultUser && !t.users.some((u) => u.userPrincipalName === t.defaultUser)) {
      ctx.addIssue({ code: 'custom', path: ['defaultUser'], message: `no user "${t.defaultUser}"` })
    }
  })
export type TenantFile = z.infer<typeof TenantFile>
