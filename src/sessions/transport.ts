/**
 * How a session travels and persists, by store kind. The manager (manager.ts) owns what a session
 * *is* over time: expiry, rolling, the absolute lifetime, revocation. A transport owns where it
 * *lives*: the cookie store seals the whole session into the cookie (transport_cookie.ts); server
 * stores keep it server-side behind a signed id cookie (transport_server.ts). The manager picks
 * one at construction and never asks the store's kind again.
 *
 * Every record a transport reads, from a cookie or from a store, goes through `checkedRecord`
 * (stores/record.ts) here, in `TransportBase.checked`, before the manager sees it.
 */

import { publish } from '../diagnostics'
import { debug, debugEnabled } from '../lib/debug'
import { type CookieAttributes, type CookieWriter, cookieWriter } from './cookies'
import type { SessionCrypto } from './crypto'
import type { SessionState } from './session'
import { checkedRecord } from './stores/record'
import type { SessionMeta, StoredSession } from './stores/types'

/**
 * `session.save()` before the response: stores written server-side can; a cookie cannot.
 * @example
 * const early = transport.early
 * if (early !== null && !(await early.save(stored, state.isNew, now))) lost(state)
 */
export interface EarlySave {
  /** Writes the session now; false when another request regenerated or destroyed it meanwhile. */
  save(stored: StoredSession, isNew: boolean, now: number): Promise<boolean>
  /** The Set-Cookie line naming a session `save()` wrote: the commit that follows sends it (a promise on Web Crypto). */
  cookie(meta: SessionMeta, now: number): string | Promise<string>
  /** The same session's value for the `header` option's response header (header mode). */
  value(meta: SessionMeta): string | Promise<string>
}

/**
 * A record as a transport opened it. `stale`: it was sealed (or its id signed) under a key of the
 * keyring that is no longer the current one, so the manager writes it again under the current key.
 * @example
 * if ((opened as OpenedSession).stale) state.touched = true
 */
export interface OpenedSession extends StoredSession {
  stale?: true
}

/**
 * One way of carrying sessions. `now` is always the manager's clock, read once per load or commit,
 * so every time a transport writes (seal expiry, Max-Age, Expires, store TTL) agrees with the
 * expiry decisions the manager took.
 * @example
 * const opened = transport.open(value, cookies, now)
 * const stored = opened instanceof Promise ? await opened : opened
 */
export interface SessionTransport {
  /** The store keeps one field per top-level key: writes carry per-key data and what changed. */
  readonly partial: boolean
  /** Most cookies one session uses, and so most stale ones a response ever clears. */
  readonly maxCookies: number
  /** Null for the cookie store: its session is only ever written with the response. */
  readonly early: EarlySave | null
  /**
   * The session named by the request's cookie `value` (chunk cookies in `cookies`), checked by
   * `checkedRecord`; null when refused (the reason went to onInvalid). Only a failing store throws.
   * Synchronous when nothing has to be awaited (the cookie store), so a load costs no extra tick.
   */
  open(value: string, cookies: ReadonlyMap<string, string>, now: number): StoredSession | null | Promise<StoredSession | null>
  /**
   * Writes the session at commit and returns the Set-Cookie lines, or null when it was gone
   * meanwhile (regenerated or destroyed by another request): then nothing was written, and the
   * response must carry no line for this cookie at all. `changed`: the data or flash changed (else
   * a store may only extend the session's life). Synchronous for the cookie store. In header mode
   * (`state.viaHeader`) the one value for the response header instead: never chunked, and no
   * cookie is set or cleared.
   */
  write(stored: StoredSession, state: SessionState, changed: boolean, now: number): string[] | null | Promise<string[] | null>
  /** Deletes the sessions this request regenerated or destroyed (nothing to delete for cookies). */
  retire(ids: readonly string[]): Promise<void>
  /** Set-Cookie lines deleting cookies `from` .. `count - 1` of this session (0 = the main one), appended to `headers`. */
  clear(from: number, count: number, now: number, headers?: string[]): string[]
  /** Reports why a cookie was refused (to onInvalid, and under NODE_DEBUG=keycard); null, for `return refuse(...)`. */
  refuse(code: string): null
  /** Says under NODE_DEBUG=keycard that this request's response carries no line for the session cookie, and why. */
  skipped(why: string): void
}

/**
 * What both transports share: the cookie's name, attributes and keys, and where refusals go.
 * @example
 * const settings: TransportSettings = { name, crypto: sessionCrypto(keyring, purpose), purpose, attributes, onInvalid, persistent }
 */
export interface TransportSettings {
  name: string
  /** Seal, open, sign, verify under the keyring, for `purpose` (crypto.ts; Web Crypto: crypto_web.ts). */
  crypto: SessionCrypto
  /** Keys are derived per cookie name: a value sealed or signed for one cookie is refused as another. */
  purpose: string
  attributes: CookieAttributes
  onInvalid: (code: string) => void
  /** The `cookie.persistent` option: Max-Age/Expires unless a session's `meta.p` says otherwise. */
  persistent: boolean
}

/**
 * The parts of a transport that do not depend on where sessions live.
 * @example
 * class MyTransport extends TransportBase implements SessionTransport { ... }
 */
export abstract class TransportBase {
  protected readonly name: string
  protected readonly crypto: SessionCrypto
  protected readonly purpose: string
  protected readonly attributes: CookieAttributes
  readonly #persistent: boolean
  readonly #onInvalid: (code: string) => void
  /** Set-Cookie lines of this cookie, its fixed attributes checked and serialised once. */
  protected readonly line: CookieWriter

  constructor(settings: TransportSettings) {
    this.name = settings.name
    this.crypto = settings.crypto
    this.purpose = settings.purpose
    this.attributes = settings.attributes
    this.#persistent = settings.persistent
    this.#onInvalid = settings.onInvalid
    this.line = cookieWriter(settings.name, settings.attributes)
  }

  /** Reports why a cookie was refused (onInvalid, and NODE_DEBUG=keycard); null, for `return this.refuse(...)`. */
  refuse(code: string): null {
    debug('session cookie %s refused: %s', this.name, code)
    if (publish.invalid.hasSubscribers) publish.invalid.publish({ code, cookie: this.name })
    this.#onInvalid(code)
    return null
  }

  skipped(why: string): void {
    debug('no Set-Cookie for session cookie %s: %s', this.name, why)
  }

  /**
   * The one place a record from any store, or from a cookie, is accepted: its shape, its id, and
   * times the expiry and lifetime checks can work with (see checkedRecord). A bad one is
   * ERR_BAD_FORMAT: the request gets a fresh session, never an error and never a session nothing
   * can end.
   */
  protected checked(record: unknown, id: string | undefined, now: number, partial: boolean): StoredSession | null {
    return checkedRecord(record, { id, now, partial }) ?? this.refuse('ERR_BAD_FORMAT')
  }

  /**
   * The Max-Age of a session cookie expiring at `meta.e`, or undefined for a browser-session
   * cookie (`setPersistent(false)`, or the `cookie.persistent: false` option).
   */
  protected maxAge(meta: SessionMeta, now: number): number | undefined {
    if (!(meta.p ?? this.#persistent)) return undefined
    return Math.max(0, Math.floor((meta.e - now) / 1000))
  }

  /** The name of cookie `i` of this session: `name`, `name.1`, `name.2`... */
  protected cookieName(i: number): string {
    return i === 0 ? this.name : `${this.name}.${i}`
  }

  clear(from: number, count: number, now: number, headers: string[] = []): string[] {
    if (count > from && debugEnabled()) this.#logClear(from, count)
    for (let i = from; i < count; i++) headers.push(this.line(this.cookieName(i), '', 0, now))
    return headers
  }

  /** Which cookies a response clears, and why: the whole session (0 onwards) or a smaller session's stale chunks. */
  #logClear(from: number, count: number): void {
    const names = Array.from({ length: count - from }, (_, i) => this.cookieName(from + i)).join(', ')
    const why =
      from === 0
        ? 'the session was destroyed, or its cookie refused, and nothing replaces it'
        : 'the session needs fewer chunks now'
    debug('clearing cookies %s: %s', names, why)
  }
}
