import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderOpenApi } from './openapi-export.ts'

/** Writes apps/backend/openapi.json, the file the CLI's client is generated from. */
const target = fileURLToPath(new URL('../openapi.json', import.meta.url))
writeFileSync(target, renderOpenApi())
console.log(`wrote ${target}`)
