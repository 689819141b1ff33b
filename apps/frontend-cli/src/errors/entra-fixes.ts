/**
 * The fix for each Entra ID error a user of this CLI can meet, keyed by AADSTS number. The
 * first entries are the "Common Errors & Fixes" of Microsoft's Python sample; the wording names the portal step.
 */
export function entraFix(
  aadsts: number,
  config: { BACKEND_CLIENT_ID?: string } = {},
): string | undefined {
  const appIdUri = `api://${config.BACKEND_CLIENT_ID ?? '<BACKEND_CLIENT_ID>'}`
  switch (aadsts) {
    case 65001:
      return 'User not consented → grant admin consent: App registrations → frontend app → API permissions → add access_as_user of the backend API → Grant admin consent (README → Using a real tenant, step 7); for the backend, grant its Graph permissions (step 4).'
    case 50013:
    case 500131:
      return `Assertion audience mismatch → verify the backend's Application ID URI is ${appIdUri} (Expose an API, README → Using a real tenant, step 2) and that the CLI asks for ${appIdUri}/access_as_user (BACKEND_SCOPE).`
    case 500133:
      return 'Your sign-in expired → run `oboe login` again.'
    case 50076:
    case 50079:
      return 'Multi-factor authentication is required → sign in again in the browser (`oboe login`) and complete the prompt.'
    case 53003:
      return "Blocked by Conditional Access → as Microsoft's Python sample warns: on unmanaged devices, set the policy to report-only (Entra ID → Security → Conditional Access → Policies)."
    case 7000215:
      return "The backend's client secret is wrong → validate BACKEND_CLIENT_SECRET (use the secret's Value, not its ID; README → Using a real tenant, step 3)."
    case 7000222:
      return "The backend's client secret expired → create a new one (Certificates & secrets) and update BACKEND_CLIENT_SECRET."
    case 700016:
      return 'Application not found in the tenant → check FRONTEND_CLIENT_ID and TENANT_ID.'
    case 90002:
    case 90072:
      return 'Tenant not found → check TENANT_ID (Entra ID → Overview → Tenant ID).'
    case 50011:
    case 500113:
      return 'Redirect URI mismatch → ensure the redirect URI http://localhost is configured: frontend app → Authentication → Mobile and desktop applications (README → Using a real tenant, step 6).'
    case 70011:
    case 700022:
    case 65005:
      return `Invalid scope → expose the scope access_as_user on the backend app (README → Using a real tenant, step 2) and let the CLI ask for ${appIdUri}/access_as_user.`
    case 7000218:
      return 'The frontend app must be a public client → frontend app → Authentication → Allow public client flows: Yes.'
    default:
      return undefined
  }
}

/** The AADSTS number in an msal-node error or a problem's detail, if any. */
export function findAadsts(...texts: (string | undefined)[]): number | undefined {
  for (const text of texts) {
    const match = text?.match(/AADSTS(\d{5,7})/)
    if (match) return Number(match[1])
  }
  return undefined
}
