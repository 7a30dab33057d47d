/**
 * The native backend: the napi-rs binding behind the `Backend` interface, assembled from its
 * twins (mac_keys, seal_keys, password, primitives, cache: each calls the same-named module of
 * crates/keycard-node/src). Calls that can throw are wrapped so errors arrive as `KeycardError`s
 * with the codes the fallback uses; the hot verification calls return integers and never throw.
 */

import type { Backend } from '../types'
import { nativeCache } from './cache'
import type { NativeBinding } from './load'
import { nativeMacKeys } from './mac_keys'
import { nativePassword } from './password'
import { nativePrimitives } from './primitives'
import { nativeSealKeys } from './seal_keys'

/**
 * The `Backend` over a loaded binding: its five parts spread into one object.
 * @example
 * const loaded = loadNative()
 * if (loaded.ok) createNativeBackend(loaded.binding).randomId(32)
 */
export function createNativeBackend(binding: NativeBinding): Backend {
  return {
    name: 'native',
    version: binding.nativeVersion(),
    ...nativeMacKeys(binding),
    ...nativeSealKeys(binding),
    ...nativePassword(binding),
    ...nativePrimitives(binding),
    ...nativeCache(binding),
  }
}
