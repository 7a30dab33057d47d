import test from 'ava'
import { createCsrfToken, Keyring, sign, verifyCsrfToken } from '../src/index'
import { fallback, native, on, SECRET, SECRET_2, t_, testNative } from './helpers/backends'

const SID = 'k8Zr3m2Q0eXxh1i8w0mCq5m1y7v4bS0cW3t9aLrYpQo'

test(t_('csrf: a token verifies for its session and secret'), (t) => {
  const token = createCsrfToken(SID, SECRET)
  t.regex(token, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/)
  t.true(verifyCsrfToken(token, SID, SECRET))
})

test(t_('csrf: every token is fresh (random nonce), all of them verify'), (t) => {
  const tokens = new Set(Array.from({ length: 50 }, () => createCsrfToken(SID, SECRET)))
  t.is(tokens.size, 50)
  for (const token of tokens) t.true(verifyCsrfToken(token, SID, SECRET))
})

test(t_('csrf: hostile tokens are false, never a throw (docs/SECURITY.md item 16)'), (t) => {
  const token = createCsrfToken(SID, SECRET)
  const otherSession = createCsrfToken(`${SID}x`, SECRET)
  const cases: Record<string, unknown> = {
    missing: undefined,
    null: null,
    empty: '',
    number: 42,
    array: [token],
    'token from another session': otherSession,
    'token from another secret': createCsrfToken(SID, SECRET_2),
    // A keycard signed value over the same bytes, but without the CSRF key derivation.
    'signed without session binding': sign(token.slice(0, 22), SECRET),
    'tag flipped': `${token.slice(0, -1)}${token.endsWith('A') ? 'Q' : 'A'}`,
    'nonce flipped': `${token[0] === 'A' ? 'B' : 'A'}${token.slice(1)}`,
    truncated: token.slice(0, -1),
    extended: `${token}A`,
    'separator missing': token.replace('.', 'x'),
    padded: `${token}=`,
    whitespace: ` ${token}`,
  }
  for (const [name, candidate] of Object.entries(cases)) {
    t.false(verifyCsrfToken(candidate, SID, SECRET), name)
  }
  t.false(verifyCsrfToken(token, '', SECRET), 'empty session id')
  t.false(verifyCsrfToken(token, `${SID}x`, SECRET), 'valid HMAC, other session')
})

test(t_('csrf: rotation keeps tokens of the previous key valid'), (t) => {
  const old = createCsrfToken(SID, SECRET_2)
  t.true(verifyCsrfToken(old, SID, new Keyring([SECRET, SECRET_2])))
  t.false(verifyCsrfToken(old, SID, new Keyring([SECRET])))
})

test(t_('csrf: bad arguments are typed errors'), (t) => {
  t.throws(() => createCsrfToken('', SECRET), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => createCsrfToken(undefined as unknown as string, SECRET), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => createCsrfToken(SID, 'short'), { code: 'ERR_KEY_TOO_SHORT' })
  t.throws(() => verifyCsrfToken('x', SID, 'short'), { code: 'ERR_KEY_TOO_SHORT' })
})

testNative(t_('csrf: what one backend creates, the other verifies'), (t) => {
  const fromNative = on(native, () => createCsrfToken(SID, SECRET))
  const fromFallback = on(fallback, () => createCsrfToken(SID, SECRET))
  t.true(on(fallback, () => verifyCsrfToken(fromNative, SID, SECRET)))
  t.true(on(native, () => verifyCsrfToken(fromFallback, SID, SECRET)))
})

test.serial(t_('csrf: without a secret, KEYCARD_SECRET keys the token (as the README writes it)'), (t) => {
  const saved = process.env.KEYCARD_SECRET
  process.env.KEYCARD_SECRET = SECRET
  try {
    const token = createCsrfToken('sid-1')
    t.true(verifyCsrfToken(token, 'sid-1'))
    t.true(verifyCsrfToken(token, 'sid-1', SECRET)) // the same key as passing it
    t.false(verifyCsrfToken(token, 'sid-1', SECRET_2))
    t.false(verifyCsrfToken(token, 'sid-2'))
  } finally {
    if (saved === undefined) delete process.env.KEYCARD_SECRET
    else process.env.KEYCARD_SECRET = saved
  }
})
