/**
 * The cookie store's transport: the whole session sealed (AES-256-GCM, through crypto.ts) into the cookie,
 * split over `name`, `name.1`... when it is larger than one cookie (chunks.ts). Nothing is kept
 * server-side, so nothing is retired, and `save()` cannot write before the response.
 */

import { createError } from '../errors'
import { joinChunks, MAX_CHUNKS, splitChunks } from './chunks'
import { type CookieAttributes, MAX_COOKIE_BYTES, serializeCookie } from './cookies'
import type { OpenedSeal } from './crypto'
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

  constructor(settings: TransportSettings, store: CookieStore, room: number) {
    super(settings)
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
   * Joins the chunks, unseals (the seal's own expiry is checked against `now`), decodes and checks
   * the record. Synchronous on Node; a promise where the seal is Web Crypto's (crypto_web.ts).
   * @example
   * const stored = transport.open(cookies.get('keycard') ?? '', cookies, Date.now()) // null: refused (onInvalid told why)
   */
  open(value: string, cookies: ReadonlyMap<string, string>, now: number): StoredSession | null | Promise<StoredSession | null> {
    const sealed = joinChunks(value, cookies, this.name)
    if (sealed === null) return this.refuse('ERR_BAD_FORMAT')
    // Before any decryption: a hostile client's oversized cookie costs a length check only.
    if (sealed.length > this.#maxBytes) return this.refuse('ERR_TOO_LARGE')
    const opened = this.crypto.open(sealed, this.#maxBytes, now)
    if (opened instanceof Promise) return opened.then((o) => this.#opened(o, now))
    return this.#opened(opened, now)
  }

  /** The unsealed text as a checked record, marked stale when an older key sealed it (key rotation). */
  #opened(opened: OpenedSeal, now: number): StoredSession | null {
    if ('code' in opened) return this.refuse(opened.code)
    const record: OpenedSession | null = openRecord(opened.value, now)
    if (record === null) return this.refuse('ERR_BAD_FORMAT')
    if (!opened.current) record.stale = true
    return record
  }

  /**
   * Seals the session (expiring with it, at `meta.e`), splits it into cookies and clears the
   * chunks a larger session of this request's left behind. Throws ERR_TOO_LARGE over `maxBytes`,
   * which also bounds a header-mode value (one header, never chunked).
   * @example
   * const setCookies = transport.write(stored, state, true, Date.now()) // ['keycard=…; Path=/; …']
   */
  write(stored: StoredSession, state: SessionState, _changed: boolean, now: number): string[] | Promise<string[]> {
    const sealed = this.crypto.seal(encodeRecord(stored), stored.meta.e - now, this.#maxBytes, now)
    if (sealed instanceof Promise) return sealed.then((s) => this.#lines(s, stored, state, now))
    return this.#lines(sealed, stored, state, now)
  }

  /** The Set-Cookie lines (or the header-mode value) of a sealed session. */
  #lines(sealed: string, stored: StoredSession, state: SessionState, now: number): string[] {
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
