import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { atomicDist } from '../../tooling/scripts/atomic-dist.ts'

// How a build reaches dist while other processes may be loading it: staging, then renames.
const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function packageDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oboe-atomic-dist-'))
  folders.push(dir)
  return dir
}

/** What tsdown does with the options: write the files into outDir, then call build:done. */
function build(dir: string, files: Record<string, string>): void {
  const options = atomicDist(dir, ['main'])
  expect(options.outDir.startsWith(join(dir, 'node_modules/.cache/'))).toBe(true)
  mkdirSync(options.outDir, { recursive: true })
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(options.outDir, name), content)
  options.hooks['build:done']()
  expect(existsSync(options.outDir)).toBe(false)
}

describe('a build reaches dist atomically', () => {
  it('leaves unchanged files untouched and replaces changed ones by rename', () => {
    const dir = packageDir()
    build(dir, { 'main.mjs': 'import "./chunk-a.mjs"', 'chunk-a.mjs': 'export {}' })
    const chunk = statSync(join(dir, 'dist/chunk-a.mjs'))
    const main = statSync(join(dir, 'dist/main.mjs'))
    build(dir, {
      'main.mjs': 'import "./chunk-a.mjs"; export const v = 2',
      'chunk-a.mjs': 'export {}',
    })
    expect(statSync(join(dir, 'dist/chunk-a.mjs')).ino).toBe(chunk.ino)
    expect(statSync(join(dir, 'dist/main.mjs')).ino).not.toBe(main.ino)
    expect(readFileSync(join(dir, 'dist/main.mjs'), 'utf8')).toContain('v = 2')
  })

  it('dates the entry at the last successful build even when its content did not change', () => {
    const dir = packageDir()
    build(dir, { 'main.mjs': 'export {}' })
    const past = new Date(Date.now() - 3_600_000)
    utimesSync(join(dir, 'dist/main.mjs'), past, past)
    build(dir, { 'main.mjs': 'export {}' })
    expect(statSync(join(dir, 'dist/main.mjs')).mtimeMs).toBeGreaterThan(Date.now() - 60_000)
  })

  it('keeps a chunk an older entry needs for a while, then removes it', () => {
    const dir = packageDir()
    build(dir, { 'main.mjs': 'import "./chunk-old.mjs"', 'chunk-old.mjs': 'export {}' })
    build(dir, { 'main.mjs': 'import "./chunk-new.mjs"', 'chunk-new.mjs': 'export {}' })
    expect(existsSync(join(dir, 'dist/chunk-old.mjs'))).toBe(true)
    const longAgo = new Date(Date.now() - 11 * 60_000)
    utimesSync(join(dir, 'dist/chunk-old.mjs'), longAgo, longAgo)
    build(dir, { 'main.mjs': 'import "./chunk-new.mjs"', 'chunk-new.mjs': 'export {}' })
    expect(existsSync(join(dir, 'dist/chunk-old.mjs'))).toBe(false)
  })

  it('never shows a reader in another process a missing or partial entry while builds run', async () => {
    const dir = packageDir()
    const big = (n: number) => `export const v = ${n}\n// ${'x'.repeat(2_000_000)}\n`
    build(dir, { 'main.mjs': big(0) })
    // A separate process reads dist/main.mjs in a loop and reports any read that is not whole.
    const reader = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); let bad = 0, reads = 0; const end = Date.now() + 3000;
         while (Date.now() < end) { reads++; let t; try { t = fs.readFileSync(process.argv[1], 'utf8') } catch { bad++; continue }
           if (!t.startsWith('export const v = ') || !t.endsWith('\\n')) bad++ }
         console.log(JSON.stringify({ bad, reads }))`,
        join(dir, 'dist/main.mjs'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    reader.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const done = new Promise((r) => reader.once('exit', r))
    for (let n = 1; reader.exitCode === null && n < 400; n++) {
      build(dir, { 'main.mjs': big(n) })
      await new Promise((r) => setImmediate(r))
    }
    await done
    const { bad, reads } = JSON.parse(out) as { bad: number; reads: number }
    expect(reads).toBeGreaterThan(10)
    expect(bad).toBe(0)
  })
})
