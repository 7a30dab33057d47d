import test from 'ava'
import cookieSignature from 'cookie-signature'
import { type KeycardError, Keyring, sign, unsign, unsignOrThrow } from '../src/index'
import { fallback, native, on, SECRET, SECRET_2, SECRET_BYTES, t_, testNative } from './helpers/backends'

const TAG = /^[A-Za-z0-9_-]{43}$/

test(t_('sign: round trips and keeps the value readable'), (t) => {
  const signed = sign('user-42', SECRET)
  t.true(signed.startsWith('user-42.'))
  t.regex(signed.slice('user-42.'.length), TAG)
  t.is(unsign(signed, SECRET), 'user-42')
  t.is(unsignOrThrow(signed, SECRET), 'user-42')
})

test(t_('sign: values with dots, unicode and the empty string round trip'), (t) => {
  for (const value of ['', 'a.b.c', 'émoji 🍪', '{"json":true}', 'x'.repeat(10_000)]) {
    t.is(unsign(sign(value, SECRET), SECRET), value)
  }
})

test(t_('sign: is deterministic and depends on value, secret and purpose'), (t) => {
  t.is(sign('v', SECRET), sign('v', SECRET))
  t.not(sign('v', SECRET), sign('w', SECRET).replace(/^w/, 'v'))
  t.not(sign('v', SECRET), sign('v', SECRET_2))
  t.not(sign('v', SECRET, { purpose: 'a' }), sign('v', SECRET, { purpose: 'b' }))
})

test(t_('sign: a value signed for one purpose is refused for another'), (t) => {
  const forA = sign('admin=false', SECRET, { purpose: 'cookie-a' })
  t.is(unsign(forA, SECRET, { purpose: 'cookie-a' }), 'admin=false')
  t.is(unsign(forA, SECRET, { purpose: 'cookie-b' }), null)
  t.is(unsign(forA, SECRET), null)
  t.throws(() => unsignOrThrow(forA, SECRET, { purpose: 'cookie-b' }), { code: 'ERR_BAD_SIGNATURE' })
})

test(t_('sign: string, bytes, arrays and keyrings are all accepted'), (t) => {
  const keyring = new Keyring(SECRET_BYTES)
  t.is(sign('v', SECRET_BYTES), sign('v', keyring))
  t.is(sign('v', [SECRET, SECRET_2]), sign('v', SECRET))
  t.is(sign('v', [{ id: 'k1', secret: SECRET }]), sign('v', SECRET))
})

test(t_('sign: rotation signs with the first key and verifies with all'), (t) => {
  const old = sign('v', SECRET_2)
  const rotated = new Keyring([SECRET, SECRET_2])
  t.is(unsign(old, rotated), 'v')
  t.is(sign('v', rotated), sign('v', SECRET))
  // Rotated out: a keyring without the old secret refuses what it signed.
  t.is(unsign(old, new Keyring([SECRET])), null)
})

test(t_('sign: mutating a byte secret after use changes the key'), (t) => {
  const secret = Buffer.from(SECRET_BYTES)
  const before = sign('v', secret)
  secret[0] = (secret[0] as number) ^ 0xff
  t.not(sign('v', secret), before)
  t.is(unsign(before, secret), null)
})

test(t_('sign: tampering anywhere is refused'), (t) => {
  const signed = sign('user-42', SECRET)
  for (let i = 0; i < signed.length; i++) {
    const c = signed[i] === 'A' ? 'B' : 'A'
    const tampered = signed.slice(0, i) + c + signed.slice(i + 1)
    if (tampered === signed) continue
    t.is(unsign(tampered, SECRET), null, `position ${i}`)
  }
})

test(t_('sign: hostile signatures return null and never throw (docs/SECURITY.md item 2, 3)'), (t) => {
  const signed = sign('v', SECRET)
  const tag = signed.slice(2)
  const cases: Record<string, string> = {
    'one char shorter': signed.slice(0, -1),
    'one char longer': `${signed}A`,
    empty: 'v.',
    'no separator': 'v',
    'all-zero tag': `v.${Buffer.alloc(32).toString('base64url')}`,
    'padding =': `${signed}=`,
    'plus character': `v.+${tag.slice(1)}`,
    'slash character': `v./${tag.slice(1)}`,
    'embedded space': `v.${tag.slice(0, 20)} ${tag.slice(21)}`,
    bang: `v.${tag.slice(0, 42)}!`,
    'percent escape': `v.${tag.slice(0, 40)}%41`,
    'std base64 tag': `v.${Buffer.from(tag, 'base64url').toString('base64').replace(/=+$/, '')}`,
  }
  // Non-canonical last character: same bytes under Node's lenient decoder, different string.
  const last = tag[42] as string
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const noncanonical = `v.${tag.slice(0, 42)}${alphabet[alphabet.indexOf(last) | 1]}`
  t.deepEqual(Buffer.from(noncanonical.slice(2), 'base64url'), Buffer.from(tag, 'base64url'))
  cases['non-canonical last character'] = noncanonical
  for (const [name, input] of Object.entries(cases)) {
    if (input === signed) continue
    t.is(unsign(input, SECRET), null, name)
    const err = t.throws<KeycardError>(() => unsignOrThrow(input, SECRET), undefined, name)
    t.true(err?.code === 'ERR_BAD_FORMAT' || err?.code === 'ERR_BAD_SIGNATURE', `${name}: ${err?.code}`)
  }
  t.throws(() => unsignOrThrow('v.AAAA', SECRET), { code: 'ERR_BAD_FORMAT' })
  t.throws(() => unsignOrThrow(`v.${'A'.repeat(43)}`, SECRET), { code: 'ERR_BAD_SIGNATURE' })
})

test(t_('sign: non-string inputs, lone surrogates and oversized inputs'), (t) => {
  t.is(unsign(42 as unknown as string, SECRET), null)
  t.is(unsign(undefined as unknown as string, SECRET), null)
  t.throws(() => sign(42 as unknown as string, SECRET), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => sign('a\uD800b', SECRET), { code: 'ERR_BAD_FORMAT' })
  t.is(unsign(`a\uD800b.${'A'.repeat(43)}`, SECRET), null)
  const huge = sign('x'.repeat(70_000), SECRET)
  t.is(unsign(huge, SECRET), null)
  t.throws(() => unsignOrThrow(huge, SECRET), { code: 'ERR_TOO_LARGE' })
  t.is(unsign(huge, SECRET, { maxLength: 80_000 }), 'x'.repeat(70_000))
  // A bad limit must not silently lift the limit.
  for (const maxLength of [Number.NaN, '100000', 0]) {
    t.throws(() => unsign(huge, SECRET, { maxLength: maxLength as number }), { code: 'ERR_INVALID_ARGUMENT' })
  }
})

testNative(t_('sign: the length bound comes first: an over-long value with a lone surrogate is ERR_TOO_LARGE'), (t) => {
  // unsign used to scan the whole string for lone surrogates (isWellFormed) before its O(1)
  // length check, so a 100 MB cookie cost a full scan only to be refused. Which code comes back
  // shows which check ran first; both formats share the path.
  const long = `${'a'.repeat(2_000_000)}\ud800.${'A'.repeat(43)}`
  for (const be of [native, fallback]) {
    on(be, () => {
      t.throws(() => unsignOrThrow(long, SECRET), { code: 'ERR_TOO_LARGE' }, be.name)
      t.throws(() => unsignOrThrow(long, SECRET, { format: 'cookie-signature' }), { code: 'ERR_TOO_LARGE' }, be.name)
      t.throws(() => unsignOrThrow(`\ud800.${'A'.repeat(43)}`, SECRET, { maxLength: 10 }), { code: 'ERR_TOO_LARGE' }, be.name)
      // Within the bound, the lone surrogate is the answer.
      t.throws(() => unsignOrThrow(`\ud800.${'A'.repeat(43)}`, SECRET), { code: 'ERR_BAD_FORMAT' }, be.name)
    })
  }
})

test(t_('sign: short, empty, placeholder and missing secrets are refused (docs/SECURITY.md item 1)'), (t) => {
  for (const secret of ['', 'secret', 'keyboard cat', 'x'.repeat(31), Buffer.alloc(31)]) {
    t.throws(() => sign('v', secret), { code: 'ERR_KEY_TOO_SHORT' })
    t.throws(() => unsign('v.x', secret), { code: 'ERR_KEY_TOO_SHORT' })
  }
  const saved = { secret: process.env.KEYCARD_SECRET, insecure: process.env.KEYCARD_ALLOW_INSECURE_KEY }
  delete process.env.KEYCARD_SECRET
  delete process.env.KEYCARD_ALLOW_INSECURE_KEY
  try {
    t.throws(() => sign('v', undefined), { code: 'ERR_NO_SECRET' })
  } finally {
    if (saved.secret !== undefined) process.env.KEYCARD_SECRET = saved.secret
    if (saved.insecure !== undefined) process.env.KEYCARD_ALLOW_INSECURE_KEY = saved.insecure
  }
  t.throws(() => sign('v', 42 as unknown as string), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => sign('v', [] as string[]), { code: 'ERR_NO_SECRET' })
})

test(t_("sign: format 'cookie-signature' writes exactly what cookie-signature writes"), (t) => {
  for (const value of ['s:abc', 'session-id.with.dots', 'ünïcode', '']) {
    const ours = sign(value, SECRET, { format: 'cookie-signature' })
    t.is(ours, cookieSignature.sign(value, SECRET))
    t.is(cookieSignature.unsign(ours, SECRET), value)
    t.is(unsign(cookieSignature.sign(value, SECRET), SECRET, { format: 'cookie-signature' }), value)
  }
})

test(t_("sign: format 'cookie-signature' refuses what cookie-signature refuses"), (t) => {
  const theirs = cookieSignature.sign('sid', SECRET)
  t.is(unsign(theirs, SECRET_2, { format: 'cookie-signature' }), null)
  t.is(cookieSignature.unsign(theirs, SECRET_2), false)
  t.is(unsign(`${theirs}x`, SECRET, { format: 'cookie-signature' }), null)
  t.is(unsign(`x${theirs}`, SECRET, { format: 'cookie-signature' }), null)
  // A keycard-format tag is not a cookie-signature tag, and the other way round.
  t.is(unsign(sign('sid', SECRET), SECRET, { format: 'cookie-signature' }), null)
  t.is(unsign(theirs, SECRET), null)
  // Rotation works like express-session's secret arrays: new first, old still verifies.
  t.is(unsign(theirs, [SECRET_2, SECRET], { format: 'cookie-signature' }), 'sid')
  t.throws(() => sign('v', SECRET, { format: 'cookie-signature', purpose: 'x' }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => sign('v', SECRET, { format: 'jwt' as 'keycard' }), { code: 'ERR_INVALID_ARGUMENT' })
})

testNative(t_('sign: cross-backend output is byte-identical and each verifies the other'), (t) => {
  const keyring = new Keyring([SECRET, SECRET_2])
  for (const format of ['keycard', 'cookie-signature'] as const) {
    const purpose = format === 'keycard' ? 'p' : undefined
    const fromNative = on(native, () => sign('value', keyring, { format, purpose }))
    const fromFallback = on(fallback, () => sign('value', keyring, { format, purpose }))
    t.is(fromNative, fromFallback, format)
    t.is(
      on(fallback, () => unsign(fromNative, keyring, { format, purpose })),
      'value',
    )
    t.is(
      on(native, () => unsign(fromFallback, keyring, { format, purpose })),
      'value',
    )
  }
})
