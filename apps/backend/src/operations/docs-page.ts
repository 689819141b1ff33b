import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Hono } from 'hono'
import type { AppEnv } from '../env.ts'

const require = createRequire(import.meta.url)
const ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>oboe backend — API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true })</script>
</body>
</html>
`

/**
 * GET /docs: Swagger UI over the same /openapi.json. Its assets are served from the installed
 * swagger-ui-dist package, not a CDN, so the page works offline.
 */
export function registerDocsPage(app: Hono<AppEnv>): void {
  const root = dirname(require.resolve('swagger-ui-dist/package.json'))
  const cache = new Map<string, string>()
  app.get('/docs', (c) => c.html(PAGE))
  for (const [file, type] of Object.entries(ASSETS)) {
    app.get(`/docs/${file}`, (c) => {
      let content = cache.get(file)
      if (content === undefined) {
        content = readFileSync(join(root, file), 'utf8')
        cache.set(file, content)
      }
      return c.body(content, 200, {
        'content-type': type,
        'cache-control': 'public, max-age=86400',
      })
    })
  }
}
