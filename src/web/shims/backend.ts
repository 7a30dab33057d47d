/**
 * src/backend/index.ts in the Web Crypto bundles (scripts/web-bundle.mjs swaps it in): there is no
 * backend there (no native addon, no node:crypto), so whatever would use one says so.
 */

import { createError } from '../../errors'

/**
 * Throws ERR_UNSUPPORTED_RUNTIME: a synchronous primitive was reached on the Web Crypto bundles.
 * @example
 * activeBackend() // throws ERR_UNSUPPORTED_RUNTIME in a worker
 */
export function activeBackend(): never {
  throw createError(
    'ERR_UNSUPPORTED_RUNTIME',
    "this needs node:crypto, which this runtime lacks (keycard's Web Crypto entry): use the async twins " +
      '(signAsync, sealAsync, ...) from keycard',
  )
}
