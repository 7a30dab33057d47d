/**
 * The JWS protected header, read strictly. keycard only ever accepts HS256 (RFC 8725 §3.1: the
 * verifier decides the algorithm, the token does not), refuses extensions it does not implement
 * (`crit`, `b64`), and never dereferences `jku`, `x5u`, `jwk` or `x5c`: a key comes only from the
 * caller's keyring, looked up by `kid` as an opaque string.
 */

import type { Keyring } from '../keys'
import { decodeUtf8 } from '../lib/encoding'
import { parseJsonObject } from '../lib/json_strict'
import { BAD_FORMAT, Failure, UNKNOWN_KEY } from '../lib/verify_result'

/**
 * A header longer than this (base64url characters) is refused before decoding (ERR_TOO_LARGE).
 * @example
 * if (segment.length > MAX_HEADER_LENGTH) return new Failure('ERR_TOO_LARGE', 'token header too large')
 */
export const MAX_HEADER_LENGTH = 1024

const NOT_HS256 = new Failure('ERR_ALG_NOT_ALLOWED', 'only HS256 tokens are accepted')

/**
 * The index of the key that must verify this token (-1: no kid, try every key), or why not.
 * `decode` is strict base64url: Buffer-based on Node, Buffer-free on the Web Crypto entry.
 * keycard's own headers are recognised by exact match, so the usual path parses nothing.
 * @example
 * const index = keyIndexForHeader(token.slice(0, token.indexOf('.')), keyring, decodeBase64Url)
 * if (index instanceof Failure) return index // ERR_ALG_NOT_ALLOWED, ERR_UNKNOWN_KEY, …
 * keyIndexForHeader(segment, webKeyring, decodeBase64UrlWeb) // the Web Crypto entry: no Buffer there
 */
export function keyIndexForHeader(
  segment: string,
  keyring: Pick<Keyring, 'tokenHeaders' | 'indexOf'>,
  decode: (text: string) => Uint8Array | null,
): number | Failure {
  const ours = keyring.tokenHeaders().indexOf(segment)
  if (ours >= 0) return ours
  if (segment.length > MAX_HEADER_LENGTH) return new Failure('ERR_TOO_LARGE', 'token header too large')
  const bytes = decode(segment)
  const text = bytes && decodeUtf8(bytes)
  const header = text === null || text === undefined ? null : parseJsonObject(text)
  if (!header) return BAD_FORMAT
  if (header.alg !== 'HS256') return NOT_HS256
  if (header.crit !== undefined)
    return new Failure('ERR_BAD_FORMAT', 'token header has crit extensions keycard does not implement')
  if (header.b64 !== undefined && header.b64 !== true)
    return new Failure('ERR_BAD_FORMAT', 'unencoded payloads (b64) are not accepted')
  if (header.typ !== undefined && (typeof header.typ !== 'string' || !/^(application\/)?jwt$/i.test(header.typ))) {
    return new Failure('ERR_BAD_FORMAT', 'token typ is not JWT')
  }
  if (header.kid === undefined) return -1
  if (typeof header.kid !== 'string') return BAD_FORMAT
  const index = keyring.indexOf(header.kid)
  return index >= 0 ? index : UNKNOWN_KEY
}
