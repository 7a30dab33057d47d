/**
 * The pure-TypeScript backend (node:crypto, and hash-wasm in worker threads for passwords),
 * assembled from its twins: mac_keys, seal_keys, password, primitives, cache, each doing what the
 * same-named module of crates/keycard-node/src does natively.
 */

import type { Backend } from '../types'
import { fallbackCache } from './cache'
import { fallbackMacKeys } from './mac_keys'
import { fallbackPassword } from './password'
import { fallbackPrimitives } from './primitives'
import { fallbackSealKeys } from './seal_keys'

// Resolved from dist/backend/fallback or src/backend/fallback alike.
const { version } = require('../../../package.json') as { version: string }

/**
 * The fallback `Backend`, one object for the process (it holds no native state to load).
 * @example
 * withBackend(fallbackBackend, () => sign('v', secret))
 */
export const fallbackBackend: Backend = {
  name: 'fallback',
  version,
  ...fallbackMacKeys,
  ...fallbackSealKeys,
  ...fallbackPassword,
  ...fallbackPrimitives,
  ...fallbackCache,
}
