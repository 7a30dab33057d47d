/**
 * The fallback `seal_keys` part: `SealKeys` and AES-256-GCM on node:crypto. Mirrors
 * crates/keycard-seal/src/keys.rs (behind crates/keycard-node/src/seal_keys.rs) check for check
 * (same layout, same order of refusals), so both backends return the same outcome for any input.
 */

import { isUtf8 } from 'node:buffer'
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomFillSync,
} from 'node:crypto'
import { createError } from '../../errors'
import { decodeBase64Url } from '../../lib/encoding'
import {
  KIND_BYTES,
  KIND_JSON,
  KIND_TEXT,
  OPEN_BAD_FORMAT,
  OPEN_DECRYPT,
  OPEN_EXPIRED,
  OPEN_NOT_YET_VALID,
  OPEN_UNKNOWN_KEY,
  OPEN_WRONG_PURPOSE,
} from '../outcomes'
import type { SealKeys, SealKeysPart } from '../types'
import { MIN_SECRET_LENGTH } from './mac_keys'

const VERSION = 1
const MAX_KID_LENGTH = 64
const NONCE_LENGTH = 12
const TAG_LENGTH = 16
const BODY_HEADER_LENGTH = 9
const INFO = 'keycard/v1/seal/'
const EMPTY = Buffer.alloc(0)
/** Node 20 accepts 4- to 16-byte GCM tags unless told the length: always pin it to 16. */
const GCM = { authTagLength: TAG_LENGTH } as const

/**
 * Nonces come from a 4 KiB buffer filled from the CSPRNG and handed out 12 bytes at a time, each
 * slice once (the way Node's randomUUID caches entropy): `randomBytes(12)` per seal measured
 * 2.5-3 µs, a quarter of the whole fallback seal; a slice costs ~0.1 µs. The slice is copied
 * into the output before the pool is ever refilled, so no nonce can change after use.
 */
const NONCE_POOL = Buffer.alloc(4096)
let noncePoolAt = NONCE_POOL.length

function freshNonce(): Buffer {
  if (noncePoolAt + NONCE_LENGTH > NONCE_POOL.length) {
    randomFillSync(NONCE_POOL)
    noncePoolAt = 0
  }
  const nonce = NONCE_POOL.subarray(noncePoolAt, noncePoolAt + NONCE_LENGTH)
  noncePoolAt += NONCE_LENGTH
  return nonce
}

interface Key {
  kid: Buffer
  key: KeyObject
  /** version | kid length | kid | hint: the same for every value this key seals. */
  prefix: Buffer
  /** prefix | purpose: the associated data, also fixed per key and purpose. */
  aad: Buffer
}

class FallbackSealKeys implements SealKeys {
  readonly #keys: Key[]
  readonly #purpose: Buffer
  readonly #hint: Buffer

  constructor(secrets: readonly Uint8Array[], kids: readonly string[], purpose: string) {
    if (secrets.length === 0 || secrets.length !== kids.length) throw createError('ERR_BAD_FORMAT', 'one key id per secret')
    const info = INFO + purpose
    this.#purpose = Buffer.from(purpose, 'utf8')
    this.#hint = createHash('sha256').update(info, 'utf8').digest().subarray(0, 2)
    this.#keys = secrets.map((secret, i) => {
      const kid = Buffer.from(kids[i] as string, 'latin1')
      if (kid.length === 0 || kid.length > MAX_KID_LENGTH || !/^[\x20-\x7e]+$/.test(kids[i] as string)) {
        throw createError('ERR_BAD_FORMAT', 'key ids are 1-64 ASCII characters')
      }
      if (secret.byteLength < MIN_SECRET_LENGTH) throw createError('ERR_KEY_TOO_SHORT', 'secret is shorter than 32 bytes')
      const prefix = Buffer.concat([Buffer.from([VERSION, kid.length]), kid, this.#hint])
      return {
        kid,
        key: createSecretKey(new Uint8Array(hkdfSync('sha256', secret, EMPTY, info, 32))),
        prefix,
        aad: Buffer.concat([prefix, this.#purpose]),
      }
    })
  }

  #seal(kind: number, data: string | Uint8Array, exp: number, nbf: number, nonce: Uint8Array | null): string {
    const { key, prefix, aad } = this.#keys[0] as Key
    const iv = nonce ?? freshNonce()
    if (iv.length !== NONCE_LENGTH) throw createError('ERR_BAD_FORMAT', 'nonces are 12 bytes')
    const body = Buffer.allocUnsafe(BODY_HEADER_LENGTH)
    body[0] = kind
    body.writeUInt32BE(exp, 1)
    body.writeUInt32BE(nbf, 5)
    const cipher = createCipheriv('aes-256-gcm', key, iv, GCM).setAAD(aad)
    const parts = [
      prefix,
      iv,
      cipher.update(body),
      typeof data === 'string' ? cipher.update(data, 'utf8') : cipher.update(data),
      cipher.final(),
      cipher.getAuthTag(),
    ]
    return Buffer.concat(parts).toString('base64url')
  }

  sealText(kind: number, text: string, exp: number, nbf: number, nonce: Uint8Array | null): string {
    return this.#seal(kind === KIND_JSON ? KIND_JSON : KIND_TEXT, text, exp, nbf, nonce)
  }

  sealBytes(data: Uint8Array, exp: number, nbf: number, nonce: Uint8Array | null): string {
    return this.#seal(KIND_BYTES, data, exp, nbf, nonce)
  }

  open(sealed: string, now: number): string | Uint8Array | number {
    const bytes = decodeBase64Url(sealed)
    if (!bytes || bytes.length < 2 || bytes[0] !== VERSION) return OPEN_BAD_FORMAT
    const kidLength = bytes[1] as number
    const headerLength = 2 + kidLength + 2 + NONCE_LENGTH
    if (kidLength === 0 || kidLength > MAX_KID_LENGTH || bytes.length < headerLength + BODY_HEADER_LENGTH + TAG_LENGTH) {
      return OPEN_BAD_FORMAT
    }
    const kid = bytes.subarray(2, 2 + kidLength)
    const found = this.#keys.find((k) => k.kid.equals(kid))
    if (!found) return OPEN_UNKNOWN_KEY
    const nonceAt = 2 + kidLength + 2
    if (!bytes.subarray(nonceAt - 2, nonceAt).equals(this.#hint)) return OPEN_WRONG_PURPOSE

    let body: Buffer
    try {
      // Version, key id and hint were just matched, so the value's AAD is this key's AAD.
      const decipher = createDecipheriv('aes-256-gcm', found.key, bytes.subarray(nonceAt, headerLength), GCM)
      decipher.setAAD(found.aad)
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_LENGTH))
      // final() checks the tag; update()'s output is not trusted (or returned) before it has.
      body = Buffer.concat([decipher.update(bytes.subarray(headerLength, bytes.length - TAG_LENGTH)), decipher.final()])
    } catch {
      return OPEN_DECRYPT
    }
    const kind = body[0] as number
    if (kind !== KIND_TEXT && kind !== KIND_BYTES && kind !== KIND_JSON) return OPEN_BAD_FORMAT
    const exp = body.readUInt32BE(1)
    const nbf = body.readUInt32BE(5)
    if (exp !== 0 && now >= exp) return OPEN_EXPIRED
    if (nbf !== 0 && now < nbf) return OPEN_NOT_YET_VALID
    const data = body.subarray(BODY_HEADER_LENGTH)
    if (kind === KIND_BYTES) return data
    if (!isUtf8(data)) return OPEN_BAD_FORMAT
    return String.fromCharCode(kind) + data.toString('utf8')
  }
}

/** The Rust primitive's types admit only these sizes; refuse the same inputs here. */
function checkGcmSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 32 || nonce.length !== NONCE_LENGTH)
    throw createError('ERR_BAD_FORMAT', 'AES-256-GCM takes a 32-byte key and a 12-byte nonce')
}

/**
 * The `seal_keys` part of the fallback backend.
 * @example
 * fallbackSealKeys.createSealKeys([secret], ['k1'], 'session').sealText(KIND_TEXT, 'hi', 0, 0, null)
 */
export const fallbackSealKeys: SealKeysPart = {
  createSealKeys: (secrets, kids, purpose) => new FallbackSealKeys(secrets, kids, purpose),
  aesGcmEncrypt(key, nonce, aad, plaintext) {
    checkGcmSizes(key, nonce)
    const cipher = createCipheriv('aes-256-gcm', key, nonce, GCM).setAAD(aad)
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  },
  aesGcmDecrypt(key, nonce, aad, sealed) {
    checkGcmSizes(key, nonce)
    if (sealed.length < TAG_LENGTH) throw createError('ERR_BAD_FORMAT', 'AES-GCM input is shorter than its tag')
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, GCM).setAAD(aad)
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH))
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH)), decipher.final()])
    } catch {
      return null
    }
  },
}
