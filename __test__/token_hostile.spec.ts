/** Tokens under hostile input: docs/SECURITY.md items 5-8, and cross-backend agreement on refusals. */
import { createHmac } from 'node:crypto'
import fs from 'node:fs'
import test, { type ExecutionContext } from 'ava'
import { Keyring, type SecretInput, signToken, verifyToken, verifyTokenOrThrow } from '../src/index'
import { fallback, native, on, SECRET, SECRET_2, SECRET_BYTES, t_, testNative } from './helpers/backends'

import { accepted, b64u, CLAIMS, forge, HS256, kidOf, mac, NOW, NOW_S, outcome, refused, resign, segments } from './helpers/jws'

// --- 5. alg (docs/SECURITY.md item 5) ------------------------------------------------------------------------

test(t_('token: alg none in any case is refused with empty, garbage or valid signatures'), (t) => {
  const kid = kidOf(SECRET)
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    for (const header of [`{"alg":"${alg}"}`, `{"alg":"${alg}","typ":"JWT"}`, `{"alg":"${alg}","typ":"JWT","kid":"${kid}"}`]) {
      const input = `${b64u(header)}.${b64u(CLAIMS)}`
      refused(t, `${input}.`, 'ERR_BAD_FORMAT') // the classic unsecured JWS
      refused(t, input, 'ERR_BAD_FORMAT') // and without the last dot
      refused(t, `${input}.garbage`, 'ERR_ALG_NOT_ALLOWED')
      refused(t, `${input}.${'A'.repeat(43)}`, 'ERR_ALG_NOT_ALLOWED')
      // A valid HMAC with the real secret: refusal comes from the header check alone.
      refused(t, `${input}.${mac(input)}`, 'ERR_ALG_NOT_ALLOWED')
    }
  }
})

test(t_('token: any alg but HS256, a missing alg and a non-string alg are refused even when correctly signed'), (t) => {
  const kid = kidOf(SECRET)
  const algs = [
    '"HS512"',
    '"HS384"',
    '"RS256"',
    '"ES256"',
    '"PS256"',
    '"EdDSA"',
    '"hs256"',
    '"HS256 "',
    '" HS256"',
    '"HS2560"',
    '""',
  ]
  const nonStrings = ['256', 'null', 'true', '["HS256"]', '{"name":"HS256"}']
  for (const alg of [...algs, ...nonStrings]) {
    for (const header of [`{"alg":${alg}}`, `{"alg":${alg},"typ":"JWT","kid":"${kid}"}`]) {
      t.is(outcome(forge(header, CLAIMS)), 'ERR_ALG_NOT_ALLOWED', header)
      refused(t, forge(header, CLAIMS), 'ERR_ALG_NOT_ALLOWED', {}, SECRET, header)
    }
  }
  for (const header of ['{}', '{"typ":"JWT"}', `{"typ":"JWT","kid":"${kid}"}`, '{"ALG":"HS256"}']) {
    refused(t, forge(header, CLAIMS), 'ERR_ALG_NOT_ALLOWED', {}, SECRET, header)
  }
  // An HS512 signature computed with the real secret.
  const input = `${b64u('{"alg":"HS512","typ":"JWT"}')}.${b64u(CLAIMS)}`
  refused(t, `${input}.${createHmac('sha512', SECRET).update(input).digest('base64url')}`, 'ERR_ALG_NOT_ALLOWED')
  // Control: the same construction with HS256 is accepted, so the refusals above are about alg.
  t.is(accepted(t, forge('{"alg":"HS256"}', CLAIMS)).sub, 'u1')
  t.is(accepted(t, forge(`{"alg":"HS256","typ":"JWT","kid":"${kid}"}`, CLAIMS)).sub, 'u1')
})

// --- 6. Structure (item 6) -------------------------------------------------------------------------------

test(t_('token: wrong segment counts and empty segments are ERR_BAD_FORMAT'), (t) => {
  const good = signToken({ a: 1 }, SECRET, { now: NOW })
  const [h, p, s] = segments(good) as [string, string, string]
  t.is(accepted(t, good).a, 1)
  const bad = [
    '',
    '.',
    '..',
    '...',
    h,
    `${h}.${p}`,
    `${h}.${p}.${s}.${s}`,
    `${h}.${p}.${s}.`,
    `${h}.${p}..${s}`,
    `.${h}.${p}.${s}`,
    `${h}.${p}.`,
    `${h}..${s}`,
    `.${p}.${s}`,
    `..${s}`,
  ]
  for (const token of bad) refused(t, token, 'ERR_BAD_FORMAT', {}, SECRET, JSON.stringify(token.slice(0, 30)))
  // Not a string at all.
  for (const token of [undefined, null, 42, {}, ['a.b.c'], Buffer.from(good)]) {
    t.is(verifyToken(token as unknown as string, SECRET), null)
    t.throws(() => verifyTokenOrThrow(token as unknown as string, SECRET), { code: 'ERR_BAD_FORMAT' })
  }
})

test(t_('token: a 1 MB header is ERR_TOO_LARGE, fast, whatever maxLength says'), (t) => {
  const huge = b64u(`{"alg":"HS256","x":"${'a'.repeat(1 << 20)}"}`)
  const token = resign(huge, b64u(CLAIMS))
  const start = process.hrtime.bigint()
  refused(t, token, 'ERR_TOO_LARGE')
  refused(t, token, 'ERR_TOO_LARGE', { maxLength: 4 << 20 }) // the header cap holds on its own
  t.true(Number(process.hrtime.bigint() - start) / 1e6 < 250, 'refused without parsing')
  // Just over the 1024-character header cap, inside the 8192 default token length.
  const big = forge(`{"alg":"HS256","x":"${'a'.repeat(800)}"}`, CLAIMS)
  refused(t, big, 'ERR_TOO_LARGE')
  // maxLength applies to the whole token.
  const good = signToken({ a: 'x'.repeat(9000) }, SECRET, { now: NOW })
  refused(t, good, 'ERR_TOO_LARGE')
  t.is((accepted(t, good, { maxLength: good.length }).a as string).length, 9000)
  refused(t, good, 'ERR_TOO_LARGE', { maxLength: good.length - 1 })
  // A maxLength that is not a positive integer is the caller's bug, not a lifted limit.
  for (const maxLength of [Number.NaN, '100000' as unknown as number, 0, -1]) {
    t.throws(() => verifyToken(good, SECRET, { now: NOW, maxLength }), { code: 'ERR_INVALID_ARGUMENT' }, String(maxLength))
  }
  t.is((accepted(t, good, { maxLength: Number.POSITIVE_INFINITY }).a as string).length, 9000) // explicitly unbounded
})

test(t_('token: deeply nested JSON is handled deterministically'), (t) => {
  // Header: deep nesting past the size cap is ERR_TOO_LARGE; within it, only a valid HMAC helps.
  const deepHeader = (n: number) => `{"alg":"HS256","x":${'['.repeat(n)}${']'.repeat(n)}}`
  refused(t, forge(deepHeader(100_000), CLAIMS), 'ERR_TOO_LARGE')
  const withinCap = `${b64u(deepHeader(300))}.${b64u(CLAIMS)}`
  refused(t, `${withinCap}.${'A'.repeat(43)}`, 'ERR_BAD_SIGNATURE')
  // Payload: parsed only after the signature checks out; huge depth must not crash the verifier.
  const deepClaims = (n: number) => `{"sub":"u1","exp":${NOW_S + 60},"x":${'['.repeat(n)}${']'.repeat(n)}}`
  const deep = `${b64u(HS256)}.${b64u(deepClaims(500_000))}`
  refused(t, `${deep}.${'A'.repeat(43)}`, 'ERR_BAD_SIGNATURE', { maxLength: 4 << 20 })
  const signedDeep = `${deep}.${mac(deep)}`
  refused(t, signedDeep, 'ERR_TOO_LARGE') // default maxLength
  // (Not through accepted(): ava's deepEqual of a 500k-deep value takes seconds.)
  t.is(verifyTokenOrThrow(signedDeep, SECRET, { now: NOW, maxLength: 4 << 20 }).sub, 'u1')
  t.is(verifyToken(signedDeep, SECRET, { now: NOW, maxLength: 4 << 20 })?.sub, 'u1')
  // An unbalanced one is malformed, not a crash.
  refused(t, forge(HS256, `{"sub":"u1","x":${'['.repeat(2000)}}`), 'ERR_BAD_FORMAT')
  refused(t, forge(`{"alg":"HS256","x":${'{"a":'.repeat(100)}1}`, CLAIMS), 'ERR_BAD_FORMAT')
})

test(t_('token: headers that are not JSON objects are ERR_BAD_FORMAT even when correctly signed'), (t) => {
  const headers = ['[]', '["HS256"]', '[{"alg":"HS256"}]', 'null', '"HS256"', '"{\\"alg\\":\\"HS256\\"}"', '42', 'true', '']
  const more = ['{alg:"HS256"}', "{'alg':'HS256'}", '{"alg":"HS256",}', '{"alg":"HS256"', '{"alg":"HS256"}x', '{"alg":"HS256"}{}']
  for (const header of [...headers, ...more]) {
    const token = header === '' ? `.${b64u(CLAIMS)}.${mac(`.${b64u(CLAIMS)}`)}` : forge(header, CLAIMS)
    refused(t, token, 'ERR_BAD_FORMAT', {}, SECRET, header)
  }
  // Invalid UTF-8 in the header.
  const badUtf8 = Buffer.concat([Buffer.from('{"alg":"HS256","x":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])
  refused(t, forge(badUtf8, CLAIMS), 'ERR_BAD_FORMAT')
  // A non-string kid or typ.
  for (const header of ['{"alg":"HS256","kid":1}', '{"alg":"HS256","kid":null}', '{"alg":"HS256","kid":["a"]}']) {
    refused(t, forge(header, CLAIMS), 'ERR_BAD_FORMAT', {}, SECRET, header)
  }
  for (const typ of ['"JOSE"', '"at+jwt"', '1', 'null', '"JWT "']) {
    refused(t, forge(`{"alg":"HS256","typ":${typ}}`, CLAIMS), 'ERR_BAD_FORMAT', {}, SECRET, typ)
  }
  for (const typ of ['JWT', 'jwt', 'application/jwt'])
    t.is(accepted(t, forge(`{"alg":"HS256","typ":"${typ}"}`, CLAIMS)).sub, 'u1')
})

test(t_('token: duplicate keys in header or payload are refused even when correctly signed'), (t) => {
  const kid = kidOf(SECRET)
  for (const header of [
    '{"alg":"none","alg":"HS256"}',
    '{"alg":"HS256","alg":"none"}',
    '{"alg":"HS256","alg":"HS256"}',
    '{"alg":"HS256","\\u0061lg":"HS256"}',
    `{"alg":"HS256","kid":"${kid}","kid":"${kid}"}`,
    '{"alg":"HS256","typ":"JWT","typ":"JWT"}',
    '{"alg":"HS256","jwk":{"k":"a","k":"b"}}',
  ]) {
    refused(t, forge(header, CLAIMS), 'ERR_BAD_FORMAT', {}, SECRET, header)
  }
  for (const payload of [
    `{"sub":"u1","exp":${NOW_S + 60},"exp":${NOW_S + 999999}}`,
    `{"pur":"a","pur":"b","exp":${NOW_S + 60}}`,
    `{"sub":"admin","\\u0073ub":"user","exp":${NOW_S + 60}}`,
    `{"exp":${NOW_S + 60},"x":[{"a":1,"a":2}]}`,
    `{"exp":${NOW_S + 60},"__proto__":{},"__proto__":{}}`,
  ]) {
    refused(t, forge(HS256, payload), 'ERR_BAD_FORMAT', {}, SECRET, payload)
  }
  // No false positives: the same key in different objects, values equal to keys, escaped quotes.
  const fine = `{"exp":${NOW_S + 60},"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}],"d":"a","e\\"":1,"e":"\\"e"}`
  t.deepEqual(accepted(t, forge(HS256, fine)), JSON.parse(fine))
})

/** A segment containing `-` or `_` with 2 or 3 characters in its last quantum. */
function tricky(make: (i: number) => string): { text: string; seg: string } {
  for (let i = 0; i < 10_000; i++) {
    const text = make(i)
    const seg = b64u(text)
    if (/[-_]/.test(seg) && seg.length % 4 >= 2) return { text, seg }
  }
  throw new Error('no tricky segment')
}

test(t_('token: non-canonical base64url in any segment is refused, even with a valid HMAC over it'), (t) => {
  const h = tricky((i) => `{"alg":"HS256","typ":"JWT","x":"${'?'.repeat(i % 7)}>${'~'.repeat(i >> 3)}"}`).seg
  let base = ''
  for (let i = 0; ; i++) {
    const p = tricky((j) => `{"sub":"u1","n":${i},"x":"${'?'.repeat(j % 5)}>","iat":${NOW_S},"exp":${NOW_S + 3600}}`).seg
    base = resign(h, p)
    if (/[-_]/.test(segments(base)[2] as string)) break
  }
  t.is(accepted(t, base).sub, 'u1') // the control
  const sameBytes = (a: string, b: string) => Buffer.from(a, 'base64url').equals(Buffer.from(b, 'base64url'))
  const mid = (s: string, c: string) => `${s.slice(0, 10)}${c}${s.slice(10)}`
  const flipUnusedBit = (s: string) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    return s.slice(0, -1) + alphabet[alphabet.indexOf(s.at(-1) as string) | 1]
  }
  // Each mutation, and whether Node's lenient decoder maps it to the very same bytes.
  const mutations: [string, (s: string) => string, boolean][] = [
    ['padding', (s) => s + '='.repeat(4 - (s.length % 4)), true],
    ['one =', (s) => `${s}=`, true],
    ['+ and /', (s) => s.replaceAll('-', '+').replaceAll('_', '/'), true],
    ['space', (s) => mid(s, ' '), true],
    ['newline', (s) => mid(s, '\n'), true],
    ['tab', (s) => mid(s, '\t'), true],
    ['trailing CRLF', (s) => `${s}\r\n`, true],
    ['!', (s) => mid(s, '!'), true],
    ['%', (s) => s.replace(/[-_]/, (c) => (c === '-' ? '%2D' : '%5F')), false],
    ['unused bits', flipUnusedBit, true],
  ]
  const [bh, bp, bs] = segments(base) as [string, string, string]
  for (const [name, mutate, lenientSame] of mutations) {
    for (const index of [0, 1, 2]) {
      const parts = [bh, bp, bs]
      const original = parts[index] as string
      parts[index] = mutate(original)
      t.not(parts[index], original, name)
      t.is(sameBytes(parts[index] as string, original), lenientSame, `${name}: Node decodes it the same`)
      // Header and payload mutations get a valid HMAC over the mutated text.
      const token = index < 2 ? resign(parts[0] as string, parts[1] as string) : parts.join('.')
      refused(t, token, 'ERR_BAD_FORMAT', {}, SECRET, `${name} in segment ${index}`)
    }
  }
})

test(t_('token: invalid UTF-8 and non-object payloads are ERR_BAD_FORMAT even when correctly signed'), (t) => {
  const wrap = (bytes: number[]) =>
    Buffer.concat([Buffer.from('{"sub":"'), Buffer.from(bytes), Buffer.from(`","exp":${NOW_S + 60}}`)])
  for (const bytes of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]]) {
    refused(t, forge(HS256, wrap(bytes)), 'ERR_BAD_FORMAT', {}, SECRET, bytes.join(','))
  }
  t.is(accepted(t, forge(HS256, wrap([0xc3, 0xa9]))).sub, 'é') // control: valid UTF-8
  for (const payload of ['[]', `[{"exp":${NOW_S + 60}}]`, '42', 'null', 'true', '"str"', 'not json', '{"a":1', '{"a":1}x', ' ']) {
    refused(t, forge(HS256, payload), 'ERR_BAD_FORMAT', {}, SECRET, payload)
  }
  // The claims of an otherwise valid token must be an object with JSON types.
  refused(t, forge(HS256, `{"exp":${NOW_S + 60},"sub":NaN}`), 'ERR_BAD_FORMAT')
})

// --- 8. kid, jku, x5u, jwk, crit, b64 (item 8) -----------------------------------------------------------

/** Runs `fn` with fetch and the usual fs entry points replaced by functions that record a call. */
function noIo<T>(t: ExecutionContext, fn: () => T): T {
  const calls: string[] = []
  const fsMod = fs as unknown as Record<string, unknown>
  const names = ['readFileSync', 'openSync', 'statSync', 'existsSync', 'readFile', 'open']
  const saved = names.map((name) => fsMod[name])
  const savedFetch = globalThis.fetch
  for (const name of names) {
    fsMod[name] = (...args: unknown[]) => {
      calls.push(`fs.${name}(${String(args[0])})`)
      throw new Error('no file access expected')
    }
  }
  globalThis.fetch = ((url: unknown) => {
    calls.push(`fetch(${String(url)})`)
    return Promise.reject(new Error('no fetch expected'))
  }) as typeof fetch
  try {
    return fn()
  } finally {
    names.forEach((name, i) => {
      fsMod[name] = saved[i]
    })
    globalThis.fetch = savedFetch
    t.deepEqual(calls, [])
  }
}

test(t_('token: a kid is an opaque lookup: traversal, SQL and URLs are ERR_UNKNOWN_KEY'), (t) => {
  const kids = [
    '../../etc/passwd',
    '../../../../../../dev/null',
    '/etc/passwd',
    'file:///etc/passwd',
    'https://evil.example/key',
    "' OR '1'='1",
    "x'; DROP TABLE keys; --",
    '1 UNION SELECT secret FROM keys',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    'key\u0000.txt',
    '$(cat /etc/passwd)',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    '',
    ' ',
    `${kidOf(SECRET)} `,
    kidOf(SECRET).toUpperCase() === kidOf(SECRET) ? `${kidOf(SECRET)}x` : kidOf(SECRET).toUpperCase(),
  ]
  noIo(t, () => {
    for (const kid of kids) {
      const token = forge(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }), CLAIMS)
      refused(t, token, 'ERR_UNKNOWN_KEY', {}, SECRET, JSON.stringify(kid))
      refused(t, token, 'ERR_UNKNOWN_KEY', {}, new Keyring([SECRET, SECRET_2]), JSON.stringify(kid))
    }
    t.is(accepted(t, forge(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: kidOf(SECRET) }), CLAIMS)).sub, 'u1')
  })
})

test(t_('token: jku, x5u, x5c and jwk headers are ignored: only our secret verifies'), (t) => {
  const attacker = 'attacker-secret-0123456789abcdef-0123456789'
  const embedded = {
    jku: 'https://evil.example/jwks.json',
    x5u: 'https://evil.example/cert.pem',
    x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'],
    jwk: { kty: 'oct', k: b64u(attacker) },
  }
  noIo(t, () => {
    for (const [name, value] of Object.entries(embedded)) {
      const header = JSON.stringify({ alg: 'HS256', typ: 'JWT', [name]: value })
      t.is(accepted(t, forge(header, CLAIMS, SECRET)).sub, 'u1', name) // ignored, our key works
      refused(t, forge(header, CLAIMS, attacker), 'ERR_BAD_SIGNATURE', {}, SECRET, name) // never their key
    }
    const all = JSON.stringify({ alg: 'HS256', ...embedded })
    refused(t, forge(all, CLAIMS, attacker), 'ERR_BAD_SIGNATURE')
    // With the attacker's kid as well: still a lookup in our keyring only.
    const withKid = JSON.stringify({ alg: 'HS256', kid: kidOf(attacker), ...embedded })
    refused(t, forge(withKid, CLAIMS, attacker), 'ERR_UNKNOWN_KEY')
  })
})

test(t_('token: crit and b64:false are refused even when correctly signed'), (t) => {
  for (const header of [
    '{"alg":"HS256","crit":["exp"],"exp":1}',
    '{"alg":"HS256","crit":["x-unknown"],"x-unknown":true}',
    '{"alg":"HS256","crit":[]}',
    '{"alg":"HS256","crit":"b64"}',
    '{"alg":"HS256","crit":null}',
    '{"alg":"HS256","crit":["b64"],"b64":false}',
    '{"alg":"HS256","b64":false}',
    '{"alg":"HS256","b64":"false"}',
    '{"alg":"HS256","b64":0}',
    '{"alg":"HS256","b64":null}',
  ]) {
    refused(t, forge(header, CLAIMS), 'ERR_BAD_FORMAT', {}, SECRET, header)
  }
  // b64:false with the payload unencoded (RFC 7797) and a valid HMAC over it.
  const h = b64u('{"alg":"HS256","b64":false,"crit":["b64"]}')
  refused(t, `${h}.${CLAIMS}.${mac(`${h}.${CLAIMS}`)}`, 'ERR_BAD_FORMAT')
  refused(t, `${h}..${mac(`${h}.${CLAIMS}`)}`, 'ERR_BAD_FORMAT')
})

// --- 10. Cross-backend -----------------------------------------------------------------------------------

testNative(t_('token: both backends sign byte-identical tokens and verify each other'), (t) => {
  const options = { now: NOW, expiresIn: '15m', audience: 'api', issuer: 'me', subject: 'u', purpose: 'p' }
  const verifyOptions = { now: NOW, audience: 'api', issuer: 'me', purpose: 'p' }
  for (const secret of [SECRET, SECRET_BYTES, [SECRET_2, SECRET]] as SecretInput[]) {
    const fromNative = on(native, () => signToken({ uid: 1, s: 'é' }, secret, options))
    const fromFallback = on(fallback, () => signToken({ uid: 1, s: 'é' }, secret, options))
    t.is(fromNative, fromFallback)
    const expected = { uid: 1, s: 'é', iat: NOW_S, exp: NOW_S + 900, aud: 'api', iss: 'me', sub: 'u', pur: 'p' }
    t.deepEqual(
      on(native, () => verifyTokenOrThrow(fromFallback, secret, verifyOptions)),
      expected,
    )
    t.deepEqual(
      on(fallback, () => verifyTokenOrThrow(fromNative, secret, verifyOptions)),
      expected,
    )
  }
  // Key ids are derived identically.
  t.deepEqual(
    on(native, () => new Keyring([SECRET, SECRET_2, SECRET_BYTES]).ids),
    on(fallback, () => new Keyring([SECRET, SECRET_2, SECRET_BYTES]).ids),
  )
  const ringNative = on(native, () => new Keyring([SECRET_2, SECRET]))
  const ringFallback = on(fallback, () => new Keyring([SECRET_2, SECRET]))
  t.is(
    on(native, () => signToken({}, ringNative, { now: NOW })),
    on(fallback, () => signToken({}, ringFallback, { now: NOW })),
  )
})

testNative(t_('token: both backends refuse hostile tokens with the same code'), (t) => {
  const good = signToken({ a: 1 }, SECRET, { now: NOW })
  const [h, p, s] = segments(good) as [string, string, string]
  const tokens = [
    good,
    `${h}.${p}.${s.slice(0, -1)}`,
    `${h}.${p}.${s}A`,
    `${h}.${p}.${'A'.repeat(43)}`,
    `${h}.${p}.${s.slice(0, -1)}${s.at(-1) === 'A' ? 'B' : 'A'}`,
    `${h}.${p}.${s}=`,
    `${h}.${p}.${s.replaceAll('-', '+').replaceAll('_', '/')}`,
    `${h}.${p}.${s} `,
    `${h}.${p}`,
    forge('{"alg":"none"}', CLAIMS),
    forge('{"alg":"HS512"}', CLAIMS),
    forge('{"alg":"none","alg":"HS256"}', CLAIMS),
    forge('{"alg":"HS256","kid":"../../etc/passwd"}', CLAIMS),
    forge('{"alg":"HS256","crit":["x"]}', CLAIMS),
    forge(HS256, '[]'),
    forge(HS256, `{"exp":1e309}`),
    forge(HS256, `{"exp":${NOW_S - 1}}`),
    forge(HS256, `{"exp":${NOW_S + 60},"nbf":${NOW_S + 30}}`),
    resign(b64u(`{"alg":"HS256","x":"${'a'.repeat(2000)}"}`), b64u(CLAIMS)),
    forge(HS256, CLAIMS, SECRET_2),
  ]
  const codes = tokens.map((token) => on(native, () => outcome(token)))
  t.deepEqual(
    tokens.map((token) => on(fallback, () => outcome(token))),
    codes,
  )
  t.deepEqual(codes, [
    'OK',
    'ERR_BAD_FORMAT',
    'ERR_BAD_FORMAT',
    'ERR_BAD_SIGNATURE',
    'ERR_BAD_SIGNATURE',
    'ERR_BAD_FORMAT',
    'ERR_BAD_FORMAT',
    'ERR_BAD_FORMAT',
    'ERR_BAD_FORMAT',
    'ERR_ALG_NOT_ALLOWED',
    'ERR_ALG_NOT_ALLOWED',
    'ERR_BAD_FORMAT',
    'ERR_UNKNOWN_KEY',
    'ERR_BAD_FORMAT',
    'ERR_BAD_FORMAT',
    'ERR_BAD_FORMAT',
    'ERR_EXPIRED',
    'ERR_NOT_YET_VALID',
    'ERR_TOO_LARGE',
    'ERR_BAD_SIGNATURE',
  ])
})
