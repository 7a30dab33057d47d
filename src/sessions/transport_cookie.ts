/**
 * The cookie store's transport: the whole session sealed (AES-256-GCM, src/seal) into the cookie,
 * split over `name`, `name.1`... when it is larger than one cookie (chunks.ts). Nothing is kept
 * server-side, so nothing is retired, and `save()` cannot write before the response.
 */

import { createError, KeycardError } from '../errors'
import { seal, unsealOrThrow } from '../seal'
import { joinChunks, MAX_CHUNKS, splitChunks } from './chunks'
import { type CookieAttributes, MAX_COOKIE_BYTES, serializeCookie } from './cookies'
import type { SessionState } from './session'
import { encodeRecord, openRecord } from './stores/record'
import type { CookieStore, StoredSession } from './stores/types'
import { type OpenedSession, type SessionTransport, TransportBase, type TransportSettings } from './transport'

/**
 * Bytes left for a value in the longest Set-Cookie line of this cookie. Browsers promise 4096
 * bytes per cookie *with* its attributes (RFC 6265 §6.1): a longer line may be dropped, and the
 * session with it. The attributes are measured as serialised, with the longest Max-Age this ttl
 * gives (Expires is fixed-width); the name takes `.NN` (chunk cookies) or the value `NN*` (the
 * first one), and '='.
 * @example
 * if (signedId.length > valueRoom(name, attributes, ttl, now)) throw createError('ERR_BAD_CONFIG', 'too long')
 */
export function valueRoom(name: string, attributes: CookieAttributes, ttl: number, now: number): number {
  const line = serializeCookie('x', '', { ...attributes, maxAge: Math.ceil(ttl / 1000) }, now)
  return MAX_COOKIE_BYTES - (line.length - 'x='.length) - (name.length + 4)
}

/** Why an unseal failed, as onInvalid reports it. */
function codeOf(err: unknown): string {
  return err instanceof KeycardError ? err.code : 'ERR_BAD_FORMAT'
}

/**
 * Sessions sealed into the cookie.
 * @example
 * const transport = new CookieTransport(settings, cookieStore(), valueRoom(name, attributes, ttl, now))
 */
export class CookieTransport extends TransportBase implements SessionTransport {
  readonly partial = false
  readonly early = null
  readonly maxCookies: number
  readonly #maxBytes: number
  /** Sealed bytes per cookie: the store's chunk size, or less, so that every Set-Cookie line fits. */
  readonly #chunkSize: number
  /**
   * How every value sealed under the keyring's current key begins: the version, key id length and
   * key id are the first bytes of the seal (docs/FORMATS.md), so once a value opened, this prefix
   * tells whether the current key sealed it. No extra unseal: a string comparison. (The header is
   * authenticated as the seal's AAD, so a value that opened cannot fake it.)
   */
  readonly #currentPrefix: string

  constructor(settings: TransportSettings, store: CookieStore, room: number) {
    super(settings)
    // Whole base64url groups of the header's bytes up to and including the key id: 4 + L bytes
    // (version, L, key id, 2-byte purpose hint) cover floor((4 + L) / 3) groups, which always
    // reach past the key id's last byte (2 + L).
    const kid = this.keyring.ids[0] as string
    const sample = seal('', this.keyring, { purpose: this.purpose, ttl: 0 })
    this.#currentPrefix = sample.slice(0, Math.floor((4 + kid.length) / 3) * 4)
    this.#maxBytes = store.maxBytes
    this.#chunkSize = Math.min(store.chunkSize, room)
    if (this.#chunkSize < 256) {
      throw createError('ERR_BAD_CONFIG', 'the session cookie name, domain and path are too long to carry a session')
    }
    this.maxCookies = Math.ceil(store.maxBytes / this.#chunkSize)
    if (this.maxCookies > MAX_CHUNKS) {
      throw createError(
        'ERR_BAD_CONFIG',
        `the cookie store's maxBytes needs ${this.maxCookies} cookies of ${this.#chunkSize} bytes here; at most ${MAX_CHUNKS * this.#chunkSize} bytes fit ${MAX_CHUNKS} cookies`,
      )
    }
  }

  /**
   * Joins the chunks, unseals (the seal's own expiry is checked against `now`), decodes and checks the record.
   * @example
   * const stored = transport.open(cookies.get('keycard') ?? '', cookies, Date.now()) // null: refused (onInvalid told why)
   */
  open(value: string, cookies: ReadonlyMap<string, string>, now: number): StoredSession | null {
    const sealed = joinChunks(value, cookies, this.name)
    if (sealed === null) return this.refuse('ERR_BAD_FORMAT')
    // Before any decryption: a hostile client's oversized cookie costs a length check only.
    if (sealed.length > this.#maxBytes) return this.refuse('ERR_TOO_LARGE')
    let text: unknown
    try {
      text = unsealOrThrow<unknown>(sealed, this.keyring, { purpose: this.purpose, maxSize: this.#maxBytes, now })
    } catch (err) {
      return this.refuse(codeOf(err))
    }
    const record: OpenedSession | null = openRecord(text, now)
    if (record === null) return this.refuse('ERR_BAD_FORMAT')
    if (!sealed.startsWith(this.#currentPrefix)) record.stale = true
    return record
  }

  /**
   * Seals the session (expiring with it, at `meta.e`), splits it into cookies and clears the
   * chunks a larger session of this request's left behind. Throws ERR_TOO_LARGE over `maxBytes`,
   * which also bounds a header-mode value (one header, never chunked).
   * @example
   * const setCookies = transport.write(stored, state, true, Date.now()) // ['keycard=…; Path=/; …']
   */
  write(stored: StoredSession, state: SessionState, _changed: boolean, now: number): string[] {
    const ttl = stored.meta.e - now
    const sealed = seal(encodeRecord(stored), this.keyring, { purpose: this.purpose, ttl, maxSize: this.#maxBytes, now })
    if (sealed.length > this.#maxBytes) {
      throw createError(
        'ERR_TOO_LARGE',
        `session is ${sealed.length} bytes sealed, over the cookie store's maxBytes ${this.#maxBytes}`,
      )
    }
    if (state.viaHeader) return [sealed]
    const maxAge = this.maxAge(stored.meta, now)
    const values = splitChunks(sealed, this.#chunkSize)
    const headers: string[] = []
    let i = 0
    for (const value of values) headers.push(this.line(this.cookieName(i++), value, maxAge, now))
    return this.clear(values.length, state.cookieCount, now, headers)
  }

  /**
   * A sealed session has no server-side copy to delete.
   * @example
   * await transport.retire(['old-id']) // nothing to do for a cookie
   */
  async retire(_ids: readonly string[]): Promise<void> {}
}
