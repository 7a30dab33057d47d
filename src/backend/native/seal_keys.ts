/**
 * The native `seal_keys` part: sealed values in Rust, one call per seal or open, and the
 * AES-256-GCM primitive (crates/keycard-node/src/seal_keys.rs). Opening returns the data or an
 * `OPEN_*` outcome and never throws.
 */

import { toBuffer } from '../../lib/encoding'
import type { SealKeys, SealKeysPart } from '../types'
import { guard, type NativeBinding } from './load'

type Handle = ReturnType<NativeBinding['sealKeysCreate']>

/** Rust seal keys behind the `SealKeys` interface. */
class NativeSealKeys implements SealKeys {
  constructor(
    private readonly binding: NativeBinding,
    private readonly handle: Handle,
  ) {}

  sealText(kind: number, text: string, exp: number, nbf: number, nonce: Uint8Array | null): string {
    return guard(() => this.binding.sealText(this.handle, kind, text, exp, nbf, nonce))
  }

  sealBytes(data: Uint8Array, exp: number, nbf: number, nonce: Uint8Array | null): string {
    return guard(() => this.binding.sealBytes(this.handle, data, exp, nbf, nonce))
  }

  open(sealed: string, now: number): string | Uint8Array | number {
    return this.binding.sealOpen(this.handle, sealed, now)
  }
}

/**
 * The `seal_keys` part of the native backend.
 * @example
 * const part = nativeSealKeys(binding)
 * part.createSealKeys([secret], ['k1'], 'session').sealText(KIND_TEXT, 'hi', 0, 0, null)
 */
export function nativeSealKeys(binding: NativeBinding): SealKeysPart {
  return {
    createSealKeys: (secrets, kids, purpose) =>
      guard(() => new NativeSealKeys(binding, binding.sealKeysCreate(secrets.map(toBuffer), [...kids], purpose))),
    aesGcmEncrypt: (key, nonce, aad, plaintext) => guard(() => binding.aesGcmEncrypt(key, nonce, aad, plaintext)),
    aesGcmDecrypt: (key, nonce, aad, sealed) => guard(() => binding.aesGcmDecrypt(key, nonce, aad, sealed)),
  }
}
