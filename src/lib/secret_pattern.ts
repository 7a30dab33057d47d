/** Weak-secret detection, with no dependency on Node or a backend (the Web Crypto entry uses it too). */

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
