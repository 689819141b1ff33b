#!/usr/bin/env node
// `oboe`: runs the built CLI (dist/main.mjs, plain Node, no TypeScript loader). In a clone of the
// repository it first rebuilds dist when a source file is newer, so it never runs stale code.
import { existsSync } from 'node:fs'
import module from 'node:module'

// Node 22.1+ keeps compiled code between runs (a no-op on Node 20, which has no such cache).
module.enableCompileCache?.()

const workspace = new URL('../../../tooling/scripts/ensure-built.mjs', import.meta.url)
if (existsSync(new URL('../src', import.meta.url)) && existsSync(workspace)) {
  const { ensureAppBuilt } = await import(workspace.href)
  try {
    ensureAppBuilt('frontend-cli')
  } catch (error) {
    process.stderr.write(`❌ ${error.message}\n`)
    process.exit(1)
  }
}
const { main } = await import('../dist/main.mjs')
process.exit(await main(process.argv))
