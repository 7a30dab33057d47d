/**
 * src/diagnostics.ts in the Web Crypto bundles (scripts/web-bundle.mjs swaps it in): the
 * `keycard:*` channels need node:diagnostics_channel, so there they have no subscribers and
 * publishing does nothing. storeName is the same function, copied.
 */

import { CHANNELS } from '../../lib/channel_names'

export { CHANNELS }

/**
 * src/diagnostics.ts's storeName, unchanged (that file cannot be bundled here: node:diagnostics_channel).
 * @example
 * storeName(cookieStore()) // 'cookie'
 */
export function storeName(store: object): string {
  const named = (store as { name?: unknown }).name
  if (typeof named === 'string' && named !== '') return named
  if ((store as { kind?: unknown }).kind === 'cookie') return 'cookie'
  const ctor = (store as { constructor?: { name?: unknown } }).constructor?.name
  return typeof ctor === 'string' && ctor !== '' && ctor !== 'Object' ? ctor : 'custom'
}

/** A channel nobody listens to. */
const silent = Object.freeze({ hasSubscribers: false as boolean, publish(_message: unknown): void {} })

/**
 * The channels as src/diagnostics.ts exports them, all silent.
 * @example
 * if (publish.invalid.hasSubscribers) publish.invalid.publish({ code, cookie }) // never here
 */
export const publish = {
  invalid: silent,
  create: silent,
  regenerate: silent,
  destroy: silent,
  commit: silent,
  storeError: silent,
  cacheEvict: silent,
}
