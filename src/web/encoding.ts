/**
 * base64url, standard base64 and UTF-8 without Buffer, for the Web Crypto entry (workerd and the
 * Edge runtime have no Buffer). Decoding is as strict as src/lib/encoding.ts: only the canonical
 * unpadded spelling of some bytes decodes, so no two strings open to the same bytes.
 */

import { isCanonicalBase64Url } from '../lib/encoding'

const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const STD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const utf8 = new TextEncoder()

/** Value of each character code in either alphabet ('-' and '+' are 62, '_' and '/' are 63), or -1. */
const SEXTET = new Int8Array(128).fill(-1)
for (let i = 0; i < 64; i++) {
  SEXTET[URL_ALPHABET.charCodeAt(i)] = i
  SEXTET[STD_ALPHABET.charCodeAt(i)] = i
}

function encode(bytes: Uint8Array, alphabet: string): string {
  let out = ''
  let i = 0
  for (; i + 3 <= bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out += alphabet[n >> 18] + (alphabet[(n >> 12) & 63] as string) + alphabet[(n >> 6) & 63] + alphabet[n & 63]
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = (bytes[i] as number) << 16
    out += (alphabet[n >> 18] as string) + alphabet[(n >> 12) & 63]
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8)
    out += (alphabet[n >> 18] as string) + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63]
  }
  return out
}

/** Decodes text already known to be canonical and unpadded in one alphabet. */
function decodeChecked(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let bits = 0
  let count = 0
  let at = 0
  for (let i = 0; i < text.length; i++) {
    bits = (bits << 6) | (SEXTET[text.charCodeAt(i)] as number)
    count += 6
    if (count >= 8) {
      count -= 8
      out[at++] = (bits >> count) & 0xff
    }
  }
  return out
}

/**
 * Unpadded base64url of bytes, or of a string's UTF-8 bytes (what `encodeBase64Url` in
 * src/lib/encoding.ts writes with Buffer).
 * @example
 * encodeBase64UrlWeb('A') // 'QQ'
 */
export function encodeBase64UrlWeb(bytes: Uint8Array | string): string {
  return encode(typeof bytes === 'string' ? utf8.encode(bytes) : bytes, URL_ALPHABET)
}

/**
 * Unpadded standard base64 (`+` and `/`), as cookie-signature writes its tags.
 * @example
 * encodeBase64StdWeb(new Uint8Array([0xfb])) // '+w'
 */
export function encodeBase64StdWeb(bytes: Uint8Array): string {
  return encode(bytes, STD_ALPHABET)
}

/**
 * Canonical unpadded base64url to bytes, or null for anything else (same rule as `decodeBase64Url`).
 * @example
 * decodeBase64UrlWeb('QQ') // Uint8Array [0x41]
 * decodeBase64UrlWeb('QR') // null: not the canonical spelling
 */
export function decodeBase64UrlWeb(text: string): Uint8Array | null {
  return isCanonicalBase64Url(text) ? decodeChecked(text) : null
}

/**
 * A tag of 43 characters already matched against its alphabet's canonical pattern, as 32 bytes.
 * @example
 * decodeTag(tag) // after TAG_URL.test(tag) or TAG_STD.test(tag)
 */
export function decodeTag(tag: string): Uint8Array {
  return decodeChecked(tag)
}

/**
 * UTF-8 bytes of a string (a lone surrogate becomes U+FFFD, as Buffer writes it).
 * @example
 * utf8Bytes('é') // Uint8Array [0xc3, 0xa9]
 */
export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text)
}
