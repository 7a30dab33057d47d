/**
 * Secret checks (length, weak patterns), with no dependency on Node or a backend: the Node keyring
 * (src/keys.ts) and the Web Crypto one (src/web/keys.ts) both use them, so both refuse the same
 * secrets with the same codes.
 */

import { createError } from '../errors'
import { refuseDetached } from './detached'

/** Shortest secret accepted, in bytes. */
export const MIN_SECRET_BYTES = 32

/**
 * Whether the secret repeats with a period p <= length/2, i.e. bytes[i] === bytes[i - p] for every
 * i >= p: one byte repeated ('x'.repeat(32)), or a short phrase repeated to reach 32 bytes. Its
 * entropy is at most that of its first p bytes, far less than its length promises. The smallest
 * period is length - (longest proper border), the border from the KMP failure function: O(n).
 * Runs once per keyring, not per request, so its data-dependent timing exposes nothing repeatable.
 * Shared by the Node keyring (src/keys.ts) and the Web Crypto one (src/web/keys.ts), so both
 * refuse the same secrets.
 * @example
 * isRepetitive(new TextEncoder().encode('x'.repeat(32))) // true: ERR_KEY_WEAK unless allowWeakKey
 */
export function isRepetitive(bytes: Uint8Array): boolean {
  const n = bytes.length
  // border[i]: length of the longest proper prefix of bytes[0..i] that is also its suffix.
  const border = new Uint32Array(n)
  for (let i = 1, k = 0; i < n; i++) {
    while (k > 0 && bytes[i] !== bytes[k]) k = border[k - 1] as number
    if (bytes[i] === bytes[k]) k++
    border[i] = k
  }
  return 2 * (n - (border[n - 1] as number)) <= n
}

/**
 * A secret's bytes, checked: a string (UTF-8, through `encode`) or a Uint8Array (copied: later
 * mutation must not change the key) of at least MIN_SECRET_BYTES, not one short pattern repeated
 * unless `allowWeakKey`. `howToGenerate` ends the messages with the way to make one on this runtime.
 * @example
 * const bytes = secretBytes(process.env.KEYCARD_SECRET, false, (s) => Buffer.from(s, 'utf8'), hint)
 */
export function secretBytes(
  secret: unknown,
  allowWeakKey: boolean,
  encode: (text: string) => Uint8Array,
  howToGenerate: string,
): Uint8Array {
  let bytes: Uint8Array
  if (typeof secret === 'string') bytes = encode(secret)
  else if (secret instanceof Uint8Array) {
    refuseDetached(secret, 'a secret') // else the copy below throws a raw TypeError
    bytes = Uint8Array.from(secret) // a copy: later mutation must not change the key
  } else throw createError('ERR_INVALID_ARGUMENT', 'a secret must be a string or a Uint8Array')
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    throw createError(
      'ERR_KEY_TOO_SHORT',
      `secrets must be at least ${MIN_SECRET_BYTES} bytes (got ${bytes.byteLength}); ${howToGenerate}`,
    )
  }
  if (!allowWeakKey && isRepetitive(bytes)) {
    throw createError(
      'ERR_KEY_WEAK',
      `a secret is one short pattern repeated (like 'x'.repeat(32)), so it is far weaker than its length; ${howToGenerate}`,
    )
  }
  return bytes
}
