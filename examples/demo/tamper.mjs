// The "tamper with my cookie" button's two helpers. The session cookie is HttpOnly, so the page's
// scripts cannot touch it: POST /tamper answers with a Set-Cookie carrying the browser's own
// cookie with one bit flipped (demo.mjs), which is what an attacker editing a cookie would send.

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * `value` with one bit of one byte flipped: one base64url character swapped for its neighbour
 * (index XOR 1, the lowest of its 6 bits). For a sealed value the character is inside the
 * ciphertext (after the count prefix of a chunked value, the 24-byte header is 32 characters);
 * for a short signed id it is inside the id. Never the last character, whose low bits are padding.
 * @example
 * flipOneBit('AAAAAAAAAAAAAAAA') // 'AAAAAAAAAABAAAAA'
 */
export function flipOneBit(value) {
  const start = value.indexOf('*') + 1 // a chunked session's first cookie starts with `<count>*`
  const at = Math.min(start + (value.length - start > 100 ? 40 : 10), value.length - 2)
  const index = BASE64URL.indexOf(value[at])
  const swapped = index < 0 ? 'A' : BASE64URL[index ^ 1]
  return value.slice(0, at) + swapped + value.slice(at + 1)
}

/**
 * Where a form sends the browser back to: one of the demo's own paths, else '/' (never another
 * site: an open redirect would let a link to this demo forward its visitors anywhere).
 * @example
 * safeBack('/note') // '/note'; safeBack('//evil.example') // '/'
 */
export function safeBack(path) {
  return typeof path === 'string' && /^\/(?:[a-z]+)?$/.test(path) ? path : '/'
}
