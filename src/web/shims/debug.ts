/**
 * src/lib/debug.ts in the Web Crypto bundles (scripts/web-bundle.mjs swaps it in): NODE_DEBUG
 * logging needs node:util, so it is off there.
 */

/**
 * Always false here.
 * @example
 * if (debugEnabled()) debug('never')
 */
export function debugEnabled(): boolean {
  return false
}

/**
 * Does nothing here.
 * @example
 * debug('session cookie %s refused: %s', name, code) // no output on the Web Crypto bundles
 */
export function debug(_format: string, ..._args: unknown[]): void {}
