/**
 * The names of keycard's diagnostics channels (src/diagnostics.ts publishes on them), in a module
 * of their own with no imports, so the web entry exports the same `CHANNELS` as Node's.
 */

/**
 * The channel names keycard publishes on, by event.
 * @example
 * import { subscribe } from 'node:diagnostics_channel'
 * import { CHANNELS } from 'keycard'
 * subscribe(CHANNELS.sessionCommit, ({ bytes }) => sessionBytes.record(bytes))
 */
export const CHANNELS = Object.freeze({
  sessionInvalid: 'keycard:session:invalid',
  sessionCreate: 'keycard:session:create',
  sessionRegenerate: 'keycard:session:regenerate',
  sessionDestroy: 'keycard:session:destroy',
  sessionCommit: 'keycard:session:commit',
  storeError: 'keycard:store:error',
  cacheEvict: 'keycard:cache:evict',
} as const)
