import { writeFileSync } from 'node:fs'
import { OPENAPI_FILE, renderOpenApi } from './openapi-export.ts'

/** Writes apps/backend/openapi.json, the file the CLI's client is generated from. */
writeFileSync(OPENAPI_FILE, await renderOpenApi())
console.log(`wrote ${OPENAPI_FILE}`)
