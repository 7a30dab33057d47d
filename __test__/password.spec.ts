/**
 * Password hashing through the public API on the backend under test (KEYCARD_BACKEND), plus
 * known-answer vectors (__test__/vectors/argon2id.json: RFC 9106 §5.3 and phc-winner-argon2's
 * test.c) and cross-backend tags computed by both backends directly.
 */
import { getEventListeners } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import bcrypt from 'bcryptjs'
import { activeBackend } from '../src/backend'
import type { Argon2Job, Backend } from '../src/backend/types'
import { AbortError, hashPassword, KeycardError, needsRehash, PRESETS, verifyAndRehash, verifyPassword } from '../src/index'
import { hashPasswordWithSalt } from '../src/password'
import { fallback, native, on, t_, testNative } from './helpers/backends'

interface RawVector {
  mKiB: number
  t: number
  p: number
  tagLength: number
  passwordHex: string
  saltHex: string
  secretHex: string
  adHex: string
  tagHex: string
}

interface PhcVector {
  tcId: number
  t: number
  mKiB: number
  p: number
  passwordUtf8: string
  saltUtf8: string
  tagLength: number
  tagHex: string
  phc: string
}

const vectors = JSON.parse(readFileSync(join(__dirname, 'vectors', 'argon2id.json'), 'utf8')) as {
  rfc9106: RawVector
  refKatV16: RawVector
  phcStrings: PhcVector[]
}

/**
 * The native core's synchronous test-only argon2id with associated data (crates/keycard-node),
 * loaded on first use so this file loads without the addon (tests using it are `testNative`).
 */
const argon2idRaw = (
  ...args: [
    password: Uint8Array,
    salt: Uint8Array,
    secret: Uint8Array,
    ad: Uint8Array,
    m: number,
    t: number,
    p: number,
    tagLen: number,
  ]
): Buffer => require('../native.cjs').__argon2idRawForTests(...args)

const hex = (s: string) => Buffer.from(s, 'hex')
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '')

/** Cheap parameters for tests that are not about the default cost. */
const CHEAP = { memoryKiB: 1024, passes: 1 } as const

const DEFAULT_PHC = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/

/** The salt and tag of a PHC string, decoded. */
function fieldsOf(phc: string): { params: string; salt: Buffer; tag: Buffer } {
  const fields = phc.split('$')
  return {
    params: fields[3] as string,
    salt: Buffer.from(fields[4] as string, 'base64'),
    tag: Buffer.from(fields[5] as string, 'base64'),
  }
}

/** A well-formed PHC string with fixed salt and tag bytes (for needsRehash, which never hashes). */
function phc(m: number, t: number, p: number, saltLength = 16, tagLength = 32): string {
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(Buffer.alloc(saltLength, 0x5a))}$${b64(Buffer.alloc(tagLength, 0xa5))}`
}

// --- format and verification ---------------------------------------------------------------------

test(t_('password: the default hash is an owasp argon2id v=19 PHC string that verifies'), async (t) => {
  const stored = await hashPassword('correct horse battery staple')
  t.regex(stored, DEFAULT_PHC)
  const { salt, tag } = fieldsOf(stored)
  t.is(salt.length, 16)
  t.is(tag.length, 32)
  t.true(await verifyPassword(stored, 'correct horse battery staple'))
  t.false(await verifyPassword(stored, 'correct horse battery stapl'))
  t.false(await verifyPassword(stored, 'Correct horse battery staple'))
  t.false(needsRehash(stored))
})

// RFC 9106 §3.1 allows a password of 0 bytes; a login form posting an empty field must get `false`.
test(t_('password: an empty password is refused at hashing and never matches at verification'), async (t) => {
  // Policy, the same on both backends: hash-wasm (the fallback's argon2) cannot hash an empty
  // input, and an empty password is a caller bug, not a credential.
  await t.throwsAsync(hashPassword('', CHEAP), { code: 'ERR_INVALID_ARGUMENT' })
  await t.throwsAsync(hashPassword(new Uint8Array(0), CHEAP), { code: 'ERR_INVALID_ARGUMENT' })
  t.false(await verifyPassword(await hashPassword('not empty', CHEAP), ''))
  t.false(await verifyPassword(await hashPassword('not empty', CHEAP), new Uint8Array(0)))
})

test(t_('password: a password is its UTF-8 bytes (string or Uint8Array), without normalisation'), async (t) => {
  const stored = await hashPassword('pässwörd \u{1f511}', CHEAP)
  t.true(await verifyPassword(stored, 'pässwörd \u{1f511}'))
  t.true(await verifyPassword(stored, Buffer.from('pässwörd \u{1f511}', 'utf8')))
  t.true(await verifyPassword(stored, new Uint8Array(Buffer.from('pässwörd \u{1f511}', 'utf8'))))
  // NFD spells ä as a + U+0308: other bytes, another password.
  t.false(await verifyPassword(stored, 'pässwörd \u{1f511}'.normalize('NFD')))
  t.false(await verifyPassword(stored, Buffer.from('pässwörd \u{1f511}', 'latin1')))
})

test(t_('password: every hash gets a fresh salt'), async (t) => {
  const hashes = await Promise.all([1, 2, 3, 4].map(() => hashPassword('same password', CHEAP)))
  const salts = new Set(hashes.map((h) => fieldsOf(h).salt.toString('hex')))
  const tags = new Set(hashes.map((h) => fieldsOf(h).tag.toString('hex')))
  t.is(salts.size, 4)
  t.is(tags.size, 4)
  for (const h of hashes) {
    t.true(h.startsWith('$argon2id$v=19$m=1024,t=1,p=1$'))
    t.true(await verifyPassword(h, 'same password'))
  }
})

test(t_('password: PRESETS are the documented, frozen values'), (t) => {
  t.deepEqual(
    { ...PRESETS },
    {
      owasp: { m: 19_456, t: 2, p: 1, saltLength: 16, tagLength: 32 },
      moderate: { m: 65_536, t: 3, p: 4, saltLength: 16, tagLength: 32 },
      sensitive: { m: 65_536, t: 6, p: 4, saltLength: 16, tagLength: 32 },
    },
  )
  t.true(Object.isFrozen(PRESETS))
  t.true(Object.isFrozen(PRESETS.owasp))
})

test(t_('password: the moderate preset is written into the PHC string and verifies'), async (t) => {
  const stored = await hashPassword('moderate', { preset: 'moderate' })
  t.regex(stored, /^\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
  t.true(await verifyPassword(stored, 'moderate'))
  t.false(needsRehash(stored, { preset: 'moderate' }))
  t.false(needsRehash(stored))
})

test(t_('password: explicit fields win over the preset and appear in the PHC string'), async (t) => {
  const sensitive = await hashPassword('pw', { preset: 'sensitive', memoryKiB: 256 })
  t.true(sensitive.startsWith('$argon2id$v=19$m=256,t=6,p=4$'))
  t.true(await verifyPassword(sensitive, 'pw'))

  const explicit = await hashPassword('pw', { memoryKiB: 2048, passes: 3, lanes: 2, saltLength: 24, tagLength: 48 })
  t.regex(explicit, /^\$argon2id\$v=19\$m=2048,t=3,p=2\$[A-Za-z0-9+/]{32}\$[A-Za-z0-9+/]{64}$/)
  t.is(fieldsOf(explicit).salt.length, 24)
  t.is(fieldsOf(explicit).tag.length, 48)
  t.true(await verifyPassword(explicit, 'pw'))
  t.false(await verifyPassword(explicit, 'pW'))

  const smallest = await hashPassword('pw', { memoryKiB: 8, passes: 1, lanes: 1, saltLength: 8, tagLength: 16 })
  t.regex(smallest, /^\$argon2id\$v=19\$m=8,t=1,p=1\$[A-Za-z0-9+/]{11}\$[A-Za-z0-9+/]{22}$/)
  t.true(await verifyPassword(smallest, 'pw'))

  const largest = await hashPassword('pw', { ...CHEAP, saltLength: 64, tagLength: 64 })
  t.regex(largest, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{86}\$[A-Za-z0-9+/]{86}$/)
  t.true(await verifyPassword(largest, 'pw'))
})

// --- pepper ------------------------------------------------------------------------------------

test(t_('password: a peppered hash verifies only with the same pepper'), async (t) => {
  const stored = await hashPassword('pw', { ...CHEAP, pepper: 'pepper-one' })
  t.true(await verifyPassword(stored, 'pw', { pepper: 'pepper-one' }))
  t.true(await verifyPassword(stored, 'pw', { pepper: Buffer.from('pepper-one') }))
  t.false(await verifyPassword(stored, 'pw'))
  t.false(await verifyPassword(stored, 'pw', { pepper: 'pepper-two' }))
  t.false(await verifyPassword(stored, 'wrong', { pepper: 'pepper-one' }))
  // The pepper is not written into the string.
  t.false(stored.includes(b64(Buffer.from('pepper-one'))))

  const plain = await hashPassword('pw', CHEAP)
  t.true(await verifyPassword(plain, 'pw'))
  t.false(await verifyPassword(plain, 'pw', { pepper: 'pepper-one' }))
})

testNative(t_("password: the pepper is argon2's secret input K (checked against the native core's raw argon2id)"), async (t) => {
  const salt = Buffer.alloc(16, 0x42)
  const pepper = Buffer.from('a server-side pepper')
  const stored = await hashPasswordWithSalt('pw', salt, { ...CHEAP, pepper })
  const expected = argon2idRaw(Buffer.from('pw'), salt, pepper, Buffer.alloc(0), 1024, 1, 1, 32)
  t.is(stored, `$argon2id$v=19$m=1024,t=1,p=1$${b64(salt)}$${b64(expected)}`)
  // An empty pepper is no pepper.
  const none = argon2idRaw(Buffer.from('pw'), salt, Buffer.alloc(0), Buffer.alloc(0), 1024, 1, 1, 32)
  t.is(
    await hashPasswordWithSalt('pw', salt, { ...CHEAP, pepper: '' }),
    `$argon2id$v=19$m=1024,t=1,p=1$${b64(salt)}$${b64(none)}`,
  )
})

// Serial: it sets process.env, which the concurrent tests of this file read (ava runs serial tests first).
test.serial(t_('password: KEYCARD_PASSWORD_PEPPER is the default pepper; the option overrides it'), async (t) => {
  const previous = process.env.KEYCARD_PASSWORD_PEPPER
  try {
    process.env.KEYCARD_PASSWORD_PEPPER = 'env-pepper'
    const stored = await hashPassword('pw', CHEAP)
    t.true(await verifyPassword(stored, 'pw'))
    t.true(await verifyPassword(stored, 'pw', { pepper: 'env-pepper' }))
    t.false(await verifyPassword(stored, 'pw', { pepper: 'other-pepper' }))
    const salt = Buffer.alloc(16, 1)
    t.is(
      await hashPasswordWithSalt('pw', salt, CHEAP),
      await hashPasswordWithSalt('pw', salt, { ...CHEAP, pepper: 'env-pepper' }),
    )

    delete process.env.KEYCARD_PASSWORD_PEPPER
    t.false(await verifyPassword(stored, 'pw'))
    t.true(await verifyPassword(stored, 'pw', { pepper: 'env-pepper' }))

    // An empty variable is no pepper.
    process.env.KEYCARD_PASSWORD_PEPPER = ''
    t.false(await verifyPassword(stored, 'pw'))
    const plain = await hashPassword('pw', CHEAP)
    delete process.env.KEYCARD_PASSWORD_PEPPER
    t.true(await verifyPassword(plain, 'pw'))
  } finally {
    if (previous === undefined) delete process.env.KEYCARD_PASSWORD_PEPPER
    else process.env.KEYCARD_PASSWORD_PEPPER = previous
  }
})

// --- needsRehash and verifyAndRehash -------------------------------------------------------------

test(t_('password: needsRehash is false at the current parameters or above, true below'), (t) => {
  t.false(needsRehash(phc(19_456, 2, 1)))
  t.false(needsRehash(phc(65_536, 3, 4)))
  t.false(needsRehash(phc(19_456, 3, 1)))
  t.false(needsRehash(phc(19_456, 2, 1, 32, 64)))
  t.true(needsRehash(phc(19_455, 2, 1)))
  t.true(needsRehash(phc(19_456, 1, 1)))
  t.true(needsRehash(phc(1024, 1, 1)))
  t.true(needsRehash(phc(19_456, 2, 1, 8, 32)), 'salt shorter than 16 bytes')
  t.true(needsRehash(phc(19_456, 2, 1, 16, 16)), 'tag shorter than 32 bytes')
  // Against other options.
  t.false(needsRehash(phc(1024, 1, 1), CHEAP))
  t.true(needsRehash(phc(1024, 1, 1), { ...CHEAP, passes: 2 }))
  t.true(needsRehash(phc(19_456, 2, 1), { preset: 'moderate' }))
  t.false(needsRehash(phc(65_536, 3, 1), { preset: 'moderate' }))
  t.true(needsRehash(phc(65_536, 3, 4), { preset: 'sensitive' }))
  t.true(needsRehash(phc(19_456, 2, 1), { tagLength: 64 }))
  t.true(needsRehash(phc(19_456, 2, 1), { saltLength: 32 }))
  // The vectors' 8-byte salts are below keycard's 16.
  t.true(needsRehash((vectors.phcStrings[0] as PhcVector).phc))
})

test(t_('password: needsRehash is true for any bcrypt hash'), (t) => {
  // 22 salt characters ending in 'e' and 31 digest characters ending in 'G': canonical, i.e. the
  // unused low bits of both last characters are zero.
  const body = `${'abcdefghijklmnopqrstue'}${'./ABCDEFGHIJKLMNOPQRSTUVWXYZ01G'}`
  t.is(body.length, 53)
  for (const prefix of ['$2a$04$', '$2b$10$', '$2y$14$']) t.true(needsRehash(prefix + body), prefix)
})

test(t_('password: verifyAndRehash with a wrong password is { valid: false, rehashed: null }'), async (t) => {
  const stored = await hashPassword('right', CHEAP)
  t.deepEqual(await verifyAndRehash(stored, 'wrong', { memoryKiB: 2048, passes: 2 }), { valid: false, rehashed: null })
  t.deepEqual(await verifyAndRehash(stored, 'wrong', CHEAP), { valid: false, rehashed: null })
})

test(t_('password: verifyAndRehash upgrades a hash below the current parameters'), async (t) => {
  const stored = await hashPassword('right', CHEAP)
  const target = { memoryKiB: 2048, passes: 2 }
  const { valid, rehashed } = await verifyAndRehash(stored, 'right', target)
  t.true(valid)
  if (rehashed === null) return t.fail('expected a new hash')
  t.regex(rehashed, /^\$argon2id\$v=19\$m=2048,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
  t.not(fieldsOf(rehashed).salt.toString('hex'), fieldsOf(stored).salt.toString('hex'))
  t.true(await verifyPassword(rehashed, 'right'))
  t.false(await verifyPassword(rehashed, 'wrong'))
  t.false(needsRehash(rehashed, target))
  t.deepEqual(await verifyAndRehash(rehashed, 'right', target), { valid: true, rehashed: null })
})

test(t_('password: verifyAndRehash with default options upgrades to the owasp preset'), async (t) => {
  const stored = await hashPassword('right', CHEAP)
  const { valid, rehashed } = await verifyAndRehash(stored, 'right')
  t.true(valid)
  t.regex(rehashed ?? '', DEFAULT_PHC)
  t.true(await verifyPassword(rehashed ?? '', 'right'))
})

test(t_('password: verifyAndRehash at the current parameters returns rehashed: null'), async (t) => {
  const stored = await hashPassword('right', CHEAP)
  t.deepEqual(await verifyAndRehash(stored, 'right', CHEAP), { valid: true, rehashed: null })
  // Higher than the target is not downgraded.
  const higher = await hashPassword('right', { memoryKiB: 2048, passes: 2 })
  t.deepEqual(await verifyAndRehash(higher, 'right', CHEAP), { valid: true, rehashed: null })
})

test(t_('password: verifyAndRehash keeps the pepper for the new hash'), async (t) => {
  const stored = await hashPassword('right', { ...CHEAP, pepper: 'p' })
  const { valid, rehashed } = await verifyAndRehash(stored, 'right', { memoryKiB: 2048, passes: 1, pepper: 'p' })
  t.true(valid)
  t.true(await verifyPassword(rehashed ?? '', 'right', { pepper: 'p' }))
  t.false(await verifyPassword(rehashed ?? '', 'right'))
})

// --- unknown users -------------------------------------------------------------------------------

/** The backend under test, with the argon2id jobs and comparisons of password calls recorded. */
function recording(): { backend: Backend; jobs: Argon2Job[]; compared: number[] } {
  const base = activeBackend()
  const jobs: Argon2Job[] = []
  const compared: number[] = []
  const backend: Backend = {
    ...base,
    argon2id(job, signal) {
      jobs.push(job)
      return base.argon2id(job, signal)
    },
    timingSafeEqual(a, b) {
      compared.push(a.length)
      return base.timingSafeEqual(a, b)
    },
  }
  return { backend, jobs, compared }
}

testNative(t_('password: an unknown user (null or undefined stored hash) is false on both backends'), async (t) => {
  for (const backend of [native, fallback]) {
    for (const stored of [null, undefined]) {
      t.false(await on(backend, () => verifyPassword(stored, 'correct horse battery staple')), `${backend.name}: ${stored}`)
      t.deepEqual(await on(backend, () => verifyAndRehash(stored, 'pw')), { valid: false, rehashed: null })
    }
  }
})

// No timing threshold: the proof is that the same argon2id job reaches the backend as for a real
// user at the default cost (the password, a 16-byte salt, owasp parameters, the pepper), and that
// its tag is compared like a real one. Answering false early would record nothing.
test(t_('password: an unknown user costs a real argon2id at the parameters hashes are made with'), async (t) => {
  const real = recording()
  const stored = await hashPassword('the password')
  t.true(await on(real.backend, () => verifyPassword(stored, 'the password')))
  const unknown = recording()
  t.false(await on(unknown.backend, () => verifyPassword(null, 'the password')))
  t.false(await on(unknown.backend, () => verifyPassword(undefined, 'the password')))
  const shape = (job: Argon2Job) => ({
    m: job.m,
    t: job.t,
    p: job.p,
    tagLength: job.tagLength,
    saltLength: job.salt.length,
    password: Buffer.from(job.password).toString(),
    pepper: job.pepper,
  })
  t.is(real.jobs.length, 1)
  t.is(unknown.jobs.length, 2)
  const [first, second] = unknown.jobs as [Argon2Job, Argon2Job]
  t.deepEqual(shape(first), shape(real.jobs[0] as Argon2Job))
  t.deepEqual(shape(second), shape(real.jobs[0] as Argon2Job))
  t.deepEqual(unknown.compared, [32, 32])
  // One dummy per process: the same salt each time (a fresh random one would cost nothing, but
  // the dummy is meant to be a fixed stored hash).
  t.deepEqual(Buffer.from(first.salt), Buffer.from(second.salt))
  // The caller's options decide the cost, as they do for new hashes; the pepper is used too.
  const moderate = recording()
  t.false(await on(moderate.backend, () => verifyPassword(null, 'pw', { preset: 'moderate', pepper: 'pepper' })))
  const job = moderate.jobs[0] as Argon2Job
  t.deepEqual([job.m, job.t, job.p], [65_536, 3, 4])
  t.deepEqual(Buffer.from(job.pepper ?? []).toString(), 'pepper')
  // verifyAndRehash does the same work, and returns nothing to store.
  const rehash = recording()
  t.deepEqual(await on(rehash.backend, () => verifyAndRehash(null, 'the password')), { valid: false, rehashed: null })
  t.deepEqual(rehash.jobs.map(shape), real.jobs.map(shape))
})

test(t_('password: an unknown user gets the errors a known one would'), async (t) => {
  const stored = await hashPassword('pw', CHEAP)
  const cases: [string, string | Uint8Array, object | undefined, string][] = [
    ['a 1 MB password', 'x'.repeat(1 << 20), undefined, 'ERR_PARAMS_OUT_OF_RANGE'],
    ['a lone surrogate', '\uD800', undefined, 'ERR_INVALID_ARGUMENT'],
    ['a password that is not a string', 42 as unknown as string, undefined, 'ERR_INVALID_ARGUMENT'],
    ['an unknown preset', 'pw', { preset: 'fast' }, 'ERR_INVALID_ARGUMENT'],
    ['a bad limit', 'pw', { limits: { maxMemoryKiB: -1 } }, 'ERR_INVALID_ARGUMENT'],
    ['a fake signal', 'pw', { signal: {} }, 'ERR_INVALID_ARGUMENT'],
  ]
  for (const [label, password, options, code] of cases) {
    await t.throwsAsync(verifyPassword(stored, password, options as never), { code: code as never }, `known: ${label}`)
    await t.throwsAsync(verifyPassword(null, password, options as never), { code: code as never }, `unknown: ${label}`)
  }
  // An empty password is false for both, without hashing for either.
  t.false(await verifyPassword(stored, ''))
  t.false(await verifyPassword(null, ''))
})

// --- AbortSignal ---------------------------------------------------------------------------------

test(t_('password: an already-aborted signal rejects with ERR_ABORTED'), async (t) => {
  const signal = AbortSignal.abort()
  const stored = await hashPassword('pw', CHEAP)
  const expected = { code: 'ERR_ABORTED', instanceOf: AbortError } as const
  await t.throwsAsync(hashPassword('pw', { ...CHEAP, signal }), expected)
  await t.throwsAsync(verifyPassword(stored, 'pw', { signal }), expected)
  await t.throwsAsync(verifyAndRehash(stored, 'pw', { ...CHEAP, signal }), expected)
  await t.throwsAsync(verifyPassword(`$2b$04$${'a'.repeat(21)}e${'a'.repeat(30)}G`, 'pw', { signal }), expected)
  // The error is a KeycardError like every other.
  const err = await t.throwsAsync(hashPassword('pw', { ...CHEAP, signal }))
  t.true(err instanceof KeycardError)
})

// Serial, so the pools hold only this batch: the signalled hashes queue behind the plain ones.
test.serial(t_('password: aborting during a batch rejects the signalled hashes with ERR_ABORTED'), async (t) => {
  const options = { memoryKiB: 16_384, passes: 2 }
  const controller = new AbortController()
  const plain = [1, 2, 3, 4].map(() => hashPassword('batch', options))
  const signalled = [1, 2, 3, 4, 5, 6, 7, 8].map(() => hashPassword('batch', { ...options, signal: controller.signal }))
  // One turn of the event loop: the batch is on the pool, none of it done (each hash takes >10 ms).
  await new Promise((resolve) => setImmediate(resolve))
  controller.abort()
  const settled = await Promise.allSettled(signalled)
  for (const [i, outcome] of settled.entries()) {
    t.is(outcome.status, 'rejected', `signalled ${i}`)
    if (outcome.status === 'rejected') {
      t.is((outcome.reason as KeycardError).code, 'ERR_ABORTED', `signalled ${i}`)
      t.true(outcome.reason instanceof AbortError)
    }
  }
  // The plain ones were not affected, and the pool still works afterwards.
  for (const stored of await Promise.all(plain)) t.true(await verifyPassword(stored, 'batch'))
  t.true(await verifyPassword(await hashPassword('after', CHEAP), 'after'))
})

// A server passes one long-lived signal (e.g. its shutdown signal) to every hash: finished
// operations must not leave their abort listeners on it.
test(t_('password: finished operations leave no abort listeners on a long-lived signal'), async (t) => {
  const controller = new AbortController()
  const stored = await hashPassword('pw', { memoryKiB: 64, passes: 1 })
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await hashPassword('pw', { memoryKiB: 64, passes: 1, signal: controller.signal })
      t.true(await verifyPassword(stored, 'pw', { signal: controller.signal }))
    }
    return getEventListeners(controller.signal, 'abort').length
  }
  const after5 = await run(5)
  const after25 = await run(20)
  t.is(after25, after5, `${after5} listeners after 10 operations, ${after25} after 50`)
})

// napi-rs assigns `onabort` on the signal a task is given: the caller's own handler was replaced.
test(t_("password: a caller's onabort handler on its signal is left in place"), async (t) => {
  const controller = new AbortController()
  let fired = 0
  const handler = () => fired++
  controller.signal.onabort = handler
  const stored = await hashPassword('pw', { ...CHEAP, signal: controller.signal })
  t.true(await verifyPassword(stored, 'pw', { signal: controller.signal }))
  t.true(await verifyPassword(bcrypt.hashSync('pw', 4), 'pw', { signal: controller.signal }))
  t.is(controller.signal.onabort, handler)
  controller.abort()
  t.is(fired, 1)
})

// --- the event loop ------------------------------------------------------------------------------

test(t_('password: timers keep firing while eight hashes run'), async (t) => {
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  try {
    const hashes = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) => hashPassword(`pw-${i}`)))
    t.is(new Set(hashes).size, 8)
    for (const h of hashes) t.regex(h, DEFAULT_PHC)
  } finally {
    clearInterval(timer)
  }
  // Hashing on the JS thread would let the interval fire at most once after the batch.
  t.true(ticks > 5, `${ticks} ticks`)
})

// --- known-answer vectors ------------------------------------------------------------------------

testNative(t_('password: RFC 9106 §5.3 argon2id vector through the native core (secret and associated data)'), (t) => {
  const v = vectors.rfc9106
  const tag = argon2idRaw(hex(v.passwordHex), hex(v.saltHex), hex(v.secretHex), hex(v.adHex), v.mKiB, v.t, v.p, v.tagLength)
  t.is(tag.toString('hex'), v.tagHex)
  t.is(tag.toString('hex'), '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659')
  // The raw hook is v=19: it does not produce the v=16 known answer for the same inputs.
  const k = vectors.refKatV16
  const v19 = argon2idRaw(hex(k.passwordHex), hex(k.saltHex), hex(k.secretHex), hex(k.adHex), k.mKiB, k.t, k.p, k.tagLength)
  t.not(v19.toString('hex'), k.tagHex)
})

// keycard (and hash-wasm, the fallback's argon2) has no associated data, so the RFC tag itself
// cannot be reached through the API or the fallback. What can be checked: the same inputs without
// the associated data, pepper = the RFC's secret, give the native core's raw tag on the backend
// under test and on both backends directly.
testNative(t_('password: RFC 9106 §5.3 inputs without associated data match the native raw core'), async (t) => {
  const v = vectors.rfc9106
  const password = hex(v.passwordHex)
  const salt = hex(v.saltHex)
  const secret = hex(v.secretHex)
  const expected = argon2idRaw(password, salt, secret, Buffer.alloc(0), v.mKiB, v.t, v.p, v.tagLength)
  t.not(expected.toString('hex'), v.tagHex)
  const stored = await hashPasswordWithSalt(password, salt, {
    memoryKiB: v.mKiB,
    passes: v.t,
    lanes: v.p,
    saltLength: 16,
    tagLength: v.tagLength,
    pepper: secret,
  })
  t.is(stored, `$argon2id$v=19$m=32,t=3,p=4$${b64(salt)}$${b64(expected)}`)
  t.true(await verifyPassword(stored, password, { pepper: secret }))
  for (const be of [native, fallback]) {
    const job = { password, salt, m: v.mKiB, t: v.t, p: v.p, tagLength: v.tagLength, pepper: secret }
    t.is(Buffer.from(await be.argon2id(job)).toString('hex'), expected.toString('hex'), be.name)
  }
})

for (const v of vectors.phcStrings) {
  const name = `password: test.c vector ${v.tcId} (m=${v.mKiB}, t=${v.t}, p=${v.p}) verifies`
  test(t_(name), async (t) => {
    t.is(fieldsOf(v.phc).tag.toString('hex'), v.tagHex)
    t.is(fieldsOf(v.phc).salt.toString('utf8'), v.saltUtf8)
    t.true(await verifyPassword(v.phc, v.passwordUtf8))
    if (v.mKiB <= 65_536) {
      // Same salt, same parameters: keycard writes the reference PHC string byte for byte.
      const options = { memoryKiB: v.mKiB, passes: v.t, lanes: v.p, saltLength: 8, tagLength: v.tagLength }
      t.is(await hashPasswordWithSalt(v.passwordUtf8, Buffer.from(v.saltUtf8), options), v.phc)
    }
    if (v.mKiB <= 256 || v.tcId === 1) {
      // A mismatched password is false, not a throw (docs/SECURITY.md item 17).
      t.false(await verifyPassword(v.phc, `${v.passwordUtf8}!`))
      t.false(await verifyPassword(v.phc, v.passwordUtf8.slice(0, -1)))
    }
  })
}

test(t_('password: 8 test.c PHC vectors are present, one of them at 256 MiB'), (t) => {
  t.is(vectors.phcStrings.length, 8)
  t.deepEqual(
    vectors.phcStrings.map((v) => v.mKiB),
    [65_536, 262_144, 256, 256, 65_536, 65_536, 65_536, 65_536],
  )
})

// --- cross-backend -------------------------------------------------------------------------------

testNative(t_('password: native and fallback argon2id give identical tags for the same job'), async (t) => {
  const base: Argon2Job = {
    password: Buffer.from('password'),
    salt: Buffer.from('somesalt'),
    m: 256,
    t: 2,
    p: 1,
    tagLength: 32,
    pepper: null,
  }
  const jobs: [string, Argon2Job, string | null][] = [
    ['test.c vector 3', base, (vectors.phcStrings[2] as PhcVector).tagHex],
    ['test.c vector 4', { ...base, p: 2 }, (vectors.phcStrings[3] as PhcVector).tagHex],
    ['pepper', { ...base, pepper: Buffer.from('pepper') }, null],
    ['empty pepper', { ...base, pepper: new Uint8Array(0) }, (vectors.phcStrings[2] as PhcVector).tagHex],
    ['16-byte tag', { ...base, tagLength: 16 }, null],
    ['64-byte tag, 64-byte salt', { ...base, tagLength: 64, salt: Buffer.alloc(64, 0xee) }, null],
    ['m not a multiple of 4p', { ...base, m: 1001, t: 2, p: 3 }, null],
    ['16 lanes at the minimum memory', { ...base, m: 128, t: 1, p: 16 }, null],
    ['255 lanes', { ...base, m: 2040, t: 1, p: 255 }, null],
    ['4 passes', { ...base, t: 4 }, null],
    // No empty password: the public API refuses it before any backend sees it (hash-wasm cannot hash one).
    ['4096-byte password', { ...base, password: Buffer.alloc(4096, 0x61) }, null],
    ['non-UTF-8 password bytes', { ...base, password: Buffer.from([0xff, 0xfe, 0x00, 0xc3]) }, null],
    ['unicode password', { ...base, password: Buffer.from('пароль \u{1f511}') }, null],
  ]
  // Each outcome is the tag in hex, or the error code, so one failing job does not hide the others.
  const outcome = (be: typeof native, job: Argon2Job) =>
    be.argon2id(job).then(
      (tag) => Buffer.from(tag).toString('hex'),
      (err: KeycardError) => `${err.code}: ${err.message}`,
    )
  for (const [name, job, expected] of jobs) {
    const a = await outcome(native, job)
    const b = await outcome(fallback, job)
    t.regex(a, new RegExp(`^[0-9a-f]{${job.tagLength * 2}}$`), `native, ${name}`)
    t.is(b, a, `fallback vs native, ${name}`)
    if (expected !== null) t.is(a, expected, name)
  }
})

testNative(t_('password: the same password, salt and options give the same PHC string on both backends'), async (t) => {
  const salt = Buffer.from('0123456789abcdef')
  const job: Argon2Job = { password: Buffer.from('hunter2'), salt, m: 1024, t: 2, p: 2, tagLength: 32, pepper: null }
  const nativeTag = await native.argon2id(job)
  t.deepEqual(Buffer.from(await fallback.argon2id(job)), Buffer.from(nativeTag))
  const expected = `$argon2id$v=19$m=1024,t=2,p=2$${b64(salt)}$${b64(nativeTag)}`
  t.is(await hashPasswordWithSalt('hunter2', salt, { memoryKiB: 1024, passes: 2, lanes: 2 }), expected)
  t.true(await verifyPassword(expected, 'hunter2'))
})
