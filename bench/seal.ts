/**
 * Sealed values (encrypted session cookies): keycard (native and fallback, side by side in one
 * process) against iron-session, sodium-native secretbox (what @fastify/secure-session uses) and
 * raw node:crypto AES-256-GCM, with identical inputs. Run with
 * `node scripts/ensure-built.mjs && node --import tsx bench/seal.ts`. Tracks, never gates: the
 * goals printed at the end are informational and the exit code does not depend on them.
 *
 * Every contender does the same job: serialise a ~200-byte session object as JSON, encrypt and
 * authenticate it, encode it as a cookie-safe string; then decode, decrypt/verify and parse it
 * back to an object.
 */

import assert from 'node:assert/strict'
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes } from 'node:crypto'
import { sealData, unsealData } from 'iron-session'
import { do_not_optimize, group, summary } from 'mitata'
import { loadBackend, withBackend } from '../src/backend'
import type { NativeBinding } from '../src/backend/native/load'
import { Keyring, seal, unseal } from '../src/index'
import { createRows, fmt, ratioText } from './report'

// --- sodium-native: no type declarations are installed, so the few calls used are typed here ----

interface Sodium {
  crypto_secretbox_KEYBYTES: number
  crypto_secretbox_NONCEBYTES: number
  crypto_secretbox_MACBYTES: number
  randombytes_buf(buf: Uint8Array): void
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean
}
const sodium = require('sodium-native') as Sodium

// --- Identical inputs for every contender ------------------------------------------------------

/** A typical stateless session: 205 bytes of JSON. */
const SESSION = {
  uid: 'user-42',
  roles: ['admin', 'editor'],
  csrf: 'kP3xq9ZtW7mVb2RfLs8NcA',
  cart: [
    { sku: 'A-1', qty: 2 },
    { sku: 'B-17', qty: 1 },
    { sku: 'C-204', qty: 3 },
  ],
  createdAt: 1_700_000_000_000,
  flash: null,
  lang: 'en',
}
type Session = typeof SESSION
const SESSION_JSON = JSON.stringify(SESSION)
const SESSION_BYTES = Buffer.byteLength(SESSION_JSON, 'utf8')
assert.ok(SESSION_BYTES >= 190 && SESSION_BYTES <= 210, `session JSON is ${SESSION_BYTES} bytes, want 190-210`)

/** 44 characters: over keycard's 32-byte minimum and iron-session's 32-character minimum. */
const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstu'
const PURPOSE = 'session'
const SEAL_OPTS = { purpose: PURPOSE, ttl: '1h' } as const
const UNSEAL_OPTS = { purpose: PURPOSE } as const
const IRON_SEAL = { password: SECRET, ttl: 3600 } as const
const IRON_UNSEAL = { password: SECRET } as const

const native = loadBackend('native')
const fallback = loadBackend('fallback')
const binding = require('../native.cjs') as NativeBinding
const keyring = new Keyring(SECRET)

/** One 32-byte key for the two raw contenders, derived once (as @fastify/secure-session does at startup). */
const RAW_KEY = Buffer.from(hkdfSync('sha256', SECRET, '', 'bench/seal', 32))

// --- sodium-native secretbox (XSalsa20-Poly1305): base64url(nonce || ciphertext) ---------------

const NONCE_BYTES = sodium.crypto_secretbox_NONCEBYTES
const MAC_BYTES = sodium.crypto_secretbox_MACBYTES
assert.equal(sodium.crypto_secretbox_KEYBYTES, RAW_KEY.length)

function sodiumSeal(data: unknown): string {
  const msg = Buffer.from(JSON.stringify(data), 'utf8')
  const out = Buffer.allocUnsafe(NONCE_BYTES + MAC_BYTES + msg.length)
  const nonce = out.subarray(0, NONCE_BYTES)
  sodium.randombytes_buf(nonce)
  sodium.crypto_secretbox_easy(out.subarray(NONCE_BYTES), msg, nonce, RAW_KEY)
  return out.toString('base64url')
}
function sodiumUnseal(sealed: string): unknown {
  const bytes = Buffer.from(sealed, 'base64url')
  if (bytes.length < NONCE_BYTES + MAC_BYTES) return null
  const msg = Buffer.allocUnsafe(bytes.length - NONCE_BYTES - MAC_BYTES)
  if (!sodium.crypto_secretbox_open_easy(msg, bytes.subarray(NONCE_BYTES), bytes.subarray(0, NONCE_BYTES), RAW_KEY)) return null
  return JSON.parse(msg.toString('utf8'))
}

// --- Raw node:crypto AES-256-GCM: base64url(iv || ciphertext || tag) ---------------------------

/** A KeyObject made once, like keycard's fallback (a Buffer key would be re-imported per call). */
const GCM_KEY = createSecretKey(RAW_KEY)
const GCM = { authTagLength: 16 } as const

function rawSeal(data: unknown): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', GCM_KEY, iv, GCM)
  const ct = cipher.update(JSON.stringify(data), 'utf8')
  const last = cipher.final()
  return Buffer.concat([iv, ct, last, cipher.getAuthTag()]).toString('base64url')
}
/** Throws when the tag does not verify (`final()`), like any decipher. */
function rawUnseal(sealed: string): unknown {
  const bytes = Buffer.from(sealed, 'base64url')
  if (bytes.length < 12 + 16) return null
  const decipher = createDecipheriv('aes-256-gcm', GCM_KEY, bytes.subarray(0, 12), GCM)
  decipher.setAuthTag(bytes.subarray(bytes.length - 16))
  const head = decipher.update(bytes.subarray(12, bytes.length - 16))
  const body = Buffer.concat([head, decipher.final()])
  return JSON.parse(body.toString('utf8'))
}

// --- Precomputed sealed values for the unseal-only group (each in its own format) -------------

const sealedNative = withBackend(native, () => seal(SESSION, keyring, SEAL_OPTS))
const sealedFallback = withBackend(fallback, () => seal(SESSION, keyring, SEAL_OPTS))
let sealedIron = '' // async: set in main()
const sealedSodium = sodiumSeal(SESSION)
const sealedRaw = rawSeal(SESSION)

/** Flips one character in the middle (inside the ciphertext for every format; same length and alphabet). */
function tamper(sealed: string): string {
  const at = sealed.length >> 1
  assert.match(sealed[at] as string, /[A-Za-z0-9_-]/, 'the middle character is base64url')
  return sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1)
}

// --- Sanity: every contender really round-trips, and refuses a tampered value -------------------

async function sanity(): Promise<void> {
  for (const [name, be] of [
    ['native', native],
    ['fallback', fallback],
  ] as const) {
    withBackend(be, () => {
      assert.equal(be.name, name)
      assert.deepEqual(unseal<Session>(seal(SESSION, keyring, SEAL_OPTS), keyring, UNSEAL_OPTS), SESSION, `${name} round trip`)
      assert.deepEqual(unseal<Session>(sealedNative, keyring, UNSEAL_OPTS), SESSION, `${name} opens native's value`)
      assert.deepEqual(unseal<Session>(sealedFallback, keyring, UNSEAL_OPTS), SESSION, `${name} opens fallback's value`)
      assert.equal(unseal(tamper(sealedNative), keyring, UNSEAL_OPTS), null, `${name} refuses a tampered value`)
      assert.equal(unseal(sealedNative, keyring, { purpose: 'other' }), null, `${name} refuses another purpose`)
    })
  }
  // iron-session: unsealData does not throw on a bad seal; it catches iron-webcrypto's
  // "Bad hmac value" and returns an empty session ({}), which is how it refuses.
  assert.deepEqual(await unsealData<Session>(await sealData(SESSION, IRON_SEAL), IRON_UNSEAL), SESSION, 'iron round trip')
  sealedIron = await sealData(SESSION, IRON_SEAL)
  assert.deepEqual(await unsealData<Session>(sealedIron, IRON_UNSEAL), SESSION)
  assert.deepEqual(await unsealData(tamper(sealedIron), IRON_UNSEAL), {}, 'iron refuses a tampered value')
  // sodium-native: open_easy returns false.
  assert.deepEqual(sodiumUnseal(sodiumSeal(SESSION)), SESSION, 'sodium round trip')
  assert.deepEqual(sodiumUnseal(sealedSodium), SESSION)
  const bad = Buffer.from(tamper(sealedSodium), 'base64url')
  const out = Buffer.alloc(bad.length - NONCE_BYTES - MAC_BYTES)
  assert.equal(sodium.crypto_secretbox_open_easy(out, bad.subarray(NONCE_BYTES), bad.subarray(0, NONCE_BYTES), RAW_KEY), false)
  // Raw node:crypto: final() throws.
  assert.deepEqual(rawUnseal(rawSeal(SESSION)), SESSION, 'node:crypto round trip')
  assert.deepEqual(rawUnseal(sealedRaw), SESSION)
  assert.throws(() => rawUnseal(tamper(sealedRaw)), /Unsupported state or unable to authenticate data/)
  assert.equal(typeof binding.nativeVersion(), 'string')
}

// --- Benchmarks ------------------------------------------------------------------------------

const { rows, row, measure } = createRows()

const G_ROUND = 'seal + unseal (round trip)'
const G_UNSEAL = 'unseal only (the per-request hot path)'
const G_FLOOR = 'napi call floor and breakdown (reference)'

const K_NATIVE = 'keycard native'
const K_FALLBACK = 'keycard fallback'
const IRON = 'iron-session'
const SODIUM = 'sodium-native secretbox'
const RAW = 'node:crypto raw aes-256-gcm'

function jsTrivial(x: number): number {
  return x + 1
}
const nativeKeys = keyring.sealKeys(native, PURPOSE)
const fallbackKeys = keyring.sealKeys(fallback, PURPOSE)
const KIND_JSON = 3
const EXP = Math.ceil((Date.now() + 86_400_000) / 1000) // a day: still valid when the floor group runs
const NOW = () => Math.floor(Date.now() / 1000)
const SESSION_BUF = Buffer.from(SESSION_JSON, 'utf8')
const SODIUM_OUT = Buffer.allocUnsafe(NONCE_BYTES + MAC_BYTES + SESSION_BUF.length)
const SODIUM_MSG = Buffer.allocUnsafe(SESSION_BUF.length)

function register(): void {
  group(G_ROUND, () => {
    summary(() => {
      row(G_ROUND, K_NATIVE, () =>
        do_not_optimize(withBackend(native, () => unseal(seal(SESSION, keyring, SEAL_OPTS), keyring, UNSEAL_OPTS))),
      )
      row(G_ROUND, K_FALLBACK, () =>
        do_not_optimize(withBackend(fallback, () => unseal(seal(SESSION, keyring, SEAL_OPTS), keyring, UNSEAL_OPTS))),
      )
      row(G_ROUND, IRON, async () => do_not_optimize(await unsealData(await sealData(SESSION, IRON_SEAL), IRON_UNSEAL)))
      row(G_ROUND, SODIUM, () => do_not_optimize(sodiumUnseal(sodiumSeal(SESSION))))
      row(G_ROUND, RAW, () => do_not_optimize(rawUnseal(rawSeal(SESSION))))
    })
  })

  group(G_UNSEAL, () => {
    summary(() => {
      row(G_UNSEAL, K_NATIVE, () => do_not_optimize(withBackend(native, () => unseal(sealedNative, keyring, UNSEAL_OPTS))))
      row(G_UNSEAL, K_FALLBACK, () => do_not_optimize(withBackend(fallback, () => unseal(sealedFallback, keyring, UNSEAL_OPTS))))
      row(G_UNSEAL, IRON, async () => do_not_optimize(await unsealData(sealedIron, IRON_UNSEAL)))
      row(G_UNSEAL, SODIUM, () => do_not_optimize(sodiumUnseal(sealedSodium)))
      row(G_UNSEAL, RAW, () => do_not_optimize(rawUnseal(sealedRaw)))
    })
  })

  group(G_FLOOR, () => {
    row(G_FLOOR, 'trivial JS function', () => do_not_optimize(jsTrivial(41)))
    row(G_FLOOR, 'napi nativeVersion()', () => do_not_optimize(binding.nativeVersion()))
    row(G_FLOOR, 'withBackend(native, noop)', () => do_not_optimize(withBackend(native, jsTrivial as () => number)))
    row(G_FLOOR, 'JSON.stringify(session)', () => do_not_optimize(JSON.stringify(SESSION)))
    row(G_FLOOR, 'JSON.parse(session JSON)', () => do_not_optimize(JSON.parse(SESSION_JSON)))
    row(G_FLOOR, 'native SealKeys.sealText (direct)', () =>
      do_not_optimize(nativeKeys.sealText(KIND_JSON, SESSION_JSON, EXP, 0, null)),
    )
    row(G_FLOOR, 'native SealKeys.open (direct)', () => do_not_optimize(nativeKeys.open(sealedNative, NOW())))
    row(G_FLOOR, 'fallback SealKeys.sealText (direct)', () =>
      do_not_optimize(fallbackKeys.sealText(KIND_JSON, SESSION_JSON, EXP, 0, null)),
    )
    row(G_FLOOR, 'fallback SealKeys.open (direct)', () => do_not_optimize(fallbackKeys.open(sealedFallback, NOW())))
    row(G_FLOOR, 'sodium randombytes + secretbox_easy (bytes)', () => {
      const nonce = SODIUM_OUT.subarray(0, NONCE_BYTES)
      sodium.randombytes_buf(nonce)
      sodium.crypto_secretbox_easy(SODIUM_OUT.subarray(NONCE_BYTES), SESSION_BUF, nonce, RAW_KEY)
      return do_not_optimize(SODIUM_OUT)
    })
    row(G_FLOOR, 'sodium secretbox_open_easy (bytes)', () =>
      do_not_optimize(
        sodium.crypto_secretbox_open_easy(
          SODIUM_MSG,
          SODIUM_OUT.subarray(NONCE_BYTES),
          SODIUM_OUT.subarray(0, NONCE_BYTES),
          RAW_KEY,
        ),
      ),
    )
  })
}

// --- Ratio table and goals -------------------------------------------------------------------

async function main(): Promise<void> {
  console.log(`session JSON: ${SESSION_BYTES} bytes; sealed lengths (characters):`)
  await sanity()
  for (const [name, sealed] of [
    [K_NATIVE, sealedNative],
    [K_FALLBACK, sealedFallback],
    [IRON, sealedIron],
    [SODIUM, sealedSodium],
    [RAW, sealedRaw],
  ] as const) {
    console.log(`  ${name.padEnd(28)} ${sealed.length}`)
  }
  register()
  const get = await measure()

  const baselines = [SODIUM, IRON, RAW]
  const width = Math.max(...rows.map((r) => r.name.length))
  console.log('\nRatios (avg per op; each column is the baseline time / this row time, so higher is better)')
  for (const g of [G_ROUND, G_UNSEAL]) {
    console.log(`\n${g}`)
    console.log(`  ${''.padEnd(width)}  ${'avg'.padStart(10)}  ${baselines.map((b) => `vs ${b}`.padEnd(34)).join('')}`)
    for (const r of rows.filter((x) => x.group === g)) {
      const ns = get(g, r.name)
      const cells = baselines.map((b) => (b === r.name ? 'baseline' : ratioText(get(g, b) / ns)).padEnd(34))
      console.log(`  ${r.name.padEnd(width)}  ${fmt(ns).padStart(10)}  ${cells.join('')}`)
    }
  }
  console.log(`\n${G_FLOOR}`)
  for (const r of rows.filter((x) => x.group === G_FLOOR)) {
    console.log(`  ${r.name.padEnd(width)}  ${fmt(get(G_FLOOR, r.name)).padStart(10)}`)
  }

  /** `baseline / keycard` must reach `target` (keycard is `target` times faster or more). */
  const faster = (text: string, baseline: string, keycard: string, target: number) => {
    const ratio = get(G_ROUND, baseline) / get(G_ROUND, keycard)
    return { text, met: ratio >= target, shown: `${ratio.toFixed(2)}x faster (target >= ${target}x)` }
  }
  /** `keycard / baseline` time must stay at or under `limit`. */
  const within = (text: string, baseline: string, keycard: string, limit: number) => {
    const factor = get(G_ROUND, keycard) / get(G_ROUND, baseline)
    return { text, met: factor <= limit, shown: `${factor.toFixed(2)}x the time (target <= ${limit}x)` }
  }
  const goals = [
    faster('native seal+unseal vs sodium-native secretbox', SODIUM, K_NATIVE, 3),
    faster('native seal+unseal vs iron-session', IRON, K_NATIVE, 200),
    faster('fallback seal+unseal vs iron-session', IRON, K_FALLBACK, 100),
    within('fallback seal+unseal vs node:crypto raw', RAW, K_FALLBACK, 1.2),
  ]
  console.log('\nGoals (tracked, never gating; seal + unseal round trip)')
  for (const goal of goals) {
    console.log(`  ${goal.met ? 'MET   ' : 'MISSED'}  ${goal.text.padEnd(46)} measured ${goal.shown}`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
