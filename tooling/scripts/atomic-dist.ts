import { randomUUID } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join, relative } from 'node:path'

/**
 * tsdown writes `dist` in place (a file is empty for a moment, a failed build leaves none), and
 * tests, `oboe` and the backend may be reading it from another process at that moment. So a build
 * goes to a private staging folder and, once it succeeded, each changed file is renamed into
 * `dist` (a rename is atomic): chunks first, entry files last, unchanged files untouched. Files an
 * older build left are removed only after a while, so a process that loaded the old entry can
 * still load its chunks. The entry files' modification time is the time of the last successful
 * build (tooling/scripts/ensure-built.mjs compares it with the sources). Hand-written: tsdown and rolldown have no atomic output mode.
 */

/** How long a file that the current build no longer writes stays for processes still using it. */
const KEEP_OLD_FILES_MS = 10 * 60_000

export interface AtomicDist {
  /** Where tsdown writes (unique per build process, inside the package's node_modules). */
  outDir: string
  hooks: { 'build:done': () => void }
}

/** tsdown options that build into a staging folder and publish it to `<packageDir>/dist`. */
export function atomicDist(packageDir: string, entries: string[]): AtomicDist {
  const outDir = join(
    packageDir,
    'node_modules/.cache/oboe-build',
    `${process.pid}-${randomUUID()}`,
  )
  return {
    outDir,
    hooks: { 'build:done': () => publish(outDir, join(packageDir, 'dist'), entries) },
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
}

function publish(staging: string, dist: string, entries: string[]): void {
  const built = filesUnder(staging)
  const isEntry = (file: string) => entries.some((entry) => file.startsWith(`${entry}.`))
  mkdirSync(dist, { recursive: true })
  const now = new Date()
  for (const file of [...built.filter((f) => !isEntry(f)), ...built.filter(isEntry)]) {
    const content = readFileSync(join(staging, file))
    const target = join(dist, file)
    if (existsSync(target) && readFileSync(target).equals(content)) {
      if (isEntry(file)) utimesSync(target, now, now)
      continue
    }
    mkdirSync(join(target, '..'), { recursive: true })
    const temporary = `${target}.${process.pid}.tmp`
    writeFileSync(temporary, content)
    renameSync(temporary, target)
  }
  const current = new Set(built)
  for (const file of filesUnder(dist)) {
    const path = join(dist, file)
    if (!current.has(file) && Date.now() - statSync(path).mtimeMs > KEEP_OLD_FILES_MS) rmSync(path)
  }
  rmSync(staging, { recursive: true, force: true })
}
