/**
 * The integers that cross napi are defined once per language (src/backend/outcomes.ts and
 * crates/keycard-node/src/outcomes.rs). This holds the two tables to each other, and holds every
 * failure outcome to the one `KeycardError` code it stands for, on both backends: each is
 * provoked through the backend (the raw integer, the same on both sides) and through the public
 * API or the backend's promise (the error code), wherever an input can provoke it.
 */

import test, { type ExecutionContext } from 'ava'
import { loadNative } from '../src/backend/native/load'
import { passwordError } from '../src/backend/native/password'
import {
  type FailureName,
  KIND_BYTES,
  KIND_JSON,
  KIND_TEXT,
  OPEN_BAD_FORMAT,
  OPEN_DECRYPT,
  OPEN_EXPIRED,
  OPEN_NOT_YET_VALID,
  OPEN_UNKNOWN_KEY,
  OPEN_WRONG_PURPOSE,
  OUTCOME_CODES,
  OUTCOME_ERRORS,
  type OutcomeName,
  outcomeMismatch,
  VERIFY_BAD_FORMAT,
  VERIFY_BAD_SIGNATURE,
  VERIFY_UNKNOWN_KEY,
} from '../src/backend/outcomes'
import type { Backend } from '../src/backend/types'
import type { KeycardError } from '../src/errors'
import { Keyring, seal, unsealOrThrow, unsignOrThrow } from '../src/index'
import { failureOf } from '../src/lib/verify_result'
import { both, on, SECRET, SECRET_2, t_, testNative } from './helpers/backends'

const SECRET_BYTES = new Uint8Array(Buffer.from(SECRET))
const OTHER_BYTES = new Uint8Array(Buffer.from(SECRET_2))
const NOW = 1_700_000_000_000

/** The code of what `fn` throws or rejects with, or 'OK'. */
async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn()
    return 'OK'
  } catch (err) {
    return (err as KeycardError).code ?? String(err)
  }
}

const FAILURES = Object.keys(OUTCOME_ERRORS) as FailureName[]

testNative(t_('outcomes: the addon exports exactly the TypeScript table'), (t) => {
  const loaded = loadNative()
  if (!loaded.ok) return t.fail(loaded.error.message)
  const table = loaded.binding.outcomeCodes()
  t.deepEqual({ ...table }, { ...OUTCOME_CODES })
  t.deepEqual(outcomeMismatch(table), [])
})

test(t_('outcomes: every name is unique within its group, and every failure has an error code'), (t) => {
  const names = Object.keys(OUTCOME_CODES) as OutcomeName[]
  const group = (name: string) => name.slice(0, name.indexOf('_'))
  for (const name of names) {
    const clash = names.filter(
      (other) => other !== name && group(other) === group(name) && OUTCOME_CODES[other] === OUTCOME_CODES[name],
    )
    t.deepEqual(clash, [], `${name} shares its code within ${group(name)}`)
  }
  // Failures are negative (a success is an index >= 0, data or a boolean); kinds are the format's bytes.
  t.deepEqual(
    names.filter((name) => !name.startsWith('KIND_')),
    FAILURES,
  )
  for (const name of FAILURES) t.true(OUTCOME_CODES[name] < 0, name)
  t.deepEqual([KIND_TEXT, KIND_BYTES, KIND_JSON], [1, 2, 3])
})

test(t_('outcomes: a binary whose table differs is named stale, name by name'), (t) => {
  t.deepEqual(outcomeMismatch({ ...OUTCOME_CODES }), [])
  t.deepEqual(outcomeMismatch({ ...OUTCOME_CODES, OPEN_EXPIRED: -7 }), ['OPEN_EXPIRED'])
  const { KIND_JSON: _dropped, ...missing } = OUTCOME_CODES
  t.deepEqual(outcomeMismatch(missing), ['KIND_JSON'])
  t.deepEqual(outcomeMismatch({ ...OUTCOME_CODES, OPEN_INTERNAL: -8 }), ['OPEN_INTERNAL'])
})

/** `fn`'s result on each backend, which must be the same. */
function same<T>(t: ExecutionContext, fn: (backend: Backend) => T): T {
  const [first, ...rest] = both.map(fn)
  for (const [i, other] of rest.entries()) t.deepEqual(other, first, `${both[i + 1]?.name} differs from ${both[0]?.name}`)
  return first as T
}

test(t_('outcomes: MAC verification returns the same VERIFY_* integer on both backends'), (t) => {
  const tagOf = (b: Backend) => b.createMacKeys([SECRET_BYTES], 'keycard/v1/sign/', false).tag('v')
  const tag = same(t, tagOf)
  const wrong = `${tag.slice(0, 42)}${tag[42] === 'A' ? 'E' : 'A'}`
  const verify = (msg: string, tag: string, keyIndex = -1) =>
    same(t, (b) => b.createMacKeys([SECRET_BYTES], 'keycard/v1/sign/', false).verifyTag(msg, tag, keyIndex))
  t.is(verify('v', tag), 0)
  t.is(verify('v', wrong), VERIFY_BAD_SIGNATURE)
  t.is(verify('v', `${tag.slice(0, 42)}B`), VERIFY_BAD_FORMAT) // unused low bits set: not canonical
  t.is(verify('v', tag, 1), VERIFY_UNKNOWN_KEY)
  t.is(
    same(t, (b) => b.createMacKeys([SECRET_BYTES], 'keycard/v1/sign/', false).verifySigned('no separator')),
    VERIFY_BAD_FORMAT,
  )
})

test(t_('outcomes: sealed values open to the same OPEN_* integer, and the same kind, on both backends'), (t) => {
  const keys = (b: Backend, secret = SECRET_BYTES, kid = 'k1', purpose = 'p') => b.createSealKeys([secret], [kid], purpose)
  const nonce = new Uint8Array(12).fill(7)
  const sealed = same(t, (b) => keys(b).sealText(KIND_TEXT, 'hi', 200, 100, nonce))
  const open = (fn: (b: Backend) => ReturnType<Backend['createSealKeys']>, text: string, now: number) =>
    same(t, (b) => fn(b).open(text, now))
  t.is(open(keys, sealed, 150), `${String.fromCharCode(KIND_TEXT)}hi`)
  t.is(open(keys, '!', 150), OPEN_BAD_FORMAT)
  t.is(
    open((b) => keys(b, SECRET_BYTES, 'k2'), sealed, 150),
    OPEN_UNKNOWN_KEY,
  )
  t.is(
    open((b) => keys(b, OTHER_BYTES), sealed, 150),
    OPEN_DECRYPT,
  )
  t.is(
    open((b) => keys(b, SECRET_BYTES, 'k1', 'q'), sealed, 150),
    OPEN_WRONG_PURPOSE,
  )
  t.is(open(keys, sealed, 200), OPEN_EXPIRED)
  t.is(open(keys, sealed, 99), OPEN_NOT_YET_VALID)
  const json = same(t, (b) => keys(b).sealText(KIND_JSON, '[1]', 0, 0, nonce))
  t.is(open(keys, json, 150), `${String.fromCharCode(KIND_JSON)}[1]`)
  const bytes = same(t, (b) => keys(b).sealBytes(new Uint8Array([1, 2]), 0, 0, nonce))
  t.deepEqual(Buffer.from(open(keys, bytes, 150) as Uint8Array), Buffer.from([1, 2]))
})

test(t_('outcomes: cache kinds come back as the type they went in as, on both backends'), (t) => {
  const values = same(t, (b) => {
    const cache = b.openCache({ maxSize: 8, maxBytes: 0, ttl: 0 }, null)
    cache.set('text', KIND_TEXT, '{"a":1}', -1)
    cache.set('json', KIND_JSON, '{"a":1}', -1)
    cache.set('bytes', KIND_BYTES, new Uint8Array([1, 2]), -1)
    const bytes = cache.get('bytes')
    return [cache.get('text'), cache.get('json'), bytes instanceof Uint8Array ? [...bytes] : bytes]
  })
  t.deepEqual(values, ['{"a":1}', { a: 1 }, [1, 2]])
})

/** A signed value with a well-formed tag that is not its tag, and such a tag alone. */
const ZERO_TAG = Buffer.alloc(32).toString('base64url')
const FORGED = `v.${ZERO_TAG}`
/** The default key id of SECRET, given to another secret to get past the key lookup. */
const KID = new Keyring(SECRET).ids[0] as string
/** A cheap argon2id job (64 KiB, one pass). */
const JOB = { password: new Uint8Array([1]), salt: new Uint8Array(16), m: 64, t: 1, p: 1, tagLength: 32, pepper: null }

/** A value sealed under `secret` at NOW, valid from NOW (to the second) for one hour. */
function sealedBy(b: Backend, secret: string): string {
  return on(b, () => seal('x', secret, { now: NOW, ttl: '1h', notBefore: 0 }))
}

/**
 * For each failure, what the public API (or, for password tasks, the backend's promise) raises
 * when the input provokes it on `backend`. PASSWORD_RANDOM and PASSWORD_PANICKED cannot be
 * provoked by any input (a failed OS CSPRNG, a panic); their mapping is checked below.
 */
const SCENARIOS: Partial<Record<FailureName, (backend: Backend) => Promise<string>>> = {
  VERIFY_BAD_FORMAT: (b) => codeOf(() => on(b, () => unsignOrThrow('v.not-a-tag', SECRET))),
  VERIFY_BAD_SIGNATURE: (b) => codeOf(() => on(b, () => unsignOrThrow(FORGED, SECRET))),
  // No public call names a key index the keyring lacks: the integer, as sign.ts reads it.
  VERIFY_UNKNOWN_KEY: async (b) => failureOf(b.createMacKeys([SECRET_BYTES], null, false).verifyTag('v', ZERO_TAG, 3)).code,
  OPEN_BAD_FORMAT: (b) => codeOf(() => on(b, () => unsealOrThrow('!', SECRET))),
  OPEN_UNKNOWN_KEY: (b) => codeOf(() => on(b, () => unsealOrThrow(sealedBy(b, SECRET_2), SECRET, { now: NOW }))),
  OPEN_DECRYPT: (b) =>
    codeOf(() => on(b, () => unsealOrThrow(sealedBy(b, SECRET), new Keyring([{ id: KID, secret: SECRET_2 }]), { now: NOW }))),
  OPEN_WRONG_PURPOSE: (b) => codeOf(() => on(b, () => unsealOrThrow(sealedBy(b, SECRET), SECRET, { now: NOW, purpose: 'q' }))),
  OPEN_EXPIRED: (b) => codeOf(() => on(b, () => unsealOrThrow(sealedBy(b, SECRET), SECRET, { now: NOW + 3_600_000 }))),
  OPEN_NOT_YET_VALID: (b) => codeOf(() => on(b, () => unsealOrThrow(sealedBy(b, SECRET), SECRET, { now: NOW - 3_600_000 }))),
  PASSWORD_BAD_FORMAT: (b) => codeOf(() => b.bcryptVerify(`$2b$04$${'!'.repeat(53)}`, new Uint8Array([1]))),
  PASSWORD_PARAMS_OUT_OF_RANGE: (b) => codeOf(() => b.argon2id({ ...JOB, m: 2 ** 21 + 1 })), // above the 2 GiB ceiling: refused before any allocation
  PASSWORD_ABORTED: (b) => codeOf(() => b.argon2id(JOB, AbortSignal.abort())),
}

test(t_('outcomes: every failure is the same KeycardError code on both backends, the one OUTCOME_ERRORS names'), async (t) => {
  t.deepEqual(
    FAILURES.filter((name) => SCENARIOS[name] === undefined),
    ['PASSWORD_RANDOM', 'PASSWORD_PANICKED'],
  )
  for (const name of FAILURES) {
    const scenario = SCENARIOS[name]
    if (!scenario) continue
    for (const b of both) t.is(await scenario(b), OUTCOME_ERRORS[name], `${name} on ${b.name}`)
  }
})

test(t_('outcomes: each VERIFY_* and PASSWORD_* integer maps to its OUTCOME_ERRORS code'), (t) => {
  for (const name of FAILURES) {
    const code = OUTCOME_CODES[name]
    if (name.startsWith('VERIFY_')) t.is(failureOf(code).code, OUTCOME_ERRORS[name], name)
    if (name.startsWith('PASSWORD_')) t.is(passwordError(code).code, OUTCOME_ERRORS[name], name)
  }
  // A code no table lists is an internal error, never mistaken for a known failure.
  t.is(failureOf(-50).code, 'ERR_INTERNAL')
  t.is(passwordError(-50).code, 'ERR_INTERNAL')
})
