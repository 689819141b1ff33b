import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { TokenCacheContext } from '@azure/msal-node'
import { createTokenCacheFile, writePrivateFile } from '../src/auth/token-cache-file.ts'

const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'oboe-cache-test-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** The two members of msal-node's context the plugin uses, backed by a string. */
function context(initial: string, changed: boolean) {
  let data = initial
  return {
    get data() {
      return data
    },
    value: {
      cacheHasChanged: changed,
      tokenCache: {
        deserialize: (d: string) => (data = d),
        serialize: () => data,
      },
    } as unknown as TokenCacheContext,
  }
}

describe('token cache file', () => {
  it('Should create the directory 0700 and the file 0600', async () => {
    const file = join(tempDir(), 'nested', 'cache.json')
    await writePrivateFile(file, '{}')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700)
  })

  it('Should write only when msal-node says the cache changed, and read it back', async () => {
    const file = join(tempDir(), 'cache.json')
    const plugin = createTokenCacheFile(file)
    await plugin.afterCacheAccess(context('{"a":1}', false).value)
    expect(() => statSync(file)).toThrow()
    await plugin.afterCacheAccess(context('{"a":1}', true).value)
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}')
    const reader = context('', false)
    await plugin.beforeCacheAccess(reader.value)
    expect(reader.data).toBe('{"a":1}')
  })

  it('Should tighten a cache file that others could read before using it', async () => {
    const file = join(tempDir(), 'cache.json')
    writeFileSync(file, '{}')
    chmodSync(file, 0o644)
    await createTokenCacheFile(file).beforeCacheAccess(context('', false).value)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })
})
