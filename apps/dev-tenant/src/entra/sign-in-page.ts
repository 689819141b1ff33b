import { html, raw } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import type { UserState } from '../tenant/directory.ts'

type Page = HtmlEscapedString | Promise<HtmlEscapedString>

const STYLE = raw(`<style>
body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:48px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.4rem;font-weight:600}
.user{display:block;width:100%;text-align:left;padding:12px;margin:6px 0;border:1px solid #ccc;background:#fff;cursor:pointer;font-size:1rem}
.user:hover{background:#eef}
.user small{display:block;color:#555}
.actions{display:flex;gap:8px;justify-content:flex-end;margin-top:24px}
.actions button{padding:8px 20px;font-size:1rem}
#accept{background:#0067b8;color:#fff;border:none}
.note{color:#666;font-size:.85rem}
</style>`)

function layout(title: string, body: Page): Page {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${title}</title>
        <meta name="viewport" content="width=device-width" />
        ${STYLE}
      </head>
      <body>
        <main>
          ${body}
          <p class="note">
            oboe dev tenant: an offline emulator of Microsoft Entra ID. Not a real sign-in.
          </p>
        </main>
      </body>
    </html>`
}

/** Step 1: pick an account. Each user is a button with `data-user="<upn>"` (stable for tests). */
export function chooseUserPage(
  action: string,
  requestId: string,
  users: UserState[],
  appName: string,
  hint?: string,
): Page {
  return layout(
    'Sign in to your account',
    html`<h1>Pick an account</h1>
      <p>to continue to <strong>${appName}</strong></p>
      <form method="post" action="${action}">
        <input type="hidden" name="request" value="${requestId}" />
        ${users.map(
          (u) =>
            html`<button
              class="user"
              type="submit"
              name="user"
              value="${u.userPrincipalName}"
              data-user="${u.userPrincipalName}"
              ${
                hint && hint.toLowerCase() === u.userPrincipalName.toLowerCase()
                  ? raw(' autofocus')
                  : ''
              }
            >
              ${u.displayName}<small>${u.userPrincipalName}</small>
            </button>`,
        )}
      </form>`,
  )
}

/** Step 2: consent. Buttons `#accept` and `#cancel` (stable for tests). */
export function consentPage(
  action: string,
  requestId: string,
  user: UserState,
  appName: string,
  scopes: string[],
): Page {
  return layout(
    'Permissions requested',
    html`<h1>Permissions requested</h1>
      <p>
        <strong>${appName}</strong> wants to sign you in as
        <strong data-signed-in-user="${user.userPrincipalName}">${user.userPrincipalName}</strong>
        and:
      </p>
      <ul id="scopes">
        ${scopes.map((s) => html`<li data-scope="${s}">${s}</li>`)}
      </ul>
      <form method="post" action="${action}">
        <input type="hidden" name="request" value="${requestId}" />
        <div class="actions">
          <button id="cancel" type="submit" name="decision" value="cancel">Cancel</button>
          <button id="accept" type="submit" name="decision" value="accept">Accept</button>
        </div>
      </form>`,
  )
}

/** The response_mode=form_post answer: a form that posts itself to the redirect URI. */
export function formPostPage(redirectUri: string, fields: Record<string, string>): Page {
  return html`<!doctype html>
    <html>
      <head>
        <meta charset="utf-8" />
        <title>Working...</title>
      </head>
      <body onload="document.forms[0].submit()">
        <form method="post" action="${redirectUri}">
          ${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
          <noscript><button type="submit">Continue</button></noscript>
        </form>
      </body>
    </html>`
}

/** An error shown in the browser when Entra cannot redirect (unknown app, bad redirect URI). */
export function errorPage(code: number, message: string): Page {
  return layout(
    'Sign in error',
    html`<h1>Sorry, but we're having trouble signing you in.</h1>
      <p id="error" data-aadsts="${code}">AADSTS${code}: ${message}</p>`,
  )
}

/** Device code verification page: enter the code, then the usual account and consent steps. */
export function deviceCodePage(action: string, message?: string): Page {
  return layout(
    'Enter code',
    html`<h1>Enter code</h1>
      <p>Enter the code displayed on your app or device.</p>
      ${message ? html`<p id="message">${message}</p>` : ''}
      <form method="post" action="${action}">
        <input id="user_code" name="user_code" autocomplete="off" autofocus />
        <div class="actions"><button id="next" type="submit">Next</button></div>
      </form>`,
  )
}

/** Final page of the device code flow. */
export function deviceDonePage(approved: boolean, appName: string): Page {
  return layout(
    approved ? 'You are signed in' : 'Sign-in cancelled',
    approved
      ? html`<h1 id="done">${appName}</h1>
          <p>
            You have signed in to the ${appName} application on your device. You may now close this
            window.
          </p>`
      : html`<h1 id="done">Sign-in cancelled</h1>
          <p>You cancelled the sign-in on your device.</p>`,
  )
}
