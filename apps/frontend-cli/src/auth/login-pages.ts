/** Pages msal-node's loopback server shows in the browser after the redirect. */
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  '<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style>' +
  `</head><body><h1>${title}</h1><p>${body}</p></body></html>`

/** Shown after the sign-in came back to the CLI. */
export const SIGN_IN_SUCCESS_PAGE = page(
  'Signed in to oboe',
  'You can close this window and return to the terminal.',
)

/** Shown when the sign-in came back with an error; the terminal says which and how to fix it. */
export const SIGN_IN_ERROR_PAGE = page(
  'Sign-in did not complete',
  'Return to the terminal: oboe prints what went wrong and how to fix it.',
)
