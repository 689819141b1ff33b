import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node'

/**
 * An msal-node cache plugin that keeps the user's tokens in one file that only this user can
 * read (0600, in a 0700 directory). A refresh token is a password-equivalent, so a file found
 * with looser permissions is tightened before it is used.
 */
export function createTokenCacheFile(file: string): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      const data = await readPrivateFile(file)
      if (data !== undefined) context.tokenCache.deserialize(data)
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (!context.cacheHasChanged) return
      await writePrivateFile(file, context.tokenCache.serialize())
    },
  }
}

/** Removes the cache file, for `oboe logout`. */
export async function deleteTokenCacheFile(file: string): Promise<void> {
  await rm(file, { force: true })
}

async function readPrivateFile(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file)
    if ((info.mode & 0o077) !== 0) await chmod(file, 0o600)
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a cache. */
export async function writePrivateFile(file: string, data: string): Promise<void> {
  const dir = dirname(file)
  // A directory we create is private; one the user chose (OBOE_CACHE_DIR) keeps its mode, the
  // file itself is 0600 either way.
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, data, { mode: 0o600 })
  await chmod(temporary, 0o600)
  await rename(temporary, file)
}
