/**
 * Hostile stored hashes, passwords and options, on the backend under test.
 *
 * "Before any work" is checked with a spy: the public calls run their synchronous part (parsing,
 * limits, and the call into the backend) under `on(spy, ...)`, so a backend call made for a refused
 * input would be recorded. Every refusal must leave the spy's call list empty.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import test, { type ExecutionContext } from 'ava'
import bcrypt from 'bcryptjs'
import { activeBackend } from '../src/backend'
import type { Backend } from '../src/backend/types'
import {
  type ErrorCode,
  hashPassword,
  KeycardError,
  needsRehash,
  type PasswordOptions,
  verifyAndRehash,
  verifyPassword,
} from '../src/index'
import { both, native, on, t_, testNative } from './helpers/backends'

const BAD: ErrorCode = 'ERR_BAD_FORMAT'
const OUT: ErrorCode = 'ERR_PARAMS_OUT_OF_RANGE'

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '')
const SALT = Buffer.alloc(16, 0x5a)
const TAG = Buffer.alloc(32, 0xa5)
const S = b64(SALT)
const T = b64(TAG)
/** A well-formed argon2id PHC string (its tag is 32 bytes of 0xa5, what the stub backend returns). */
const phc = (params = 'm=19456,t=2,p=1', salt = S, tag = T) => `$argon2id$v=19$${params}$${salt}$${tag}`

const CHEAP = { memoryKiB: 1024, passes: 1 } as const

const vectors = JSON.parse(readFileSync(join(__dirname, 'vectors', 'argon2id.json'), 'utf8')) as {
  refKatV16: { mKiB: number; t: number; p: number; saltHex: string; tagHex: string }
  phcStrings: { tcId: number; mKiB: number; passwordUtf8: string; phc: string }[]
  invalidPhcStrings: { phc: string; password: string; why: string }[]
}

/** The backend under test, with its password calls recorded. `stub` answers without hashing. */
function spy(stub = false): { backend: Backend; calls: string[] } {
  const base = activeBackend()
  const calls: string[] = []
  const backend: Backend = {
    ...base,
    argon2id(job, signal) {
      calls.push(`argon2id m=${job.m} t=${job.t} p=${job.p}`)
      return stub ? Promise.resolve(new Uint8Array(job.tagLength).fill(0xa5)) : base.argon2id(job, signal)
    },
    bcryptVerify(stored, password, signal) {
      calls.push(`bcrypt ${stored.slice(0, 7)}`)
      return stub ? Promise.resolve(false) : base.bcryptVerify(stored, password, signal)
    },
  }
  return { backend, calls }
}

/**
 * `stored` is refused with `code` by verifyPassword, verifyAndRehash (rejections) and needsRehash
 * (synchronous throw), and no backend work was started.
 */
async function refused(t: ExecutionContext, label: string, stored: unknown, code: ErrorCode, options?: PasswordOptions) {
  const { backend, calls } = spy()
  const verifying = on(backend, () => verifyPassword(stored as string, 'password', options))
  const rehashing = on(backend, () => verifyAndRehash(stored as string, 'password', options))
  await t.throwsAsync(verifying, { code, instanceOf: KeycardError }, `verifyPassword: ${label}`)
  await t.throwsAsync(rehashing, { code, instanceOf: KeycardError }, `verifyAndRehash: ${label}`)
  t.throws(() => needsRehash(stored as string, options), { code, instanceOf: KeycardError }, `needsRehash: ${label}`)
  t.deepEqual(calls, [], `no backend work: ${label}`)
}

/** `stored` passes parsing: verifyPassword reaches the (stub) backend and matches its tag. */
async function accepted(t: ExecutionContext, label: string, stored: string, options?: PasswordOptions) {
  const { backend, calls } = spy(true)
  t.true(await on(backend, () => verifyPassword(stored, 'password', options)), label)
  t.is(calls.length, 1, label)
  t.notThrows(() => needsRehash(stored, options), label)
}

/** One character of `field` moved to the next one in the alphabet (sets unused low bits at the end). */
const bump = (field: string) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  return field.slice(0, -1) + alphabet[alphabet.indexOf(field.at(-1) as string) + 1]
}

test(t_('password hostile: the spy sees the work for a well-formed hash (control)'), async (t) => {
  await accepted(t, 'well-formed', phc())
  const { backend, calls } = spy()
  t.false(await on(backend, () => verifyPassword(phc('m=64,t=1,p=1'), 'password')))
  t.deepEqual(calls, ['argon2id m=64 t=1 p=1'])
})

test(t_('password hostile: parameters out of range are ERR_PARAMS_OUT_OF_RANGE before any work'), async (t) => {
  const cases: [string, string][] = [
    ['m=4194304 (4 GiB)', 'm=4194304,t=2,p=1'],
    ['m=262145 (one above the default limit)', 'm=262145,t=2,p=1'],
    ['m=4294967295', 'm=4294967295,t=2,p=1'],
    ['m=4294967296 (2^32)', 'm=4294967296,t=2,p=1'],
    ['m=0', 'm=0,t=2,p=1'],
    ['t=4294967295', 'm=19456,t=4294967295,p=1'],
    ['t=17', 'm=19456,t=17,p=1'],
    ['t=0', 'm=19456,t=0,p=1'],
    ['p=0', 'm=19456,t=2,p=0'],
    ['p=16777216', 'm=19456,t=2,p=16777216'],
    ['p=16777215', 'm=262144,t=2,p=16777215'],
    ['p=17', 'm=19456,t=2,p=17'],
    ['p=256', 'm=19456,t=2,p=256'],
    ['m < 8p (m=15, p=2)', 'm=15,t=2,p=2'],
    ['m < 8p (m=7, p=1)', 'm=7,t=1,p=1'],
    ['m < 8p (m=127, p=16)', 'm=127,t=1,p=16'],
  ]
  for (const [label, params] of cases) await refused(t, label, phc(params), OUT)
})

test(t_('password hostile: salts and tags outside 8..64 and 16..64 bytes are ERR_PARAMS_OUT_OF_RANGE'), async (t) => {
  const cases: [string, string][] = [
    ['empty salt', phc(undefined, '')],
    ['1-byte salt', phc(undefined, b64(Buffer.alloc(1)))],
    ['7-byte salt', phc(undefined, b64(Buffer.from('somesal')))],
    ['65-byte salt', phc(undefined, b64(Buffer.alloc(65, 1)))],
    ['empty tag', phc(undefined, S, '')],
    ['4-byte tag', phc(undefined, S, b64(Buffer.alloc(4)))],
    ['15-byte tag', phc(undefined, S, b64(Buffer.alloc(15)))],
    ['65-byte tag', phc(undefined, S, b64(Buffer.alloc(65, 1)))],
  ]
  for (const [label, stored] of cases) await refused(t, label, stored, OUT)
  // The bounds themselves are accepted.
  await accepted(t, '8-byte salt', phc(undefined, b64(Buffer.alloc(8)), b64(Buffer.alloc(32, 0xa5))))
  await accepted(t, '64-byte salt, 64-byte tag', phc(undefined, b64(Buffer.alloc(64)), b64(Buffer.alloc(64, 0xa5))))
  await accepted(t, '16-byte tag', phc(undefined, S, b64(Buffer.alloc(16, 0xa5))))
})

test(t_('password hostile: other algorithms, versions and names are ERR_BAD_FORMAT'), async (t) => {
  const rest = `m=19456,t=2,p=1$${S}$${T}`
  const cases: [string, string][] = [
    ['argon2i', `$argon2i$v=19$${rest}`],
    ['argon2d', `$argon2d$v=19$${rest}`],
    ['argon2', `$argon2$v=19$${rest}`],
    ['ARGON2ID', `$ARGON2ID$v=19$${rest}`],
    ['Argon2id', `$Argon2id$v=19$${rest}`],
    ['argon2id2', `$argon2id2$v=19$${rest}`],
    ['argon2id with a space', `$argon2id $v=19$${rest}`],
    ['empty name', `$$v=19$${rest}`],
    ['scrypt', `$scrypt$ln=16,r=8,p=1$${S}$${T}`],
    ['pbkdf2-sha256', `$pbkdf2-sha256$29000$${S}$${T}`],
    ['md5-crypt', '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/'],
    ['sha512-crypt', `$6$rounds=5000$saltsalt$${T}`],
    ['yescrypt', `$y$j9T$${S}$${T}`],
    ['v=16', `$argon2id$v=16$${rest}`],
    ['v=20', `$argon2id$v=20$${rest}`],
    ['v=019', `$argon2id$v=019$${rest}`],
    ['V=19', `$argon2id$V=19$${rest}`],
    ['v=0x13', `$argon2id$v=0x13$${rest}`],
    ['no version (the reference reads it as v=16)', `$argon2id$${rest}`],
    ['version joined to the parameters', `$argon2id$v=19,${rest}`],
  ]
  for (const [label, stored] of cases) await refused(t, label, stored, BAD)
})

test(t_('password hostile: the v=16 reference KAT as a PHC string is refused (ERR_BAD_FORMAT)'), async (t) => {
  const k = vectors.refKatV16
  const salt = b64(Buffer.from(k.saltHex, 'hex'))
  const tag = b64(Buffer.from(k.tagHex, 'hex'))
  await refused(t, 'v=16 KAT', `$argon2id$v=16$m=${k.mKiB},t=${k.t},p=${k.p}$${salt}$${tag}`, BAD)
  // The same string with v=19 is well-formed (and is then just a tag that does not match).
  await accepted(t, 'as v=19', `$argon2id$v=19$m=${k.mKiB},t=${k.t},p=${k.p}$${salt}$${b64(Buffer.alloc(32, 0xa5))}`)
})

test(t_('password hostile: missing, doubled or foreign separators are ERR_BAD_FORMAT'), async (t) => {
  const cases: [string, string][] = [
    ['no $ between parameters and salt', `$argon2id$v=19$m=19456,t=2,p=1${S}$${T}`],
    ['no $ between salt and tag', `$argon2id$v=19$m=19456,t=2,p=1$${S}${T}`],
    ['no $ between version and parameters', `$argon2id$v=19m=19456,t=2,p=1$${S}$${T}`],
    ['no leading $', phc().slice(1)],
    ['$$ between salt and tag', `$argon2id$v=19$m=19456,t=2,p=1$${S}$$${T}`],
    ['no tag', `$argon2id$v=19$m=19456,t=2,p=1$${S}`],
    ['no salt and no tag', '$argon2id$v=19$m=19456,t=2,p=1'],
    ['semicolons', phc('m=19456;t=2;p=1')],
    ['spaces after commas', phc('m=19456, t=2, p=1')],
    ['empty string', ''],
    ['a single $', '$'],
    ['name only', '$argon2id'],
    ['name and version only', '$argon2id$v=19$'],
  ]
  for (const [label, stored] of cases) await refused(t, label, stored, BAD)
})

test(t_('password hostile: base64 with padding, other alphabets or non-canonical bits is ERR_BAD_FORMAT'), async (t) => {
  const cases: [string, string][] = [
    ['padded salt', phc(undefined, `${S}==`)],
    ['padded tag', phc(undefined, S, `${T}=`)],
    ['base64url - in the salt', phc(undefined, `-${S.slice(1)}`)],
    ['base64url _ in the tag', phc(undefined, S, `_${T.slice(1)}`)],
    ['. in the salt', phc(undefined, `.${S.slice(1)}`)],
    ['space in the tag', phc(undefined, S, ` ${T.slice(1)}`)],
    ['newline in the salt', phc(undefined, `${S.slice(0, 10)}\n${S.slice(11)}`)],
    ['NUL in the tag', phc(undefined, S, `${T.slice(0, -1)}\0`)],
    ['non-ASCII in the salt', phc(undefined, `é${S.slice(1)}`)],
    ['salt of 4n+1 characters', phc(undefined, S.slice(0, 21))],
    ['non-canonical salt (unused bits set)', phc(undefined, bump(S))],
    ['non-canonical tag (unused bits set)', phc(undefined, S, bump(T))],
  ]
  t.not(bump(S), S)
  for (const [label, stored] of cases) await refused(t, label, stored, BAD)
})

test(t_('password hostile: numbers with leading zeros, signs or other spellings are ERR_BAD_FORMAT'), async (t) => {
  const cases = [
    'm=019456,t=2,p=1',
    'm=19456,t=02,p=1',
    'm=19456,t=2,p=01',
    'm=00,t=2,p=1',
    'm=+19456,t=2,p=1',
    'm=19456,t=+2,p=1',
    'm=19456,t=2,p=+1',
    'm=-1,t=2,p=1',
    'm=19456,t=-2,p=1',
    'm=19456.0,t=2,p=1',
    'm=1e4,t=2,p=1',
    'm=0x4c00,t=2,p=1',
    'm= 19456,t=2,p=1',
    'm=19456 ,t=2,p=1',
    'm=,t=2,p=1',
    'm=\uff11\uff19\uff14\uff15\uff16,t=2,p=1',
    'm=99999999999,t=2,p=1',
    'm=19456,t=2,p=1\n',
  ]
  for (const params of cases) await refused(t, params, phc(params), BAD)
})

// Not listed: 'm=…,p=…,t=…', the order argon2 (node-argon2) writes. Whether keycard reads it is an
// interoperability question (password_interop.spec.ts), not a hostile-input one.
test(t_('password hostile: reordered, duplicated, missing or extra parameters are ERR_BAD_FORMAT'), async (t) => {
  const cases = [
    't=2,m=19456,p=1',
    'p=1,t=2,m=19456',
    't=2,p=1,m=19456',
    'm=19456,m=19456,t=2,p=1',
    'm=19456,t=2,t=2,p=1',
    'm=19456,t=2,p=1,p=1',
    'm=19456,t=2,m=19456',
    'm=19456,t=2',
    'm=19456',
    '',
    'm=19456,,t=2,p=1',
    'm=19456,t=2,p=1,',
    'm=19456,t=2,p=1,keyid=AAAA',
    'm=19456,t=2,p=1,data=AAAA',
    'M=19456,t=2,p=1',
    'mem=19456,t=2,p=1',
  ]
  for (const params of cases) await refused(t, params, phc(params), BAD)
})

test(t_('password hostile: trailing or leading garbage and over-long strings are ERR_BAD_FORMAT'), async (t) => {
  const cases: [string, string][] = [
    ['trailing $', `${phc()}$`],
    ['a sixth field', `${phc()}$AAAA`],
    ['trailing space', `${phc()} `],
    ['trailing newline', `${phc()}\n`],
    ['trailing NUL', `${phc()}\0`],
    ['trailing ==', `${phc()}==`],
    ['leading space', ` ${phc()}`],
    ['leading BOM', `\ufeff${phc()}`],
    ['257 characters', phc(undefined, S, `${T}${'A'.repeat(257 - phc().length)}`)],
    ['a salt of 300 characters', phc(undefined, 'A'.repeat(300))],
    ['1 MB', 'x'.repeat(1 << 20)],
    ['1 MB after a valid string', `${phc()}$${'A'.repeat(1 << 20)}`],
  ]
  t.is((cases[8] as [string, string])[1].length, 257)
  for (const [label, stored] of cases) await refused(t, label, stored, BAD)
})

// null and undefined are an unknown user (password.spec.ts): verified against a dummy, false.
test(t_('password hostile: stored values that are not strings are ERR_BAD_FORMAT'), async (t) => {
  const cases: [string, unknown][] = [
    ['a number', 42],
    ['an object', {}],
    ['a Buffer holding a valid string', Buffer.from(phc())],
    ['a String object', new String(phc())],
  ]
  for (const [label, stored] of cases) await refused(t, label, stored, BAD)
})

test(
  t_('password hostile: the test.c invalid strings (argon2i) are ERR_BAD_FORMAT, their argon2id forms per case'),
  async (t) => {
    t.is(vectors.invalidPhcStrings.length, 4)
    for (const v of vectors.invalidPhcStrings) await refused(t, v.why, v.phc, BAD)
    const [noParamSep, noSaltSep, emptySalt, wrongPassword] = vectors.invalidPhcStrings.map((v) =>
      v.phc.replace(/^\$argon2i\$/, '$argon2id$'),
    ) as [string, string, string, string]
    await refused(t, 'argon2id, missing $ between params and salt', noParamSep, BAD)
    await refused(t, 'argon2id, missing $ between salt and hash', noSaltSep, BAD)
    await refused(t, 'argon2id, empty salt', emptySalt, OUT)
    // Well-formed argon2id whose tag is another type's: a mismatch is false, not a throw.
    t.false(await verifyPassword(wrongPassword, 'password'))
  },
)

test(t_('password hostile: bcrypt with cost out of range is ERR_PARAMS_OUT_OF_RANGE, malformed ERR_BAD_FORMAT'), async (t) => {
  const body = bcrypt.hashSync('password', 4).slice(7)
  t.is(body.length, 53)
  const outOfRange: [string, string][] = [
    ['cost 31', `$2b$31$${body}`],
    ['cost 15', `$2b$15$${body}`],
    ['cost 99', `$2a$99$${body}`],
    ['cost 03', `$2y$03$${body}`],
    ['cost 00', `$2b$00$${body}`],
  ]
  for (const [label, stored] of outOfRange) await refused(t, label, stored, OUT)
  const malformed: [string, string][] = [
    ['one-digit cost', `$2b$4$${body}`],
    ['three-digit cost', `$2b$004$${body.slice(1)}`],
    ['signed cost', `$2b$+4$${body}`],
    ['hex cost', `$2b$0a$${body}`],
    ['59 characters', `$2b$04$${body.slice(1)}`],
    ['61 characters', `$2b$04$${body}A`],
    ['trailing newline', `$2b$04$${body}\n`],
    ['no $ after the cost', `$2b$04${body}A`],
    ['+ in the body', `$2b$04$+${body.slice(1)}`],
    ['= in the body', `$2b$04$${body.slice(0, -1)}=`],
    ['space in the body', `$2b$04$ ${body.slice(1)}`],
    ['$2x$ (crypt_blowfish bug-compatible)', `$2x$04$${body}`],
    ['$2$ (original)', `$2$04$${body}A`],
    ['$2c$', `$2c$04$${body}`],
    ['$2B$', `$2B$04$${body}`],
    ['$3$', `$3$04$${body}A`],
  ]
  for (const [label, stored] of malformed) await refused(t, label, stored, BAD)
})

// --- passwords -----------------------------------------------------------------------------------

test(t_('password hostile: a 1 MB password is ERR_PARAMS_OUT_OF_RANGE for hash and verify, before any work'), async (t) => {
  const stored = await hashPassword('short', CHEAP)
  const bcryptStored = bcrypt.hashSync('short', 4)
  const huge: [string, string | Uint8Array][] = [
    ['1 MB string', 'x'.repeat(1 << 20)],
    ['1 MB of three-byte characters', '€'.repeat(1 << 20)],
    ['1 MB Buffer', Buffer.alloc(1 << 20, 0x61)],
  ]
  for (const [label, password] of huge) {
    const { backend, calls } = spy()
    await t.throwsAsync(
      on(backend, () => hashPassword(password, CHEAP)),
      { code: OUT },
      `hash: ${label}`,
    )
    await t.throwsAsync(
      on(backend, () => verifyPassword(stored, password)),
      { code: OUT },
      `verify: ${label}`,
    )
    await t.throwsAsync(
      on(backend, () => verifyPassword(bcryptStored, password)),
      { code: OUT },
      `bcrypt verify: ${label}`,
    )
    await t.throwsAsync(
      on(backend, () => verifyAndRehash(stored, password)),
      { code: OUT },
      `verifyAndRehash: ${label}`,
    )
    t.deepEqual(calls, [], `no backend work: ${label}`)
  }
})

test(t_('password hostile: passwords are bounded at 4096 UTF-8 bytes, not characters'), async (t) => {
  const stored = await hashPassword('x'.repeat(4096), CHEAP)
  t.true(await verifyPassword(stored, 'x'.repeat(4096)))
  t.false(await verifyPassword(stored, 'x'.repeat(4095)))
  await t.throwsAsync(verifyPassword(stored, 'x'.repeat(4097)), { code: OUT })
  await t.throwsAsync(hashPassword('x'.repeat(4097), CHEAP), { code: OUT })
  // 1365 × 3 bytes = 4095 bytes: fine; 1366 × 3 = 4098 bytes (1366 characters): refused.
  t.true(await verifyPassword(await hashPassword('€'.repeat(1365), CHEAP), '€'.repeat(1365)))
  await t.throwsAsync(hashPassword('€'.repeat(1366), CHEAP), { code: OUT })
  await t.throwsAsync(verifyPassword(stored, '€'.repeat(1366)), { code: OUT })
  await t.throwsAsync(verifyPassword(stored, Buffer.alloc(4097)), { code: OUT })
})

test(t_('password hostile: passwords and peppers that are not strings or bytes are ERR_INVALID_ARGUMENT'), async (t) => {
  const stored = phc()
  for (const password of [undefined, null, 42, {}, ['pw'], new ArrayBuffer(4)]) {
    const { backend, calls } = spy()
    await t.throwsAsync(
      on(backend, () => hashPassword(password as string, CHEAP)),
      { code: 'ERR_INVALID_ARGUMENT' },
    )
    await t.throwsAsync(
      on(backend, () => verifyPassword(stored, password as string)),
      { code: 'ERR_INVALID_ARGUMENT' },
    )
    t.deepEqual(calls, [])
  }
  await t.throwsAsync(hashPassword('pw', { ...CHEAP, pepper: 42 as unknown as string }), { code: 'ERR_INVALID_ARGUMENT' })
})

// --- options -------------------------------------------------------------------------------------

test(t_('password hostile: hashPassword options out of range are ERR_PARAMS_OUT_OF_RANGE before any work'), async (t) => {
  const cases: [string, PasswordOptions][] = [
    ['memoryKiB 4 GiB', { memoryKiB: 4_194_304 }],
    ['memoryKiB 262145', { memoryKiB: 262_145 }],
    ['memoryKiB 0', { memoryKiB: 0 }],
    ['memoryKiB 7', { memoryKiB: 7, passes: 1 }],
    ['memoryKiB 1024.5', { memoryKiB: 1024.5 }],
    ['memoryKiB NaN', { memoryKiB: Number.NaN }],
    ['memoryKiB Infinity', { memoryKiB: Number.POSITIVE_INFINITY }],
    ['memoryKiB -1', { memoryKiB: -1 }],
    ['passes 0', { ...CHEAP, passes: 0 }],
    ['passes 17', { ...CHEAP, passes: 17 }],
    ['passes 2.5', { ...CHEAP, passes: 2.5 }],
    ['lanes 0', { ...CHEAP, lanes: 0 }],
    ['lanes 17', { ...CHEAP, lanes: 17 }],
    ['lanes 256', { ...CHEAP, lanes: 256 }],
    ['memoryKiB < 8 lanes', { memoryKiB: 31, passes: 1, lanes: 4 }],
    ['saltLength 7', { ...CHEAP, saltLength: 7 }],
    ['saltLength 65', { ...CHEAP, saltLength: 65 }],
    ['saltLength -1', { ...CHEAP, saltLength: -1 }],
    ['saltLength 100000', { ...CHEAP, saltLength: 100_000 }],
    ['tagLength 15', { ...CHEAP, tagLength: 15 }],
    ['tagLength 65', { ...CHEAP, tagLength: 65 }],
    ['memoryKiB above a lowered limit', { memoryKiB: 65_537, limits: { maxMemoryKiB: 65_536 } }],
    ['lanes 256 with maxLanes 1000 (never above 255)', { memoryKiB: 4096, lanes: 256, limits: { maxLanes: 1000 } }],
  ]
  for (const [label, options] of cases) {
    const { backend, calls } = spy()
    await t.throwsAsync(
      on(backend, () => hashPassword('pw', options)),
      { code: OUT, instanceOf: KeycardError },
      label,
    )
    t.deepEqual(calls, [], label)
  }
})

test(t_('password hostile: an unknown preset is ERR_INVALID_ARGUMENT'), async (t) => {
  await t.throwsAsync(hashPassword('pw', { preset: 'fast' as never }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => needsRehash(phc(), { preset: 'fast' as never }), { code: 'ERR_INVALID_ARGUMENT' })
})

// Names every object has: PRESETS[name] is truthy without being a preset.
test(t_('password hostile: Object.prototype names are unknown presets too (ERR_INVALID_ARGUMENT)'), async (t) => {
  for (const preset of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    await t.throwsAsync(hashPassword('pw', { preset: preset as never }), { code: 'ERR_INVALID_ARGUMENT' }, preset)
    t.throws(() => needsRehash(phc(), { preset: preset as never }), { code: 'ERR_INVALID_ARGUMENT' }, preset)
  }
})

// --- configurable limits -------------------------------------------------------------------------

test(t_('password hostile: limits.maxMemoryKiB refuses m=131072 when lowered; default parsing accepts it'), async (t) => {
  const stored = phc('m=131072,t=2,p=1')
  await refused(t, 'm=131072 with maxMemoryKiB 65536', stored, OUT, { limits: { maxMemoryKiB: 65_536 } })
  await accepted(t, 'm=131072 by default', stored)
  t.false(needsRehash(stored))
  // The test.c vector at 256 MiB: accepted by default (password.spec.ts verifies it), refused below.
  const big = vectors.phcStrings.find((v) => v.mKiB === 262_144)
  if (!big) return t.fail('vector missing')
  await refused(t, 'test.c 256 MiB vector', big.phc, OUT, { limits: { maxMemoryKiB: 65_536 } })
  // Raised: 512 MiB is read (the stub backend stands in for the hash).
  await refused(t, 'm=524288 by default', phc('m=524288,t=2,p=1'), OUT)
  await accepted(t, 'm=524288 with maxMemoryKiB 524288', phc('m=524288,t=2,p=1'), { limits: { maxMemoryKiB: 524_288 } })
})

test(t_('password hostile: limits.maxPasses and maxLanes move the bounds, never past 255 lanes'), async (t) => {
  await accepted(t, 't=16 by default', phc('m=19456,t=16,p=1'))
  await refused(t, 't=3 with maxPasses 2', phc('m=19456,t=3,p=1'), OUT, { limits: { maxPasses: 2 } })
  await accepted(t, 't=17 with maxPasses 32', phc('m=19456,t=17,p=1'), { limits: { maxPasses: 32 } })
  await accepted(t, 'p=16 by default', phc('m=19456,t=2,p=16'))
  await refused(t, 'p=2 with maxLanes 1', phc('m=19456,t=2,p=2'), OUT, { limits: { maxLanes: 1 } })
  await accepted(t, 'p=255 with maxLanes 255', phc('m=19456,t=2,p=255'), { limits: { maxLanes: 255 } })
  await refused(t, 'p=256 with maxLanes 1000', phc('m=19456,t=2,p=256'), OUT, { limits: { maxLanes: 1000 } })
  await refused(t, 'p=16777215 with maxLanes 2^24', phc('m=262144,t=2,p=16777215'), OUT, { limits: { maxLanes: 2 ** 24 } })
})

test(t_('password hostile: limits.maxPasswordBytes lowers and raises the password bound'), async (t) => {
  const limits = { maxPasswordBytes: 8 }
  await t.throwsAsync(hashPassword('123456789', { ...CHEAP, limits }), { code: OUT })
  const stored = await hashPassword('12345678', { ...CHEAP, limits })
  t.true(await verifyPassword(stored, '12345678', { limits }))
  await t.throwsAsync(verifyPassword(stored, '123456789', { limits }), { code: OUT })
  t.false(await verifyPassword(stored, '123456789'))
  // Raised to 1 MiB: a 1 MiB password is hashed and verified for real.
  const big = { maxPasswordBytes: 1 << 20 }
  const password = Buffer.alloc(1 << 20, 0x61)
  const bigStored = await hashPassword(password, { ...CHEAP, limits: big })
  t.true(await verifyPassword(bigStored, password, { limits: big }))
  await t.throwsAsync(verifyPassword(bigStored, password), { code: OUT })
})

test(t_('password hostile: limits.maxBcryptCost lowered refuses cost 5'), async (t) => {
  const stored = bcrypt.hashSync('password', 5)
  t.true(await verifyPassword(stored, 'password'))
  await refused(t, 'cost 5 with maxBcryptCost 4', stored, OUT, { limits: { maxBcryptCost: 4 } })
})

// Costs ~2.5 s on the fallback (bcryptjs at cost 15).
test(t_('password hostile: limits.maxBcryptCost raised to 15 lets a cost-15 hash be checked'), async (t) => {
  const cost4 = bcrypt.hashSync('password', 4)
  // The same salt and digest relabelled cost 15: well-formed, and not the hash of 'password' at cost 15.
  const relabelled = `$2b$15$${cost4.slice(7)}`
  await refused(t, 'cost 15 by default', relabelled, OUT)
  t.false(await verifyPassword(relabelled, 'password', { limits: { maxBcryptCost: 15 } }))
})

// A limit merged as `{ ...defaults, ...given }` let `undefined` (and NaN) replace the default, and
// `m > undefined` is false: the bound was gone, and a stored m=2^32-1 reached the native core,
// which aborted the process trying to allocate 4 TiB.
test(t_('password hostile: an undefined limit is the default, not the absence of a bound'), async (t) => {
  const huge = phc('m=4294967295,t=2,p=1')
  for (const key of ['maxMemoryKiB', 'maxPasses', 'maxLanes', 'maxBcryptCost', 'maxPasswordBytes'] as const) {
    const options = { limits: { [key]: undefined } }
    await refused(t, `m=2^32-1 with ${key}: undefined`, huge, OUT, options)
    await refused(t, `m=262145 with ${key}: undefined`, phc('m=262145,t=2,p=1'), OUT, options)
    await refused(t, `t=17 with ${key}: undefined`, phc('m=19456,t=17,p=1'), OUT, options)
    await refused(t, `p=17 with ${key}: undefined`, phc('m=19456,t=2,p=17'), OUT, options)
    await refused(t, `bcrypt cost 15 with ${key}: undefined`, `$2b$15$${bcrypt.hashSync('pw', 4).slice(7)}`, OUT, options)
    await accepted(t, `the default hash with ${key}: undefined`, phc(), options)
  }
  // maxPasswordBytes: undefined keeps the 4096-byte bound on hash and verify, before any work.
  const { backend, calls } = spy()
  const limits = { maxPasswordBytes: undefined }
  const password = Buffer.alloc(1 << 20, 0x61)
  await t.throwsAsync(
    on(backend, () => hashPassword(password, { ...CHEAP, limits })),
    { code: OUT },
  )
  await t.throwsAsync(
    on(backend, () => verifyPassword(phc(), password, { limits })),
    { code: OUT },
  )
  await t.throwsAsync(
    on(backend, () => verifyPassword(phc(), 'x'.repeat(4097), { limits })),
    { code: OUT },
  )
  t.deepEqual(calls, [])
})

test(t_('password hostile: limits that are not positive integers are ERR_INVALID_ARGUMENT before any work'), async (t) => {
  const values: [string, unknown][] = [
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['-1', -1],
    ['0', 0],
    ['-0', -0],
    ['1.5', 1.5],
    ['2^53', 2 ** 53],
    ["'100'", '100'],
    ['null', null],
    ['true', true],
    ['{}', {}],
    ['100n', 100n],
  ]
  const ARG: ErrorCode = 'ERR_INVALID_ARGUMENT'
  for (const key of ['maxMemoryKiB', 'maxPasses', 'maxLanes', 'maxBcryptCost', 'maxPasswordBytes'] as const) {
    for (const [label, value] of values) {
      const options = { limits: { [key]: value } } as unknown as PasswordOptions
      const what = `${key}: ${label}`
      await refused(t, what, phc(), ARG, options)
      await refused(t, `${what} (bcrypt)`, bcrypt.hashSync('pw', 4), ARG, options)
      const { backend, calls } = spy()
      await t.throwsAsync(
        on(backend, () => hashPassword('pw', { ...CHEAP, ...options })),
        { code: ARG, instanceOf: KeycardError },
        `hashPassword: ${what}`,
      )
      await t.throwsAsync(
        on(backend, () => verifyPassword(null, 'pw', options)),
        { code: ARG, instanceOf: KeycardError },
        `verifyPassword(null): ${what}`,
      )
      t.deepEqual(calls, [], what)
    }
  }
  for (const limits of [null, 5, 'limits', true]) {
    const options = { limits } as unknown as PasswordOptions
    await refused(t, `limits: ${String(limits)}`, phc(), ARG, options)
    await t.throwsAsync(hashPassword('pw', { ...CHEAP, ...options }), { code: ARG }, `hashPassword, limits: ${String(limits)}`)
  }
})

test(t_('password hostile: limits above the hard ceilings are capped (2 GiB, 1024 passes, bcrypt cost 31)'), async (t) => {
  const limits = { maxMemoryKiB: 2 ** 40, maxPasses: 2 ** 31, maxLanes: 2 ** 31, maxBcryptCost: 99 }
  // At the ceilings: read (the stub backend stands in for the work).
  await accepted(t, 'm=2^21 (2 GiB)', phc('m=2097152,t=1,p=1'), { limits })
  await accepted(t, 't=1024', phc('m=64,t=1024,p=1'), { limits })
  await accepted(t, 'p=255', phc('m=2040,t=1,p=255'), { limits })
  // Above them: refused whatever the limits say.
  await refused(t, 'm=2^21+1', phc('m=2097153,t=1,p=1'), OUT, { limits })
  await refused(t, 'm=2^32-1', phc('m=4294967295,t=1,p=1'), OUT, { limits })
  await refused(t, 't=1025', phc('m=64,t=1025,p=1'), OUT, { limits })
  await refused(t, 't=2^32-1', phc('m=64,t=4294967295,p=1'), OUT, { limits })
  await refused(t, 'p=256', phc('m=4096,t=1,p=256'), OUT, { limits })
  const body = bcrypt.hashSync('pw', 4).slice(7)
  await refused(t, 'bcrypt cost 32', `$2b$32$${body}`, OUT, { limits })
  await refused(t, 'bcrypt cost 99', `$2b$99$${body}`, OUT, { limits })
  const { backend, calls } = spy()
  for (const options of [{ memoryKiB: 2 ** 21 + 1 }, { memoryKiB: 2 ** 32 - 1 }, { memoryKiB: 64, passes: 1025 }]) {
    await t.throwsAsync(
      on(backend, () => hashPassword('pw', { ...options, limits })),
      { code: OUT },
      JSON.stringify(options),
    )
  }
  t.deepEqual(calls, [])
})

// --- lone surrogates -----------------------------------------------------------------------------

// '\uD800' has no UTF-8 form: Buffer.from encodes it as U+FFFD (ef bf bd), so it verified against
// the hash of '\uFFFD' (and of any other lone surrogate).
test(t_('password hostile: a password string with a lone surrogate is ERR_INVALID_ARGUMENT, before any work'), async (t) => {
  const replacement = await hashPassword('\uFFFD', CHEAP)
  const bcryptStored = bcrypt.hashSync('\uFFFD', 4)
  t.true(await verifyPassword(replacement, '\uFFFD'))
  t.true(await verifyPassword(bcryptStored, '\uFFFD'))
  const ARG: ErrorCode = 'ERR_INVALID_ARGUMENT'
  for (const password of ['\uD800', '\uDFFF', 'pass\uD83Dword', 'pass\uDD11word', '\uDD11\uD83D', '\u{1f511}'.slice(0, 1)]) {
    const label = JSON.stringify(password)
    const { backend, calls } = spy()
    await t.throwsAsync(
      on(backend, () => hashPassword(password, CHEAP)),
      { code: ARG, instanceOf: KeycardError },
      `hash ${label}`,
    )
    // Rejected, not false: see verifyPassword's doc.
    for (const stored of [replacement, bcryptStored, null]) {
      await t.throwsAsync(
        on(backend, () => verifyPassword(stored, password)),
        { code: ARG, instanceOf: KeycardError },
        `verify ${label} against ${String(stored).slice(0, 7)}`,
      )
    }
    await t.throwsAsync(
      on(backend, () => verifyAndRehash(replacement, password)),
      { code: ARG },
      `verifyAndRehash ${label}`,
    )
    await t.throwsAsync(
      on(backend, () => hashPassword('pw', { ...CHEAP, pepper: password })),
      { code: ARG },
      `pepper ${label}`,
    )
    t.deepEqual(calls, [], label)
  }
  // Well-formed strings, surrogate pairs included, are fine; bytes are bytes (not UTF-16).
  const key = await hashPassword('pass\u{1f511}word', CHEAP)
  t.true(await verifyPassword(key, 'pass\u{1f511}word'))
  t.true(await verifyPassword(replacement, Buffer.from('efbfbd', 'hex')))
})

// --- the backends' own bounds --------------------------------------------------------------------

testNative(t_('password hostile: the native core refuses out-of-range jobs itself (second line)'), async (t) => {
  const job = { password: Buffer.from('pw'), salt: SALT, m: 64, t: 1, p: 1, tagLength: 32, pepper: null }
  const cases: [string, Partial<typeof job> & { salt?: Buffer }][] = [
    ['p=0', { p: 0 }],
    ['t=0', { t: 0 }],
    ['m < 8p', { m: 15, p: 2 }],
    ['p=256', { m: 2048, p: 256 }],
    ['15-byte tag', { tagLength: 15 }],
    ['65-byte tag', { tagLength: 65 }],
    ['7-byte salt', { salt: Buffer.alloc(7) }],
    ['65-byte salt', { salt: Buffer.alloc(65) }],
  ]
  for (const [label, over] of cases) {
    await t.throwsAsync(native.argon2id({ ...job, ...over }), { code: OUT }, label)
  }
})

// The hard ceilings hold in each backend on its own, whatever the TypeScript layer passes: natively
// m=2^32-1 was a 4 TiB allocation that aborted the process (see also password_crash.spec.ts).
test(t_('password hostile: both backends refuse jobs above the hard ceilings themselves'), async (t) => {
  const job = { password: Buffer.from('pw'), salt: SALT, m: 64, t: 1, p: 1, tagLength: 32, pepper: null }
  const cases: [string, Partial<typeof job>][] = [
    ['m=2^32-1 (4 TiB)', { m: 2 ** 32 - 1 }],
    ['m=2^21+1', { m: 2 ** 21 + 1 }],
    ['t=2^32-1', { t: 2 ** 32 - 1 }],
    ['t=1025', { t: 1025 }],
    ['p=2^32-1', { m: 2 ** 32 - 1, p: 2 ** 32 - 1 }],
  ]
  for (const backend of both) {
    for (const [label, over] of cases) {
      await t.throwsAsync(backend.argon2id({ ...job, ...over }), { code: OUT }, `${backend.name}: ${label}`)
    }
    // At the ceilings the work is done (cheaply: 1024 passes over 64 KiB).
    t.is((await backend.argon2id({ ...job, t: 1024 })).length, 32, `${backend.name}: t=1024`)
  }
})

// A bcrypt hash whose last salt or digest character carries non-zero unused bits passes keycard's
// shared parser (it checks the alphabet and length), so the backends decide. They must agree.
test(t_('password hostile: bcrypt hashes with non-canonical base64 are ERR_BAD_FORMAT'), async (t) => {
  // The Rust bcrypt crate refuses set unused bits, bcryptjs ignores them: keycard refuses them
  // before either sees the hash, so both backends answer alike.
  const stored = bcrypt.hashSync('password', 4)
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const next = (c: string) => alphabet[alphabet.indexOf(c) + 1] as string
  const cases: [string, string][] = [
    ['salt', `${stored.slice(0, 28)}${next(stored[28] as string)}${stored.slice(29)}`],
    ['digest', `${stored.slice(0, 59)}${next(stored[59] as string)}`],
  ]
  t.true(await verifyPassword(stored, 'password'))
  for (const [label, s] of cases) {
    t.is(s.length, 60)
    t.throws(() => needsRehash(s), { code: 'ERR_BAD_FORMAT' }, label)
    await t.throwsAsync(verifyPassword(s, 'password'), { code: 'ERR_BAD_FORMAT' }, label)
  }
})

test(t_('password hostile: options of the wrong type are ERR_INVALID_ARGUMENT before any work'), async (t) => {
  for (const options of [{ memoryKiB: '1024' }, { saltLength: '16' }, { passes: null }, { tagLength: {} }]) {
    await t.throwsAsync(hashPassword('pw', options as never), { code: 'ERR_INVALID_ARGUMENT' }, JSON.stringify(options))
  }
})

test(t_('password: unknown option and limit names are refused with a hint, never ignored'), async (t) => {
  const hash = '$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$' + 'A'.repeat(43)
  await t.throwsAsync(verifyPassword(hash, 'pw', { limits: { maxMemoryKib: 1 } as never }), {
    code: 'ERR_INVALID_ARGUMENT',
    message: /unknown password option `limits.maxMemoryKib`: did you mean `limits.maxMemoryKiB`\?/,
  })
  await t.throwsAsync(hashPassword('pw', { timeCost: 3 } as never), {
    code: 'ERR_INVALID_ARGUMENT',
    message: /unknown password option `timeCost`: did you mean `passes`\?/,
  })
})
