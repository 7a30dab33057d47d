/**
 * The native backend: the napi-rs binding behind the `Backend` interface. Calls that can throw
 * are wrapped so errors arrive as `KeycardError`s with the codes the fallback uses; the hot
 * verification calls return integers and never throw.
 */

import { toBuffer } from '../../encoding'
import { fromNativeError } from '../../errors'
import type { Backend, MacKeys, SealKeys } from '../types'
import type { NativeBinding } from './load'

function guard<T>(call: () => T): T {
  try {
    return call()
  } catch (err) {
    throw fromNativeError(err)
  }
}

type Handle = ReturnType<NativeBinding['macKeysCreate']>
type SealHandle = ReturnType<NativeBinding['sealKeysCreate']>

/** Rust seal keys behind the `SealKeys` interface. */
class NativeSealKeys implements SealKeys {
  constructor(
    private readonly binding: NativeBinding,
    private readonly handle: SealHandle,
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

export function createNativeBackend(binding: NativeBinding): Backend {
  return {
    name: 'native',
    version: binding.nativeVersion(),
    createMacKeys: (secrets, info, base64Std): MacKeys =>
      guard(() => new NativeMacKeys(binding, binding.macKeysCreate(secrets.map(toBuffer), info, base64Std))),
    createSealKeys: (secrets, kids, purpose): SealKeys =>
      guard(() => new NativeSealKeys(binding, binding.sealKeysCreate(secrets.map(toBuffer), [...kids], purpose))),
    aesGcmEncrypt: (key, nonce, aad, plaintext) => guard(() => binding.aesGcmEncrypt(key, nonce, aad, plaintext)),
    aesGcmDecrypt: (key, nonce, aad, sealed) => guard(() => binding.aesGcmDecrypt(key, nonce, aad, sealed)),
    hmacSha256: (key, msg) => guard(() => binding.hmacSha256(key, msg)),
    hkdfSha256: (ikm, salt, info, length) => guard(() => binding.hkdfSha256(ikm, salt, info, length)),
    keyId: (secret) => guard(() => binding.keyId(secret)),
    timingSafeEqual: (a, b) => guard(() => binding.timingSafeEqual(a, b)),
    randomId: (bytes) => guard(() => binding.randomId(bytes)),
    randomBytes: (length) => guard(() => binding.randomBytes(length)),
  }
}
