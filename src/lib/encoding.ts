/**
 * Strict base64url. Node's `Buffer.from(s, 'base64url')` skips characters outside the alphabet
 * and ignores set bits in the final character, so two different strings decode to the same
 * bytes (docs/SECURITY.md, "Malformed encodings"). Everything keycard decodes goes through
 * `decodeBase64Url`, which accepts exactly the canonical unpadded encoding and nothing else.
 */

const BASE64URL = /^[A-Za-z0-9_-]*$/

/** Value of a base64url character, or -1. */
function sextet(code: number): number {
  if (code >= 65 && code <= 90) return code - 65 // A-Z
  if (code >= 97 && code <= 122) return code - 71 // a-z
  if (code >= 48 && code <= 57) return code + 4 // 0-9
  if (code === 45) return 62 // -
  if (code === 95) return 63 // _
  return -1
}

/**
 * True when `text` is the canonical unpadded base64url encoding of some bytes.
 * @example
 * isCanonicalBase64Url('QQ') // true: the one spelling of the byte 0x41
 * isCanonicalBase64Url('QR') // false: Node would also decode it to 0x41
 */
export function isCanonicalBase64Url(text: string): boolean {
  const rest = text.length % 4
  if (rest === 1 || !BASE64URL.test(text)) return false
  if (rest === 0) return true
  // The last character carries 4 (rest 2) or 2 (rest 3) unused low bits, which must be zero.
  const unusedMask = rest === 2 ? 0x0f : 0x03
  return (sextet(text.charCodeAt(text.length - 1)) & unusedMask) === 0
}

/**
 * Decodes canonical base64url, or returns null for anything else.
 * @example
 * decodeBase64Url('QQ') // <Buffer 41>
 * decodeBase64Url('QQ==') // null: padding is not canonical
 */
export function decodeBase64Url(text: string): Buffer | null {
  return isCanonicalBase64Url(text) ? Buffer.from(text, 'base64url') : null
}

/**
 * Unpadded base64url of bytes, or of a string's UTF-8 bytes.
 * @example
 * encodeBase64Url('A') // 'QQ'
 */
export function encodeBase64Url(bytes: Uint8Array | string): string {
  return (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : toBuffer(bytes)).toString('base64url')
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * UTF-8 to string, or null for invalid UTF-8 (never silently replaced by U+FFFD).
 * @example
 * decodeUtf8(new Uint8Array([0x68, 0x69])) // 'hi'
 * decodeUtf8(new Uint8Array([0xff])) // null
 */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return null
  }
}

/**
 * A Buffer view of the same memory (no copy).
 * @example
 * toBuffer(new Uint8Array([1, 2])).toString('hex') // '0102'
 */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
