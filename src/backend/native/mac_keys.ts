/**
 * The native `mac_keys` part: HMAC key sets held in Rust (crates/keycard-node/src/mac_keys.rs).
 * Verification returns the key index or a `VERIFY_*` outcome and never throws.
 */

import { toBuffer } from '../../lib/encoding'
import type { MacKeys, MacKeysPart } from '../types'
import { guard, type NativeBinding } from './load'

type Handle = ReturnType<NativeBinding['macKeysCreate']>

/** A Rust key set behind the `MacKeys` interface; the handle frees the keys when collected. */
class NativeMacKeys implements MacKeys {
  constructor(
    private readonly binding: NativeBinding,
    private readonly handle: Handle,
  ) {}

  tag(msg: string): string {
    return this.binding.macTag(this.handle, msg)
  }

  verifyTag(msg: string, tag: string, keyIndex: number): number {
    return this.binding.macVerifyTag(this.handle, msg, tag, keyIndex)
  }

  verifySigned(signed: string): number {
    return this.binding.macVerifySigned(this.handle, signed)
  }
}

/**
 * The `mac_keys` part of the native backend.
 * @example
 * const part = nativeMacKeys(binding)
 * part.createMacKeys([secret], 'keycard/v1/sign/', false).tag('v')
 */
export function nativeMacKeys(binding: NativeBinding): MacKeysPart {
  return {
    createMacKeys: (secrets, info, base64Std) =>
      guard(() => new NativeMacKeys(binding, binding.macKeysCreate(secrets.map(toBuffer), info, base64Std))),
  }
}
