/**
 * How a sealed cookie session larger than one cookie is split: the first cookie (`name`) holds
 * `<count>*<first part>`, the others `name.1`, `name.2`... the following parts. Sealed values are
 * base64url and dots, so '*' cannot occur in them and marks the count unambiguously; a session
 * that fits one cookie is stored as it is.
 */

const CHUNK_SUFFIX = /^\.([1-9]\d?)$/
/**
 * Most cookies one session may use: `name.1` .. `name.63` and a two-digit count. The cookie
 * transport (transport_cookie.ts) refuses, at start-up, a cookie store whose maxBytes would need more.
 * @example
 * if (Math.ceil(maxBytes / chunkSize) > MAX_CHUNKS) throw new Error('too many chunks')
 */
export const MAX_CHUNKS = 64

/**
 * Whether `cookie` is `name` or one of its chunk cookies.
 * @example
 * isSessionCookie('keycard.2', 'keycard') // true; isSessionCookie('keycardx', 'keycard') // false
 */
export function isSessionCookie(cookie: string, name: string): boolean {
  return cookie === name || (cookie.startsWith(name) && CHUNK_SUFFIX.test(cookie.slice(name.length)))
}

/**
 * 1 + the highest chunk index among the session's cookies the request sent (0: none).
 * @example
 * cookieCount(new Map([['keycard', '2*…'], ['keycard.1', '…']]), 'keycard') // 2
 */
export function cookieCount(cookies: ReadonlyMap<string, string>, name: string): number {
  let count = 0
  for (const cookie of cookies.keys()) {
    count = Math.max(count, cookie === name ? 1 : Number(cookie.slice(name.length + 1)) + 1)
  }
  return count
}

/**
 * The cookie values carrying `sealed` in parts of at most `size` characters; the first of several
 * starts with their count and `*`.
 * @example
 * splitChunks('abcdef', 4) // ['2*abcd', 'ef']
 */
export function splitChunks(sealed: string, size: number): string[] {
  const count = Math.ceil(sealed.length / size)
  const values: string[] = []
  for (let i = 0; i < count; i++) {
    const part = sealed.slice(i * size, (i + 1) * size)
    values.push(i === 0 && count > 1 ? `${count}*${part}` : part)
  }
  return values
}

/**
 * The sealed value the request's cookies carry, or null when a chunk is missing or malformed.
 * @example
 * joinChunks('2*abcd', new Map([['keycard.1', 'ef']]), 'keycard') // 'abcdef'
 */
export function joinChunks(first: string, cookies: ReadonlyMap<string, string>, name: string): string | null {
  const star = first.indexOf('*')
  if (star <= 0) return first
  const count = Number(first.slice(0, star))
  if (!Number.isInteger(count) || count < 2 || count > MAX_CHUNKS) return null
  const parts = [first.slice(star + 1)]
  for (let i = 1; i < count; i++) {
    const part = cookies.get(`${name}.${i}`)
    if (part === undefined) return null
    parts.push(part)
  }
  return parts.join('')
}
