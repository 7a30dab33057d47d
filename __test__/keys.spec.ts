import test from 'ava'
import type { Backend } from '../src/backend/types'
import {
  createCsrfToken,
  KeyError,
  Keyring,
  seal,
  sign,
  signToken,
  unseal,
  unsealOrThrow,
  unsign,
  unsignOrThrow,
  verifyCsrfToken,
  verifyToken,
  verifyTokenOrThrow,
} from '../src/index'
import { defaultKeyring, MAX_DERIVED_KEY_SETS, resolveKeyring } from '../src/keys'
import { both, fallback, native, on, SECRET, SECRET_2, SECRET_BYTES, t_, testNative } from './helpers/backends'

/** Runs `fn` with env vars replaced, restoring them afterwards (tests here are synchronous). */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  try {
    return fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

const NO_DEFAULTS = { KEYCARD_SECRET: undefined, KEYCARD_ALLOW_INSECURE_KEY: undefined, NODE_ENV: undefined }

test(t_('keys: secrets under 32 bytes are refused, 32 bytes accepted'), (t) => {
  t.throws(() => new Keyring('x'.repeat(31)), { code: 'ERR_KEY_TOO_SHORT', instanceOf: KeyError })
  t.throws(() => new Keyring(new Uint8Array(31)), { code: 'ERR_KEY_TOO_SHORT' })
  // Length counts UTF-8 bytes: 16 two-byte characters are 32 bytes.
  t.notThrows(() => new Keyring('éàüöçñøåßæœêîôûë'))
  t.notThrows(() => new Keyring('x'.repeat(32), { allowWeakKey: true })) // about length, not strength
  t.notThrows(() => new Keyring('é'.repeat(16), { allowWeakKey: true }))
  t.throws(() => new Keyring([SECRET, 'short']), { code: 'ERR_KEY_TOO_SHORT' })
  t.throws(() => new Keyring([]), { code: 'ERR_NO_SECRET' })
  t.throws(() => new Keyring(42 as unknown as string), { code: 'ERR_INVALID_ARGUMENT' })
})

testNative(t_('keys: key ids are derived from the secret, stable and equal on both backends'), (t) => {
  const a = new Keyring([SECRET, SECRET_2])
  t.is(a.ids.length, 2)
  for (const id of a.ids) t.regex(id, /^[A-Za-z0-9_-]{8}$/)
  t.not(a.ids[0], a.ids[1])
  t.deepEqual(new Keyring([SECRET, SECRET_2]).ids, a.ids)
  t.is(native.keyId(Buffer.from(SECRET)), fallback.keyId(Buffer.from(SECRET)))
  t.deepEqual(
    on(native, () => new Keyring(SECRET_BYTES).ids),
    on(fallback, () => new Keyring(SECRET_BYTES).ids),
  )
  t.true(Object.isFrozen(a.ids))
})

test(t_('keys: explicit ids, lookup, and invalid or duplicate ids'), (t) => {
  const keyring = new Keyring([
    { id: 'current', secret: SECRET },
    { id: 'previous', secret: SECRET_2 },
  ])
  t.deepEqual([...keyring.ids], ['current', 'previous'])
  t.is(keyring.indexOf('previous'), 1)
  t.is(keyring.indexOf('nope'), -1)
  t.throws(() => new Keyring([{ id: '../etc/passwd', secret: SECRET }]), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => new Keyring([{ id: '', secret: SECRET }]), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(
    () =>
      new Keyring([
        { id: 'same', secret: SECRET },
        { id: 'same', secret: SECRET_2 },
      ]),
    { code: 'ERR_INVALID_ARGUMENT' },
  )
})

test(t_('keys: derived per purpose, so one secret never signs two purposes with the same bytes'), (t) => {
  for (const be of both) {
    const a = be.createMacKeys([Buffer.from(SECRET)], 'keycard/v1/sign/a', false)
    const b = be.createMacKeys([Buffer.from(SECRET)], 'keycard/v1/sign/b', false)
    const raw = be.createMacKeys([Buffer.from(SECRET)], null, false)
    const tags = new Set([a.tag('m'), b.tag('m'), raw.tag('m')])
    t.is(tags.size, 3, be.name)
    // The derived key is HKDF-SHA256(secret, no salt, info) and nothing else.
    const derived = be.hkdfSha256(Buffer.from(SECRET), new Uint8Array(0), Buffer.from('keycard/v1/sign/a'), 32)
    t.is(a.tag('m'), be.createMacKeys([derived], null, false).tag('m'), be.name)
  }
})

test(t_('keys: resolveKeyring caches by value for strings and notices mutated bytes'), (t) => {
  t.is(resolveKeyring(SECRET), resolveKeyring(`${SECRET}`))
  const bytes = Buffer.from(SECRET_BYTES)
  const first = resolveKeyring(bytes)
  t.is(resolveKeyring(bytes), first)
  bytes[5] = (bytes[5] as number) ^ 1
  t.not(resolveKeyring(bytes), first)
  const list = [SECRET, SECRET_2]
  const ring = resolveKeyring(list)
  t.is(resolveKeyring(list), ring)
  list.reverse()
  t.is(resolveKeyring(list).ids[0], ring.ids[1])
})

test(t_('keys: KEYCARD_SECRET is the default, comma-separated for rotation'), (t) => {
  withEnv({ ...NO_DEFAULTS, KEYCARD_SECRET: `${SECRET},${SECRET_2}` }, () => {
    t.deepEqual(defaultKeyring().ids, new Keyring([SECRET, SECRET_2]).ids)
    t.is(sign('v', undefined), sign('v', SECRET))
    t.is(unsign(sign('v', SECRET_2), undefined), 'v')
  })
  withEnv({ ...NO_DEFAULTS, KEYCARD_SECRET: 'too-short' }, () => {
    t.throws(() => sign('v', undefined), { code: 'ERR_KEY_TOO_SHORT' })
  })
})

test(t_('keys: no secret is ERR_NO_SECRET unless the insecure dev key is opted into'), (t) => {
  withEnv(NO_DEFAULTS, () => {
    t.throws(() => sign('v', undefined), { code: 'ERR_NO_SECRET' })
    t.throws(() => sign('v', null as unknown as string), { code: 'ERR_NO_SECRET' })
  })
})

test.serial(t_('keys: the insecure dev key needs an opt-in, warns loudly once, and is refused in production'), async (t) => {
  const warnings: Error[] = []
  const onWarning = (w: Error) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    const byOption = withEnv(NO_DEFAULTS, () => sign('v', undefined, { allowInsecureKey: true }))
    t.is(unsign(byOption, undefined, { allowInsecureKey: true }), 'v')
    const byEnv = withEnv({ ...NO_DEFAULTS, KEYCARD_ALLOW_INSECURE_KEY: '1' }, () => sign('v', undefined))
    t.is(byEnv, byOption, 'one random key per process')
    t.not(byOption, sign('v', SECRET))
    await new Promise((resolve) => setImmediate(resolve))
    const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'KEYCARD_INSECURE_KEY')
    t.is(ours.length, 1)
    t.regex(ours[0]?.message ?? '', /INSECURE/)
    // However the deployment spells it.
    for (const production of ['production', 'Production', 'PRODUCTION', 'production ', ' production\n', '\tProDucTion']) {
      withEnv({ ...NO_DEFAULTS, NODE_ENV: production }, () => {
        t.throws(
          () => sign('v', undefined, { allowInsecureKey: true }),
          { code: 'ERR_NO_SECRET', message: /production/ },
          production,
        )
      })
      withEnv({ ...NO_DEFAULTS, NODE_ENV: production, KEYCARD_ALLOW_INSECURE_KEY: '1' }, () => {
        t.throws(() => sign('v', undefined), { code: 'ERR_NO_SECRET', message: /production/ }, production)
      })
    }
    for (const notProduction of ['development', 'test', 'productions', 'pre-production', '']) {
      withEnv({ ...NO_DEFAULTS, NODE_ENV: notProduction }, () => {
        t.is(sign('v', undefined, { allowInsecureKey: true }), byOption, notProduction)
      })
    }
    withEnv({ ...NO_DEFAULTS, KEYCARD_ALLOW_INSECURE_KEY: 'true' }, () => {
      t.throws(() => sign('v', undefined), { code: 'ERR_NO_SECRET' }, "only '1' opts in")
    })
  } finally {
    process.off('warning', onWarning)
  }
})

// --- Weak secrets --------------------------------------------------------------------------------

/** Secrets of 32+ bytes that are one short pattern repeated (period <= length / 2). */
const WEAK: readonly (string | Uint8Array)[] = [
  'x'.repeat(32),
  'é'.repeat(16), // 32 bytes, period 2
  'password'.repeat(4),
  'keyboard cat '.repeat(3), // 39 bytes, period 13
  'abc'.repeat(11), // 33 bytes: the period need not divide the length
  `${'0123456789abcdef'.repeat(2)}0123`, // 36 bytes, period 16
  Buffer.alloc(32),
  Buffer.alloc(64, 0xff),
  Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex'), // period 16 of 32
]

test(t_('keys: a secret that repeats a short pattern is ERR_KEY_WEAK everywhere a secret is taken, on both backends'), (t) => {
  for (const be of both) {
    on(be, () => {
      for (const weak of WEAK) {
        const label = `${be.name} ${Buffer.from(weak).toString('hex').slice(0, 16)}`
        const refused = { code: 'ERR_KEY_WEAK', instanceOf: KeyError }
        t.throws(() => new Keyring(weak), refused, label)
        t.throws(() => new Keyring([SECRET, weak]), refused, label)
        t.throws(() => new Keyring([{ id: 'old', secret: weak }]), refused, label)
        t.throws(() => sign('v', weak), refused, label)
        t.throws(() => unsign('v.x', weak), refused, label)
        t.throws(() => sign('v', weak, { format: 'cookie-signature' }), refused, label)
        t.throws(() => seal('v', weak), refused, label)
        t.throws(() => unseal('AQ', weak), refused, label)
        t.throws(() => signToken({}, weak), refused, label)
        t.throws(() => verifyToken('a.b.c', weak), refused, label)
        t.throws(() => createCsrfToken('sid', weak), refused, label)
        t.throws(() => verifyCsrfToken('x', 'sid', weak), refused, label)
      }
      // The message says how to make a good one, and never echoes the secret.
      const err = t.throws(() => new Keyring('password'.repeat(4)))
      t.regex(err?.message ?? '', /randomBytes\(32\)/)
      t.notRegex(err?.message ?? '', /password/)
      withEnv({ ...NO_DEFAULTS, KEYCARD_SECRET: `${SECRET},${'s3cr3t!'.repeat(5)}` }, () => {
        t.throws(() => sign('v', undefined), { code: 'ERR_KEY_WEAK' })
      })
    })
  }
})

test(t_('keys: the weak check refuses period <= length / 2 only; a too-short secret is still ERR_KEY_TOO_SHORT'), (t) => {
  const half = '0123456789abcdef' // 16 bytes
  t.throws(() => new Keyring(half + half), { code: 'ERR_KEY_WEAK' }) // period 16 of 32: refused
  t.notThrows(() => new Keyring(`${half}X${half.slice(0, 15)}`)) // 32 bytes, period 17: accepted
  t.notThrows(() => new Keyring(`${'a'.repeat(31)}b`)) // period 32: low entropy, but not a repetition
  t.notThrows(() => new Keyring(`b${'a'.repeat(31)}`))
  t.notThrows(() => new Keyring(SECRET_BYTES))
  t.notThrows(() => new Keyring(Buffer.from(Array.from({ length: 32 }, (_, i) => i))))
  t.throws(() => new Keyring('x'.repeat(31)), { code: 'ERR_KEY_TOO_SHORT' }) // length is checked first
  t.throws(() => new Keyring('x'.repeat(31), { allowWeakKey: true }), { code: 'ERR_KEY_TOO_SHORT' })
})

test(t_('keys: allowWeakKey opts out per call, and an opt-in never leaks into a call without it'), (t) => {
  const ok = { allowWeakKey: true }
  for (const be of both) {
    on(be, () => {
      for (const weak of ['w'.repeat(40), Buffer.alloc(32, 9), ['q'.repeat(32)]] as const) {
        const secret = weak as unknown as string
        const signed = sign('v', secret, ok)
        t.is(unsign(signed, secret, ok), 'v')
        t.is(unseal(seal('v', secret, ok), secret, ok), 'v')
        t.is(verifyToken(signToken({ a: 1 }, secret, ok), secret, ok)?.a, 1)
        t.true(verifyCsrfToken(createCsrfToken('sid', secret, ok), 'sid', secret, ok))
        // The same value (and the same object) without the option is refused again: the keyring
        // made under the opt-in is cached apart.
        t.throws(() => sign('v', secret), { code: 'ERR_KEY_WEAK' })
        t.throws(() => unsign(signed, secret), { code: 'ERR_KEY_WEAK' })
      }
      t.notThrows(() => new Keyring(['z'.repeat(32), SECRET], ok))
      withEnv({ ...NO_DEFAULTS, KEYCARD_SECRET: 'e'.repeat(32) }, () => {
        t.notThrows(() => sign('v', undefined, ok))
        t.throws(() => sign('v', undefined), { code: 'ERR_KEY_WEAK' })
      })
      // Only `true` opts out.
      t.throws(() => sign('v', 'w'.repeat(40), { allowWeakKey: 1 as unknown as boolean }), { code: 'ERR_KEY_WEAK' })
    })
  }
})

// --- Derived-key cache bound -----------------------------------------------------------------------

/** A backend that counts key derivations (MacKeys and SealKeys sets created). */
function counting(be: Backend) {
  const calls = { mac: 0, seal: 0 }
  const spy: Backend = {
    ...be,
    createMacKeys: (secrets, info, std) => {
      calls.mac++
      return be.createMacKeys(secrets, info, std)
    },
    createSealKeys: (secrets, kids, purpose) => {
      calls.seal++
      return be.createSealKeys(secrets, kids, purpose)
    },
  }
  return { spy, calls }
}

test(t_('keys: the derived-key cache is an LRU bounded per kind and backend'), (t) => {
  const N = MAX_DERIVED_KEY_SETS
  t.is(N, 2048)
  for (const be of both) {
    const { spy, calls } = counting(be)
    const ring = new Keyring(SECRET)
    const mac = (i: number) => ring.macKeys(spy, `keycard/v1/sign/p${i}`)
    const sealKeys = (i: number) => ring.sealKeys(spy, `p${i}`)
    for (let i = 0; i < N; i++) {
      mac(i)
      sealKeys(i)
    }
    t.deepEqual(calls, { mac: N, seal: N }, be.name)
    // All N are held: using them again derives nothing.
    for (let i = 0; i < N; i++) {
      mac(i)
      sealKeys(i)
    }
    t.deepEqual(calls, { mac: N, seal: N }, be.name)
    // A hit makes a set the most recent: p0 survives the next insertion, p1 (now oldest) does not.
    mac(0)
    sealKeys(0)
    mac(N)
    sealKeys(N)
    t.deepEqual(calls, { mac: N + 1, seal: N + 1 }, be.name)
    mac(0)
    sealKeys(0)
    t.deepEqual(calls, { mac: N + 1, seal: N + 1 }, `${be.name}: p0 kept`)
    mac(1)
    sealKeys(1)
    t.deepEqual(calls, { mac: N + 2, seal: N + 2 }, `${be.name}: p1 evicted and derived again`)
    // Many more distinct purposes: exactly the last N stay.
    for (let i = 0; i < 3 * N; i++) mac(10_000 + i)
    const before = calls.mac
    for (let i = 2 * N; i < 3 * N; i++) mac(10_000 + i)
    t.is(calls.mac, before, `${be.name}: the last N are held`)
    mac(10_000 + 2 * N - 1)
    t.is(calls.mac, before + 1, `${be.name}: the one before them is not`)
    // The kinds are bounded apart: the seal cache kept its own entries.
    sealKeys(0)
    t.is(calls.seal, N + 2, be.name)
    // And the keys are still right after eviction and re-derivation.
    t.is(unsign(sign('v', ring, { purpose: 'p1' }), ring, { purpose: 'p1' }), 'v')
  }
})

// --- Purposes --------------------------------------------------------------------------------------

test(
  t_(
    'keys: a purpose over 512 UTF-8 bytes or with a lone surrogate is ERR_INVALID_ARGUMENT for every capability, on both backends',
  ),
  (t) => {
    const token = signToken({}, SECRET)
    const sealed = seal('v', SECRET)
    const bad = [
      'p'.repeat(513),
      'p'.repeat(1009), // where the backends used to part: native null, fallback a raw RangeError
      'p'.repeat(100_000),
      `${'é'.repeat(256)}a`, // 513 bytes in 257 characters
      '€'.repeat(171), // 513 bytes in 171 characters
      '\uD800',
      '\uDBFF',
      '\uDC00',
      'session\uD800',
      '\uDE00\uD83D', // a pair in the wrong order
    ]
    const refusedArg = { code: 'ERR_INVALID_ARGUMENT' }
    for (const be of both) {
      on(be, () => {
        for (const purpose of bad) {
          const label = `${be.name} ${purpose.length} ${purpose.slice(0, 8)}`
          t.throws(() => sign('v', SECRET, { purpose }), refusedArg, label)
          t.throws(() => unsign('v.x', SECRET, { purpose }), refusedArg, label)
          t.throws(() => unsignOrThrow('v.x', SECRET, { purpose }), refusedArg, label)
          t.throws(() => seal('v', SECRET, { purpose }), refusedArg, label)
          t.throws(() => unseal(sealed, SECRET, { purpose }), refusedArg, label)
          t.throws(() => unsealOrThrow(sealed, SECRET, { purpose }), refusedArg, label)
          t.throws(() => signToken({}, SECRET, { purpose }), refusedArg, label)
          t.throws(() => verifyToken(token, SECRET, { purpose }), refusedArg, label)
          t.throws(() => verifyTokenOrThrow(token, SECRET, { purpose }), refusedArg, label)
        }
        // Up to the cap, in bytes, every purpose works; '\uFFFD' and real pairs are ordinary text.
        for (const purpose of ['p'.repeat(512), 'é'.repeat(256), `${'€'.repeat(170)}ab`, '\uFFFD', '\uD83D\uDE00', '']) {
          const label = `${be.name} ${purpose.length} ${purpose.slice(0, 8)}`
          t.is(unsign(sign('v', SECRET, { purpose }), SECRET, { purpose }), 'v', label)
          t.is(unseal(seal('v', SECRET, { purpose }), SECRET, { purpose }), 'v', label)
          t.is(verifyToken(signToken({ a: 1 }, SECRET, { purpose }), SECRET, { purpose })?.pur, purpose, label)
        }
        // U+FFFD (what Node would have written for a lone surrogate) is its own purpose.
        t.is(unsign(sign('v', SECRET, { purpose: '\uFFFD' }), SECRET, { purpose: '\uFFFE' }), null)
      })
    }
  },
)

test(t_('keys: a detached secret is ERR_INVALID_ARGUMENT, not a raw TypeError'), (t) => {
  const secret = Uint8Array.from(Buffer.from(SECRET))
  structuredClone(secret, { transfer: [secret.buffer] })
  for (const be of both) {
    on(be, () => {
      t.throws(() => new Keyring(secret), { code: 'ERR_INVALID_ARGUMENT' }, be.name)
      t.throws(() => sign('v', secret), { code: 'ERR_INVALID_ARGUMENT' }, be.name)
    })
  }
})
