/**
 * keycard's diagnostics: one `util.debuglog('keycard')`, on when `NODE_DEBUG` names keycard
 * (`NODE_DEBUG=keycard node app.js`), writing `KEYCARD <pid>: <message>` lines to stderr. What is
 * logged: which backend runs and why, every refused session cookie with its code, session cookies
 * cleared and Set-Cookie lines skipped (and why), store calls that failed or timed out.
 *
 * Off by default and then free: `debug()` returns after one cached boolean read, and callers that
 * would build a message (join names, format numbers) check `debugEnabled()` first. Node reads
 * `NODE_DEBUG` once, when the process starts; setting it later changes nothing.
 */

import { debuglog } from 'node:util'

const log = debuglog('keycard')

/**
 * Whether `NODE_DEBUG=keycard` is on: check it before building an expensive message.
 * @example
 * if (debugEnabled()) debug('clearing %s', names.join(', '))
 */
export function debugEnabled(): boolean {
  // debuglog's `enabled` tests NODE_DEBUG once, then is a cached boolean.
  return log.enabled
}

/**
 * Logs one line under `NODE_DEBUG=keycard` (util.format placeholders: `%s`, `%d`, `%j`); nothing,
 * and no formatting, otherwise.
 * @example
 * debug('session cookie %s refused: %s', name, code) // KEYCARD 4242: session cookie keycard refused: ERR_EXPIRED
 */
export function debug(format: string, ...args: unknown[]): void {
  if (log.enabled) log(format, ...args)
}
