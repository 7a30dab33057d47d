/**
 * The native backend: the napi-rs binding behind the `Backend` interface. Calls that can throw
 * are wrapped so errors arrive as `KeycardError`s with the codes the fallback uses; the hot
 * verification calls return integers and never throw.
 */

import { availableParallelism } from 'node:os'
import { createError, type ErrorCode, fromNativeError, type KeycardError } from '../../errors'
import { toBuffer } from '../../lib/encoding'
import { isAborted, onAbort, raceAbort, signalOf } from '../abort'
import { limiter } from '../limiter'
import type { Backend, MacKeys, SealKeys } from '../types'
import { NativeCache } from './cache'
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

/** Outcome codes of the password tasks (crates/keycard-node/src/password_task.rs). */
const PASSWORD_CODES: Record<number, [ErrorCode, string]> = {
  [-1]: ['ERR_BAD_FORMAT', 'not a bcrypt hash keycard reads'],
  [-2]: ['ERR_PARAMS_OUT_OF_RANGE', 'password hash parameters out of range'],
  [-3]: ['ERR_ABORTED', 'the operation was aborted'],
  [-4]: ['ERR_RANDOM', 'the OS random number generator failed'],
}

function passwordError(code: number): KeycardError {
  const [name, message] = PASSWORD_CODES[code] ?? ['ERR_INTERNAL', `native password task failed (${code})`]
  return createError(name, message)
}

/**
 * Awaits a native task, rejecting with ERR_ABORTED as soon as `signal` aborts: napi cancels a
 * task still queued; one already computing finishes on its pool thread and is ignored.
 */
async function pooled<T>(task: (signal?: AbortSignal) => Promise<T | number>, signal?: AbortSignal): Promise<T> {
  if (signal && isAborted(signal)) throw createError('ERR_ABORTED', 'the operation was aborted')
  let result: T | number
  // The binding gets a signal of keycard's own, aborted with the caller's: napi-rs assigns
  // `onabort` on the signal it is given, which would replace a handler the caller set there.
  const inner = new AbortController()
  const stop = signal ? onAbort(signal, () => inner.abort()) : () => {}
  try {
    result = await (signal ? raceAbort(task(inner.signal), signal) : task())
  } catch (err) {
    throw (err as { name?: string }).name === 'AbortError'
      ? createError('ERR_ABORTED', 'the operation was aborted')
      : fromNativeError(err)
  } finally {
    stop()
  }
  if (typeof result === 'number') throw passwordError(result)
  return result
}

/** Rejects at once when `signal` aborts, even while the task still waits for a hashing slot. */
function abortable<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  return signal ? raceAbort(work, signal) : work
}

export function createNativeBackend(binding: NativeBinding): Backend {
  const hashing = limiter(Math.max(1, Math.min(4, availableParallelism())))
  return {
    name: 'native',
    version: binding.nativeVersion(),
    createMacKeys: (secrets, info, base64Std): MacKeys =>
      guard(() => new NativeMacKeys(binding, binding.macKeysCreate(secrets.map(toBuffer), info, base64Std))),
    createSealKeys: (secrets, kids, purpose): SealKeys =>
      guard(() => new NativeSealKeys(binding, binding.sealKeysCreate(secrets.map(toBuffer), [...kids], purpose))),
    aesGcmEncrypt: (key, nonce, aad, plaintext) => guard(() => binding.aesGcmEncrypt(key, nonce, aad, plaintext)),
    aesGcmDecrypt: (key, nonce, aad, sealed) => guard(() => binding.aesGcmDecrypt(key, nonce, aad, sealed)),
    // Signals are checked here too (the public API already did): only a real AbortSignal reaches
    // raceAbort and the binding; anything else is a rejection, never a throw in a callback.
    argon2id: async (job, given) => {
      const signal = signalOf(given)
      return abortable(
        hashing(() =>
          pooled(
            (s) =>
              binding.argon2idTag(
                job.password,
                job.salt,
                { m: job.m, t: job.t, p: job.p, tagLength: job.tagLength },
                job.pepper,
                s,
              ),
            signal,
          ),
        ),
        signal,
      )
    },
    bcryptVerify: async (stored, password, given) => {
      const signal = signalOf(given)
      return abortable(
        hashing(() => pooled((s) => binding.bcryptVerify(stored, password, s), signal)),
        signal,
      )
    },
    hmacSha256: (key, msg) => guard(() => binding.hmacSha256(key, msg)),
    hkdfSha256: (ikm, salt, info, length) => guard(() => binding.hkdfSha256(ikm, salt, info, length)),
    keyId: (secret) => guard(() => binding.keyId(secret)),
    timingSafeEqual: (a, b) => guard(() => binding.timingSafeEqual(a, b)),
    randomId: (bytes) => guard(() => binding.randomId(bytes)),
    randomBytes: (length) => guard(() => binding.randomBytes(length)),
    openCache: (config, name) => new NativeCache(binding, config, name),
  }
}
