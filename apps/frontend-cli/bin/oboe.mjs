#!/usr/bin/env node
// Runs the TypeScript source with tsx, so `oboe` works from a fresh clone without a build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main.ts')
process.exit(await main(process.argv))
