/**
 * Signed values and tokens: keycard (native and fallback, side by side in one process) against
 * cookie-signature, keygrip, raw node:crypto and jose, with identical inputs. Run with
 * `npm run bench` (or `node --import tsx bench/sign.ts` once built). Tracks, never gates: the
 * goals printed at the end are informational and the exit code does not depend on them.
 */

import assert from 'node:assert/strict'
import { createHmac, timingSafeEqual } from 'node:crypto'
import cookieSignature from 'cookie-signature'
import { jwtVerify, SignJWT } from 'jose'
import Keygrip from 'keygrip'
import { do_not_optimize, group, summary } from 'mitata'
import { loadBackend, withBackend } from '../src/backend'
import type { NativeBinding } from '../src/backend/native/load'
import { Keyring, signToken, sign as ssign, unsign, verifyToken } from '../src/index'
import { createRows, fmt, ratioText } from './report'

// --- Identical inputs for every contender ------------------------------------------------------

/** A 40-character session id, like express-session's uid-safe ids. */
const VALUE = 'Q9x3mTz7bK1vNw4pR8sLc2HdYf6aJe0gUu5iOo-_'
/** 44 characters: well over the 32-byte minimum. */
const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstu'
const PURPOSE = 'sid'
const OPTS = { purpose: PURPOSE } as const
const PAYLOAD = { uid: 42, role: 'admin' }
const TOKEN_OPTS = { expiresIn: '1h' } as const

const native = loadBackend('native')
const fallback = loadBackend('fallback')
const binding = require('../native.cjs') as NativeBinding
const keyring = new Keyring(SECRET)
const keygrip = new Keygrip([SECRET], 'sha256')
/** keycard tokens are keyed by HKDF(secret, "keycard/v1/token"); jose gets that key, not the secret. */
const joseKey = keyring.tokenKey()

/** Raw node:crypto: the floor any pure-JS HMAC cookie signer pays. */
function rawSign(value: string): string {
  return `${value}.${createHmac('sha256', SECRET).update(value).digest('base64url')}`
}
function rawUnsign(signed: string): string | null {
  const dot = signed.lastIndexOf('.')
  if (dot < 0) return null
  const value = signed.slice(0, dot)
  const given = Buffer.from(signed.slice(dot + 1))
  const expected = Buffer.from(createHmac('sha256', SECRET).update(value).digest('base64url'))
  return given.length === expected.length && timingSafeEqual(given, expected) ? value : null
}

async function joseSign(): Promise<string> {
  return new SignJWT(PAYLOAD).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(joseKey)
}

// Precomputed signed values for the unsign-only group (each in its own format).
const signedNative = withBackend(native, () => ssign(VALUE, keyring, OPTS))
const signedFallback = withBackend(fallback, () => ssign(VALUE, keyring, OPTS))
const signedCookie = cookieSignature.sign(VALUE, SECRET)
const keygripDigest = keygrip.sign(VALUE)
const signedRaw = rawSign(VALUE)

/** Flips one character of the tag (keeps the length and alphabet). */
function tamper(signed: string): string {
  const last = signed.length - 2
  return signed.slice(0, last) + (signed[last] === 'A' ? 'B' : 'A') + signed.slice(last + 1)
}

// --- Sanity: every contender really verifies, and refuses a tampered value ----------------------

async function sanity(): Promise<void> {
  assert.equal(signedNative, signedFallback, 'both backends sign identically')
  for (const [name, be] of [
    ['native', native],
    ['fallback', fallback],
  ] as const) {
    withBackend(be, () => {
      assert.equal(be.name, name)
      assert.equal(unsign(ssign(VALUE, keyring, OPTS), keyring, OPTS), VALUE, `${name} round trip`)
      assert.equal(unsign(ssign(VALUE, SECRET, OPTS), SECRET, OPTS), VALUE, `${name} string-secret round trip`)
      assert.equal(unsign(tamper(signedNative), keyring, OPTS), null, `${name} refuses a tampered value`)
      assert.equal(unsign(signedNative, keyring, { purpose: 'other' }), null, `${name} refuses another purpose`)
      const claims = verifyToken(signToken(PAYLOAD, keyring, TOKEN_OPTS), keyring)
      assert.equal(claims?.uid, 42, `${name} token round trip`)
      assert.equal(claims?.role, 'admin')
      assert.equal(verifyToken(tamper(signToken(PAYLOAD, keyring, TOKEN_OPTS)), keyring), null, `${name} refuses a bad token`)
    })
  }
  assert.equal(cookieSignature.unsign(signedCookie, SECRET), VALUE)
  assert.equal(cookieSignature.unsign(tamper(signedCookie), SECRET), false)
  assert.equal(keygrip.verify(VALUE, keygripDigest), true)
  assert.equal(keygrip.verify(VALUE, tamper(keygripDigest)), false)
  assert.equal(rawUnsign(signedRaw), VALUE)
  assert.equal(rawUnsign(tamper(signedRaw)), null)
  const token = await joseSign()
  assert.equal((await jwtVerify(token, joseKey)).payload.uid, 42)
  await assert.rejects(jwtVerify(tamper(token), joseKey))
  // Cross-check: jose accepts keycard tokens and keycard accepts jose tokens (same HS256 key).
  assert.equal(
    (
      await jwtVerify(
        withBackend(native, () => signToken(PAYLOAD, keyring, TOKEN_OPTS)),
        joseKey,
      )
    ).payload.uid,
    42,
  )
  assert.equal(withBackend(native, () => verifyToken(token, keyring))?.uid, 42)
  assert.equal(typeof binding.nativeVersion(), 'string')
}

// --- Benchmarks ------------------------------------------------------------------------------

const { rows, row, measure } = createRows()

const G_ROUND = 'sign + unsign'
const G_UNSIGN = 'unsign only (the per-request hot path)'
const G_TOKEN = 'signToken + verifyToken'
const G_FLOOR = 'napi call floor and breakdown (reference)'

function jsTrivial(x: number): number {
  return x + 1
}
const nativeKeys = keyring.macKeys(native, `keycard/v1/sign/${PURPOSE}`)
const fallbackKeys = keyring.macKeys(fallback, `keycard/v1/sign/${PURPOSE}`)

function register(): void {
  group(G_ROUND, () => {
    summary(() => {
      row(G_ROUND, 'keycard native', () =>
        do_not_optimize(withBackend(native, () => unsign(ssign(VALUE, keyring, OPTS), keyring, OPTS))),
      )
      row(G_ROUND, 'keycard native (string secret)', () =>
        do_not_optimize(withBackend(native, () => unsign(ssign(VALUE, SECRET, OPTS), SECRET, OPTS))),
      )
      row(G_ROUND, 'keycard fallback', () =>
        do_not_optimize(withBackend(fallback, () => unsign(ssign(VALUE, keyring, OPTS), keyring, OPTS))),
      )
      row(G_ROUND, 'cookie-signature', () => do_not_optimize(cookieSignature.unsign(cookieSignature.sign(VALUE, SECRET), SECRET)))
      row(G_ROUND, 'keygrip', () => do_not_optimize(keygrip.verify(VALUE, keygrip.sign(VALUE))))
      row(G_ROUND, 'node:crypto raw', () => do_not_optimize(rawUnsign(rawSign(VALUE))))
    })
  })

  group(G_UNSIGN, () => {
    summary(() => {
      row(G_UNSIGN, 'keycard native', () => do_not_optimize(withBackend(native, () => unsign(signedNative, keyring, OPTS))))
      row(G_UNSIGN, 'keycard native (string secret)', () =>
        do_not_optimize(withBackend(native, () => unsign(signedNative, SECRET, OPTS))),
      )
      row(G_UNSIGN, 'keycard fallback', () => do_not_optimize(withBackend(fallback, () => unsign(signedFallback, keyring, OPTS))))
      row(G_UNSIGN, 'cookie-signature', () => do_not_optimize(cookieSignature.unsign(signedCookie, SECRET)))
      row(G_UNSIGN, 'keygrip', () => do_not_optimize(keygrip.verify(VALUE, keygripDigest)))
      row(G_UNSIGN, 'node:crypto raw', () => do_not_optimize(rawUnsign(signedRaw)))
    })
  })

  group(G_TOKEN, () => {
    summary(() => {
      row(G_TOKEN, 'keycard native', () =>
        do_not_optimize(withBackend(native, () => verifyToken(signToken(PAYLOAD, keyring, TOKEN_OPTS), keyring))),
      )
      row(G_TOKEN, 'keycard fallback', () =>
        do_not_optimize(withBackend(fallback, () => verifyToken(signToken(PAYLOAD, keyring, TOKEN_OPTS), keyring))),
      )
      row(G_TOKEN, 'jose', async () => do_not_optimize(await jwtVerify(await joseSign(), joseKey)))
    })
  })

  group(G_FLOOR, () => {
    row(G_FLOOR, 'trivial JS function', () => do_not_optimize(jsTrivial(41)))
    row(G_FLOOR, 'napi nativeVersion()', () => do_not_optimize(binding.nativeVersion()))
    row(G_FLOOR, 'withBackend(native, noop)', () => do_not_optimize(withBackend(native, jsTrivial as () => number)))
    row(G_FLOOR, 'native MacKeys.verifySigned (direct)', () => do_not_optimize(nativeKeys.verifySigned(signedNative)))
    row(G_FLOOR, 'native MacKeys.tag (direct)', () => do_not_optimize(nativeKeys.tag(VALUE)))
    row(G_FLOOR, 'fallback MacKeys.verifySigned (direct)', () => do_not_optimize(fallbackKeys.verifySigned(signedNative)))
  })
}

// --- Ratio table and goals -------------------------------------------------------------------

async function main(): Promise<void> {
  await sanity()
  register()
  const get = await measure()

  const tables: [string, string][] = [
    [G_ROUND, 'cookie-signature'],
    [G_UNSIGN, 'cookie-signature'],
    [G_TOKEN, 'jose'],
  ]
  const width = Math.max(...rows.map((r) => r.name.length))
  console.log('\nRatios (avg per op; higher is better for keycard)')
  for (const [g, baseline] of tables) {
    console.log(`\n${g}  (vs ${baseline})`)
    const base = get(g, baseline)
    for (const r of rows.filter((x) => x.group === g)) {
      const ns = get(g, r.name)
      const vs = r.name === baseline ? 'baseline' : ratioText(base / ns)
      console.log(`  ${r.name.padEnd(width)}  ${fmt(ns).padStart(10)}  ${vs}`)
    }
  }
  console.log(`\n${G_FLOOR}`)
  for (const r of rows.filter((x) => x.group === G_FLOOR)) {
    console.log(`  ${r.name.padEnd(width)}  ${fmt(get(G_FLOOR, r.name)).padStart(10)}`)
  }

  const goals: { text: string; ratio: number; target: number }[] = [
    {
      text: 'native sign+unsign >= 5x cookie-signature',
      ratio: get(G_ROUND, 'cookie-signature') / get(G_ROUND, 'keycard native'),
      target: 5,
    },
    {
      text: 'native token sign+verify >= 50x jose',
      ratio: get(G_TOKEN, 'jose') / get(G_TOKEN, 'keycard native'),
      target: 50,
    },
    {
      text: 'fallback sign+unsign >= 1.0x cookie-signature',
      ratio: get(G_ROUND, 'cookie-signature') / get(G_ROUND, 'keycard fallback'),
      target: 1,
    },
    {
      text: 'fallback token sign+verify >= 20x jose',
      ratio: get(G_TOKEN, 'jose') / get(G_TOKEN, 'keycard fallback'),
      target: 20,
    },
  ]
  console.log('\nGoals (tracked, never gating)')
  for (const goal of goals) {
    const met = goal.ratio >= goal.target ? 'MET   ' : 'MISSED'
    console.log(`  ${met}  ${goal.text.padEnd(46)} measured ${goal.ratio.toFixed(2)}x`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
