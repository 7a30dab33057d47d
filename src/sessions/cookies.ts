/**
 * Cookie serialisation and parsing (RFC 6265 / RFC 6265bis), strict on the way out and literal on
 * the way in. Node's `res.setHeader` blocks CR/LF but lets non-ASCII and `;` through, so every
 * piece of a `Set-Cookie` value is checked here against a whitelist: a value that passes can never
 * add an attribute or a header. Parsing never decodes or normalises, so a name the app asks for
 * (`__Host-session`) can only match the bytes the browser sent under exactly that name.
 */

import { createError } from '../errors'

/**
 * The SameSite attribute, emitted as `Strict`, `Lax` or `None`.
 * @example
 * const sameSite: SameSite = 'lax'
 */
export type SameSite = 'strict' | 'lax' | 'none'

/**
 * Attributes of a `Set-Cookie` header; each is checked, never passed through verbatim.
 * @example
 * const attributes: CookieAttributes = { path: '/', secure: true, httpOnly: true, sameSite: 'lax', maxAge: 3600 }
 */
export interface CookieAttributes {
  /** LDH host name with an optional leading dot, any case (emitted lowercase). */
  domain?: string
  /** Starts with '/'; visible ASCII except `;`, `,`, `"` and `\`; at most 1024 characters. */
  path?: string
  /** Whole seconds, integer >= 0 (0 clears the cookie); also emits Expires for old browsers. */
  maxAge?: number
  httpOnly?: boolean
  secure?: boolean
  /** 'strict', 'lax' or 'none', case-insensitively. */
  sameSite?: SameSite
  partitioned?: boolean
}

/**
 * Largest name + value, in bytes, that browsers store (RFC 6265bis §5.7).
 * @example
 * if (name.length + value.length > MAX_COOKIE_BYTES) throw new Error('the browser would drop it')
 */
export const MAX_COOKIE_BYTES = 4096

// Node limits all headers of a request to 16 KiB by default (--max-http-header-size); a Cookie
// header four times that only comes from a hostile or broken client, so it is ignored rather than
// parsed, which also bounds the work and memory a request can make parseCookies spend.
const MAX_HEADER_CHARS = 64 * 1024

// Browsers ignore attribute values longer than this (RFC 6265bis §5.6): an over-long Path would
// silently fall back to the default path, so it is refused instead.
const MAX_ATTRIBUTE_CHARS = 1024

// 9999-12-31T23:59:59.999Z: past it, Date#toUTCString no longer writes a 4-digit IMF-fixdate year.
const MAX_DATE_MS = 253402300799999

/** Lookup table over ASCII: true where `allowed(code)`; anything >= 0x80 is always refused. */
function asciiTable(allowed: (code: number) => boolean): Uint8Array {
  const table = new Uint8Array(128)
  for (let c = 0; c < 128; c++) table[c] = allowed(c) ? 1 : 0
  return table
}

// RFC 7230 tchar: visible ASCII minus the separators.
const TOKEN = asciiTable((c) => c > 0x20 && c < 0x7f && !'()<>@,;:\\"/[]?={}'.includes(String.fromCharCode(c)))
// RFC 6265 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E.
const COOKIE_OCTET = asciiTable((c) => c >= 0x21 && c <= 0x7e && c !== 0x22 && c !== 0x2c && c !== 0x3b && c !== 0x5c)
// RFC 6265 allows any CHAR except CTLs and ';' in a path. Space, ',', '"' and '\' are refused too:
// they are where header folding and quoting parsers disagree, and no sane cookie path needs them.
const PATH_CHAR = asciiTable((c) => c >= 0x21 && c <= 0x7e && c !== 0x3b && c !== 0x2c && c !== 0x22 && c !== 0x5c)
// One DNS label of letters, digits and inner hyphens (RFC 1123).
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

function only(table: Uint8Array, s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (table[s.charCodeAt(i)] !== 1) return false
  }
  return true
}

function invalid(message: string): never {
  throw createError('ERR_INVALID_ARGUMENT', message)
}

function checkFlag(attributes: CookieAttributes, key: 'httpOnly' | 'secure' | 'partitioned'): boolean {
  const flag: unknown = attributes[key]
  // A truthy string such as 'false' must not quietly turn a flag on (or off): booleans only.
  if (flag !== undefined && typeof flag !== 'boolean') invalid(`cookie ${key} must be a boolean`)
  return flag === true
}

function domainAttribute(domain: unknown): string {
  if (typeof domain !== 'string' || !only(TOKEN, domain)) return invalid('cookie domain must be an ASCII host name')
  // Lowercasing only after the ASCII check: toLowerCase maps some non-ASCII to ASCII (U+212A → 'k').
  const dot = domain.startsWith('.') ? '.' : ''
  const host = domain.slice(dot.length).toLowerCase()
  if (host.length === 0 || host.length > 253 || !host.split('.').every((label) => LDH_LABEL.test(label))) {
    invalid('cookie domain must be a host name of letters, digits, hyphens and dots')
  }
  return `; Domain=${dot}${host}`
}

function pathAttribute(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > MAX_ATTRIBUTE_CHARS || !only(PATH_CHAR, path)) {
    invalid("cookie path must start with '/' and be visible ASCII without ';' ',' '\"' or '\\'")
  }
  return `; Path=${path}`
}

function expiryAttributes(maxAge: unknown, now: unknown): string {
  if (!Number.isSafeInteger(maxAge) || (maxAge as number) < 0) invalid('cookie maxAge must be whole seconds >= 0')
  const seconds = maxAge as number
  // Clearing uses the epoch, not `now`: a browser whose clock is behind ours would otherwise keep
  // the cookie until its clock caught up (old browsers that only read Expires).
  const expires = seconds === 0 ? 0 : (now as number) + seconds * 1000
  if (!(expires >= 0 && expires <= MAX_DATE_MS)) invalid('cookie maxAge puts Expires outside 1970..9999')
  return `; Expires=${new Date(expires).toUTCString()}; Max-Age=${seconds}`
}

function sameSiteAttribute(sameSite: unknown): string {
  const value = typeof sameSite === 'string' ? sameSite.toLowerCase() : undefined
  if (value === 'strict') return '; SameSite=Strict'
  if (value === 'lax') return '; SameSite=Lax'
  if (value === 'none') return '; SameSite=None'
  return invalid("cookie sameSite must be 'strict', 'lax' or 'none'")
}

/**
 * The `Set-Cookie` value for `name=value` with `attributes`, in a fixed order: Domain, Path,
 * Expires, Max-Age, HttpOnly, Secure, SameSite, Partitioned. `now` (ms, default `Date.now()`) is
 * only used to compute Expires from `maxAge`. Nothing is encoded or truncated: a name that is not
 * an RFC 7230 token, a value that is not RFC 6265 cookie-octets, or a bad attribute throws
 * `ERR_INVALID_ARGUMENT`; name + value over {@link MAX_COOKIE_BYTES} throws `ERR_TOO_LARGE`;
 * attributes that break the prefix or browser rules throw `ERR_BAD_CONFIG` (see
 * {@link checkCookieRules}).
 * @example
 * res.setHeader('Set-Cookie', serializeCookie('__Host-sid', sealed, { path: '/', secure: true, httpOnly: true, sameSite: 'lax' }))
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes, now: number = Date.now()): string {
  if (typeof name !== 'string' || name.length === 0 || !only(TOKEN, name)) invalid('cookie name must be a non-empty token')
  if (typeof value !== 'string' || !only(COOKIE_OCTET, value)) invalid('cookie value must be RFC 6265 cookie-octets')
  if (name.length + value.length > MAX_COOKIE_BYTES) {
    throw createError('ERR_TOO_LARGE', `cookie name + value is over ${MAX_COOKIE_BYTES} bytes`)
  }
  if (typeof attributes !== 'object' || attributes === null) invalid('cookie attributes must be an object')
  if (typeof now !== 'number' || !Number.isFinite(now)) invalid('now must be a finite number of milliseconds')
  let out = `${name}=${value}`
  if (attributes.domain !== undefined) out += domainAttribute(attributes.domain)
  if (attributes.path !== undefined) out += pathAttribute(attributes.path)
  if (attributes.maxAge !== undefined) out += expiryAttributes(attributes.maxAge, now)
  if (checkFlag(attributes, 'httpOnly')) out += '; HttpOnly'
  if (checkFlag(attributes, 'secure')) out += '; Secure'
  if (attributes.sameSite !== undefined) out += sameSiteAttribute(attributes.sameSite)
  if (checkFlag(attributes, 'partitioned')) out += '; Partitioned'
  checkCookieRules(name, attributes)
  return out
}

/**
 * Writes the Set-Cookie lines of one session cookie; see {@link cookieWriter}. `maxAge` undefined
 * writes a browser-session cookie (no Expires, no Max-Age).
 * @example
 * const line: CookieWriter = cookieWriter('keycard', { path: '/' })
 */
export type CookieWriter = (name: string, value: string, maxAge: number | undefined, now: number) => string

/**
 * A writer for the lines of one session cookie (`name`, `name.1`…): the same bytes as
 * `serializeCookie(name, value, { ...attributes, maxAge }, now)`, with the fixed attributes
 * validated and serialised once, here, instead of on every response (they measured ~12% of a
 * cookie-session write). Only Expires and Max-Age vary per line; Expires is memoised per second.
 * The values it is given are keycard's own (base64url seals and signatures, `N*` chunk counts,
 * '' to clear), so they are not re-scanned; names are `name` or `name.N`, tokens when `name` is.
 * @example
 * const write = cookieWriter('keycard', { path: '/', secure: true, httpOnly: true, sameSite: 'lax' })
 * write('keycard', sealed, 86_400, Date.now()) // 'keycard=…; Path=/; Expires=…; Max-Age=86400; HttpOnly; Secure; SameSite=Lax'
 */
export function cookieWriter(name: string, attributes: CookieAttributes): CookieWriter {
  // Everything serializeCookie checks, once: a bad name or attribute fails at start-up.
  serializeCookie(name, '', { ...attributes, maxAge: 0 }, 0)
  const head =
    (attributes.domain === undefined ? '' : domainAttribute(attributes.domain)) +
    (attributes.path === undefined ? '' : pathAttribute(attributes.path))
  const tail =
    (attributes.httpOnly === true ? '; HttpOnly' : '') +
    (attributes.secure === true ? '; Secure' : '') +
    (attributes.sameSite === undefined ? '' : sameSiteAttribute(attributes.sameSite)) +
    (attributes.partitioned === true ? '; Partitioned' : '')
  let second = -1
  let expires = ''
  return (cookieName, value, maxAge, now) => {
    // A browser-session cookie: the browser forgets it when it closes (`setPersistent(false)`).
    if (maxAge === undefined) return `${cookieName}=${value}${head}${tail}`
    if (!Number.isSafeInteger(maxAge) || maxAge < 0) invalid('cookie maxAge must be whole seconds >= 0')
    // As expiryAttributes: clearing uses the epoch; Expires has whole-second resolution.
    const at = maxAge === 0 ? 0 : now + maxAge * 1000
    if (!(at >= 0 && at <= MAX_DATE_MS)) invalid('cookie maxAge puts Expires outside 1970..9999')
    const s = Math.floor(at / 1000)
    if (s !== second) {
      second = s
      expires = new Date(at).toUTCString()
    }
    return `${cookieName}=${value}${head}; Expires=${expires}; Max-Age=${maxAge}${tail}`
  }
}

function badConfig(message: string): never {
  throw createError('ERR_BAD_CONFIG', message)
}

/**
 * Throws `ERR_BAD_CONFIG` when the attributes break the cookie's prefix or browser rules, so the
 * browser would drop the cookie or store it with weaker guarantees than the name promises:
 * `__Host-` needs Secure, `Path=/` and no Domain; `__Secure-` needs Secure; SameSite=None and
 * Partitioned need Secure. Prefixes are matched case-sensitively, exactly as written by the app;
 * since browsers match them case-insensitively (RFC 6265bis), a name such as `__host-x` or
 * `__SECURE-x` is refused outright: the app would not see it as prefixed while the browser would.
 * @example
 * checkCookieRules('__Host-sid', { path: '/', secure: true }) // ok
 */
export function checkCookieRules(name: string, attributes: CookieAttributes): void {
  if (typeof name !== 'string') invalid('cookie name must be a string')
  if (typeof attributes !== 'object' || attributes === null) invalid('cookie attributes must be an object')
  const secure = attributes.secure === true
  const lower = name.toLowerCase()
  const host = name.startsWith('__Host-')
  const securePrefix = name.startsWith('__Secure-')
  if ((lower.startsWith('__host-') && !host) || (lower.startsWith('__secure-') && !securePrefix)) {
    badConfig(`cookie name ${JSON.stringify(name)} has a prefix in the wrong case; write __Host- or __Secure-`)
  }
  if (host && !(secure && attributes.path === '/' && attributes.domain === undefined)) {
    badConfig('a __Host- cookie needs secure: true, path: "/" and no domain')
  }
  if (securePrefix && !secure) badConfig('a __Secure- cookie needs secure: true')
  if (typeof attributes.sameSite === 'string' && attributes.sameSite.toLowerCase() === 'none' && !secure) {
    badConfig('SameSite=None needs secure: true')
  }
  if (attributes.partitioned === true && !secure) badConfig('a Partitioned cookie needs secure: true')
}

/** Index just past the SP/HTAB run that starts at `i` (stopping at `end`). */
function skipSpace(s: string, i: number, end: number): number {
  while (i < end && (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09)) i++
  return i
}

/** Index where the SP/HTAB run that ends at `end` starts (stopping at `start`). */
function trimEnd(s: string, start: number, end: number): number {
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--
  return end
}

function parseInto(header: string, accept: (name: string) => boolean, out: Map<string, string>): void {
  // One pass with indexOf, no split() and no regex: linear time, and nothing is allocated for pairs
  // the caller did not ask for beyond the name handed to `accept`.
  let start = 0
  let eq = header.indexOf('=')
  while (start <= header.length) {
    let end = header.indexOf(';', start)
    if (end === -1) end = header.length
    // The next '=' is looked for again only once passed, so 'a;a;a;…;=' stays linear.
    if (eq !== -1 && eq < start) eq = header.indexOf('=', start)
    if (eq !== -1 && eq < end) {
      const nameStart = skipSpace(header, start, eq)
      const name = header.slice(nameStart, trimEnd(header, nameStart, eq))
      if (name.length > 0 && !out.has(name) && accept(name)) {
        const valueStart = skipSpace(header, eq + 1, end)
        let value = header.slice(valueStart, trimEnd(header, valueStart, end))
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
        out.set(name, value)
      }
    }
    start = end + 1
  }
}

/**
 * The cookies of a `Cookie` header (a string, or the array of values node gives for a repeated
 * header) whose names `accept` returns true for; the first occurrence of a name wins. Names are
 * case-sensitive and compared as sent: only SP and HTAB are trimmed, so `\u2000__Host-sid` is not
 * `__Host-sid`. One pair of surrounding double quotes is removed from a value; nothing is decoded.
 * Pairs without `=` or with an empty name are skipped. A header over 64 KiB in total is hostile
 * (node's own default limit is 16 KiB) and yields an empty map.
 * @example
 * const jar = parseCookies(req.headers.cookie, (name) => name === '__Host-sid')
 */
export function parseCookies(header: string | string[] | undefined, accept: (name: string) => boolean): Map<string, string> {
  if (typeof accept !== 'function') invalid('parseCookies needs an accept function')
  const out = new Map<string, string>()
  if (header === undefined) return out
  const parts = typeof header === 'string' ? [header] : header
  if (!Array.isArray(parts) || !parts.every((part) => typeof part === 'string')) {
    invalid('cookie header must be a string or an array of strings')
  }
  let total = 0
  for (const part of parts) total += part.length
  if (total > MAX_HEADER_CHARS) return out
  for (const part of parts) parseInto(part, accept, out)
  return out
}
