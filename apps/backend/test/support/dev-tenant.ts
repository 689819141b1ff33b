import { startDevTenant } from '@oboe/dev-tenant/testing'

export type DevTenant = Awaited<ReturnType<typeof startDevTenant>>

/** The default tenant's fixed app registrations (common brief). */
export const FRONTEND_CLIENT_ID = '5f8e2b71-4c3d-4a9e-8b16-0c2d7e9f1a34'
export const BACKEND_CLIENT_ID = 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857'
export const BACKEND_SCOPE = `api://${BACKEND_CLIENT_ID}/access_as_user`
/** The emulator's fake secret; real secrets only ever come from the environment. */
export const DEV_BACKEND_SECRET = 'oboe-dev-backend-secret-not-for-production'

export { startDevTenant }

/** Counter of the dev tenant, 0 when it has not been hit yet. */
export async function counter(devTenant: DevTenant, name: string): Promise<number> {
  return (await devTenant.counters())[name] ?? 0
}
