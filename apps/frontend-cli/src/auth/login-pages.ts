/** Pages msal-node's loopback server shows in the browser after the redirect. */
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  '<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style>' +
  `</head><body><h1>${title}</h1><p>${body}</p></body></html>`

export const SIGN_IN_SUCCESS_PAGE = page(
  'Signed in to oboe',
  'You can close this window and return to the terminal.',
)

export const SIGN_IN_ERROR_PAGE = page(
  'Sign-in did not complete',
  'Return to the terminal: oboe prints what went wrong and how to fix it.',
)
