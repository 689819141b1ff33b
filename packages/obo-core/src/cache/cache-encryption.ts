import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/**
 * AES-256-GCM keys by id; `currentKeyId` encrypts, every listed key can still decrypt.
 *
 * @example
 * ```ts
 * // openssl rand -base64 32
 * const keys: CacheEncryptionKeys = { currentKeyId: '2026-11', keys: { '2026-11': process.env.TOKEN_CACHE_KEY! } }
 * ```
 */
export interface CacheEncryptionKeys {
  currentKeyId: string
  /** 32-byte keys, as bytes or base64 strings. */
  keys: Record<string, string | Uint8Array>
}

/**
 * Encrypts cache entries with AES-256-GCM. The output names the key id, so keys can rotate: add
 * the new key, make it current, keep the old one until its entries expire. The cache key is the
 * additional authenticated data, so an entry cannot be moved to another key (another user).
 *
 * @example
 * ```ts
 * const crypto = new CacheEncryption({ currentKeyId: 'k1', keys: { k1: process.env.CACHE_KEY! } })
 * const sealed = crypto.seal('cache-key', JSON.stringify(entry))
 * crypto.open('cache-key', sealed) // the JSON again, or throws
 * ```
 */
export class CacheEncryption {
  readonly #keys = new Map<string, Buffer>()
  readonly #current: string

  constructor(config: CacheEncryptionKeys) {
    for (const [id, raw] of Object.entries(config.keys)) {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id))
        throw new TypeError(`Cache key id "${id}" must be 1-32 of [A-Za-z0-9_-]`)
      const key = typeof raw === 'string' ? Buffer.from(raw, 'base64') : Buffer.from(raw)
      if (key.length !== 32)
        throw new TypeError(`Cache encryption key "${id}" must be 32 bytes (base64 of 32 bytes)`)
      this.#keys.set(id, key)
    }
    if (!this.#keys.has(config.currentKeyId))
      throw new TypeError(`No cache encryption key "${config.currentKeyId}"`)
    this.#current = config.currentKeyId
  }

  /** `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). */
  seal(aad: string, plaintext: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.#current)!, iv)
    cipher.setAAD(Buffer.from(aad))
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    const tag = cipher.getAuthTag()
    return `v1.${this.#current}.${iv.toString('base64url')}.${tag.toString('base64url')}.${ct.toString('base64url')}`
  }

  /** The plaintext; throws when the key id is unknown or the data or AAD was tampered with. */
  open(aad: string, sealed: string): string {
    const [version, keyId, iv, tag, ct] = sealed.split('.')
    if (version !== 'v1' || !keyId || !iv || !tag || ct === undefined)
      throw new Error('Not a sealed cache entry')
    const key = this.#keys.get(keyId)
    if (!key) throw new Error(`Cache entry sealed with unknown key id "${keyId}"`)
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
    decipher.setAAD(Buffer.from(aad))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([
      decipher.update(Buffer.from(ct, 'base64url')),
      decipher.final(),
    ]).toString('utf8')
  }
}
