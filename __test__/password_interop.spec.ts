/**
 * Interoperability with the real libraries users migrate from or run side by side:
 * @node-rs/argon2, argon2 (node-argon2, the reference C implementation) and bcryptjs.
 * keycard verifies their hashes and they verify keycard's, on the backend under test.
 */

import { randomBytes } from 'node:crypto'
import { hash as nodeRsHash, verify as nodeRsVerify } from '@node-rs/argon2'
import argon2 from 'argon2'
import test from 'ava'
import bcrypt from 'bcryptjs'
import { hashPassword, needsRehash, verifyAndRehash, verifyPassword } from '../src/index'
import { hashPasswordWithSalt } from '../src/password'
import { both, t_, testNative } from './helpers/backends'

const CHEAP = { memoryKiB: 1024, passes: 1 } as const
const PASSWORDS = ['hunter2', 'pässwörd \u{1f511}', 'x'.repeat(200)]

// @node-rs/argon2's Algorithm and Version are const enums (not importable under isolatedModules).
const NODE_RS_ARGON2I = 1
const NODE_RS_V0X10 = 0

// --- @node-rs/argon2 -----------------------------------------------------------------------------

test(t_('password interop: keycard verifies @node-rs/argon2 hashes (defaults and cheap parameters)'), async (t) => {
  const defaults = await nodeRsHash('hunter2')
  t.true(defaults.startsWith('$argon2id$v=19$m=19456,t=2,p=1$'))
  t.true(await verifyPassword(defaults, 'hunter2'))
  t.false(await verifyPassword(defaults, 'hunter3'))
  t.false(needsRehash(defaults))
  for (const password of PASSWORDS) {
    const stored = await nodeRsHash(password, { memoryCost: 1024, timeCost: 2, parallelism: 2 })
    t.true(stored.startsWith('$argon2id$v=19$m=1024,t=2,p=2$'))
    t.true(await verifyPassword(stored, password), password)
    t.false(await verifyPassword(stored, `${password}.`), password)
    t.true(needsRehash(stored))
  }
})

test(t_('password interop: @node-rs/argon2 verifies keycard hashes'), async (t) => {
  const defaults = await hashPassword('hunter2')
  t.true(await nodeRsVerify(defaults, 'hunter2'))
  t.false(await nodeRsVerify(defaults, 'hunter3'))
  for (const password of PASSWORDS) {
    const stored = await hashPassword(password, { ...CHEAP, lanes: 2, saltLength: 32, tagLength: 64 })
    t.true(await nodeRsVerify(stored, password), password)
    t.false(await nodeRsVerify(stored, `${password}.`), password)
  }
})

test(t_('password interop: same salt and parameters give the @node-rs/argon2 string exactly'), async (t) => {
  const salt = Buffer.from('0123456789abcdef')
  const theirs = await nodeRsHash('hunter2', { memoryCost: 1024, timeCost: 2, parallelism: 1, salt })
  t.is(await hashPasswordWithSalt('hunter2', salt, { memoryKiB: 1024, passes: 2, lanes: 1 }), theirs)
})

test(t_('password interop: peppers match @node-rs/argon2 secrets both ways'), async (t) => {
  const secret = Buffer.from('server-side pepper')
  const theirs = await nodeRsHash('hunter2', { memoryCost: 1024, timeCost: 1, secret })
  t.true(await verifyPassword(theirs, 'hunter2', { pepper: secret }))
  t.true(await verifyPassword(theirs, 'hunter2', { pepper: 'server-side pepper' }))
  t.false(await verifyPassword(theirs, 'hunter2'))
  const ours = await hashPassword('hunter2', { ...CHEAP, pepper: secret })
  t.true(await nodeRsVerify(ours, 'hunter2', { secret }))
  t.false(await nodeRsVerify(ours, 'hunter2'))
})

test(t_('password interop: @node-rs/argon2 argon2i and v=16 hashes are refused with ERR_BAD_FORMAT'), async (t) => {
  const argon2i = await nodeRsHash('hunter2', { memoryCost: 1024, timeCost: 1, algorithm: NODE_RS_ARGON2I })
  t.true(argon2i.startsWith('$argon2i$v=19$'))
  await t.throwsAsync(verifyPassword(argon2i, 'hunter2'), { code: 'ERR_BAD_FORMAT' })
  const v16 = await nodeRsHash('hunter2', { memoryCost: 1024, timeCost: 1, version: NODE_RS_V0X10 })
  t.true(v16.startsWith('$argon2id$v=16$'))
  await t.throwsAsync(verifyPassword(v16, 'hunter2'), { code: 'ERR_BAD_FORMAT' })
  t.throws(() => needsRehash(v16), { code: 'ERR_BAD_FORMAT' })
})

// --- argon2 (node-argon2) ------------------------------------------------------------------------

// node-argon2 0.45 serialises through @phc/format with its parameters in the order m, p, t.
const NODE_ARGON2_PARAMS = /^\$argon2id\$v=19\$m=\d+,p=\d+,t=\d+\$/
/** A node-argon2 string with its parameters in the reference order m, t, p. */
const referenceOrder = (phc: string) => phc.replace(/\$m=(\d+),p=(\d+),t=(\d+)\$/, '$m=$1,t=$3,p=$2$')

test(t_('password interop: keycard verifies argon2 (node-argon2) hashes'), async (t) => {
  for (const password of PASSWORDS) {
    const stored = await argon2.hash(password, { type: argon2.argon2id, memoryCost: 1024, timeCost: 2, parallelism: 2 })
    t.true(stored.startsWith('$argon2id$v=19$m=1024,p=2,t=2$'), stored)
    t.true(await verifyPassword(stored, password), password)
    t.false(await verifyPassword(stored, `${password}.`), password)
  }
  const owasp = await argon2.hash('hunter2', { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 })
  t.true(await verifyPassword(owasp, 'hunter2'))
  t.false(needsRehash(owasp))
})

test(t_('password interop: argon2 (node-argon2) verifies keycard hashes'), async (t) => {
  const defaults = await hashPassword('hunter2')
  t.true(await argon2.verify(defaults, 'hunter2'))
  t.false(await argon2.verify(defaults, 'hunter3'))
  for (const password of PASSWORDS) {
    const stored = await hashPassword(password, { memoryKiB: 2048, passes: 2, lanes: 4, saltLength: 8, tagLength: 16 })
    t.true(await argon2.verify(stored, password), password)
    t.false(await argon2.verify(stored, `${password}.`), password)
  }
})

test(t_('password interop: same salt and parameters give the argon2 (node-argon2) salt and tag exactly'), async (t) => {
  const salt = Buffer.from('fedcba9876543210fedcba98')
  for (const [m, tt, p] of [
    [1024, 2, 1],
    [2048, 1, 4],
    [256, 3, 2],
  ] as const) {
    const theirs = await argon2.hash('hunter2', { type: argon2.argon2id, memoryCost: m, timeCost: tt, parallelism: p, salt })
    t.regex(theirs, NODE_ARGON2_PARAMS)
    const ours = await hashPasswordWithSalt('hunter2', salt, { memoryKiB: m, passes: tt, lanes: p, saltLength: 24 })
    t.is(ours, referenceOrder(theirs), `m=${m},t=${tt},p=${p}`)
  }
})

test(t_('password interop: keycard verifies peppered argon2 (node-argon2) hashes'), async (t) => {
  const secret = Buffer.from('server-side pepper')
  const theirs = await argon2.hash('hunter2', { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1, secret })
  t.true(await verifyPassword(theirs, 'hunter2', { pepper: secret }))
  t.false(await verifyPassword(theirs, 'hunter2'))
  // The same, with the parameters in the reference order: isolates the pepper from the order.
  t.true(await verifyPassword(referenceOrder(theirs), 'hunter2', { pepper: secret }))
  t.false(await verifyPassword(referenceOrder(theirs), 'hunter2'))
})

test(t_('password interop: argon2 (node-argon2) verifies peppered keycard hashes'), async (t) => {
  const secret = Buffer.from('server-side pepper')
  const ours = await hashPassword('hunter2', { ...CHEAP, pepper: secret })
  t.true(await argon2.verify(ours, 'hunter2', { secret }))
  t.false(await argon2.verify(ours, 'hunter2'))
})

test(t_('password interop: argon2 (node-argon2) argon2i, argon2d and associated-data hashes are ERR_BAD_FORMAT'), async (t) => {
  const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 }
  for (const type of [argon2.argon2i, argon2.argon2d] as const) {
    const stored = await argon2.hash('hunter2', { ...cheap, type })
    t.regex(stored, /^\$argon2[id]\$v=19\$/)
    await t.throwsAsync(verifyPassword(stored, 'hunter2'), { code: 'ERR_BAD_FORMAT' }, stored)
    await t.throwsAsync(verifyPassword(referenceOrder(stored), 'hunter2'), { code: 'ERR_BAD_FORMAT' }, stored)
  }
  // Associated data, which keycard cannot take, is written as a fourth parameter: refused, not `false`.
  const withAd = await argon2.hash('hunter2', { ...cheap, type: argon2.argon2id, associatedData: Buffer.from('ad') })
  t.regex(withAd, /^\$argon2id\$v=19\$m=1024,p=1,t=1,data=YWQ\$/)
  await t.throwsAsync(verifyPassword(withAd, 'hunter2'), { code: 'ERR_BAD_FORMAT' })
  const reordered = withAd.replace('m=1024,p=1,t=1,data=YWQ', 'm=1024,t=1,p=1,data=YWQ')
  await t.throwsAsync(verifyPassword(reordered, 'hunter2'), { code: 'ERR_BAD_FORMAT' })
})

// --- bcryptjs --------------------------------------------------------------------------------------

test(t_('password interop: bcryptjs $2b$, $2a$ and $2y$ hashes verify; wrong passwords are false'), async (t) => {
  for (const password of ['hunter2', 'pässwörd \u{1f511}']) {
    const b = bcrypt.hashSync(password, 4)
    t.true(b.startsWith('$2b$04$'))
    // bcryptjs 3 writes $2b$; $2a$ (older bcryptjs, node.bcrypt.js < 3) and $2y$ (PHP) are the same
    // algorithm for these passwords, with another prefix.
    const a = `$2a$${b.slice(4)}`
    const y = `$2y$${b.slice(4)}`
    for (const stored of [b, a, y]) {
      t.true(await verifyPassword(stored, password), stored)
      t.true(await verifyPassword(stored, Buffer.from(password)), stored)
      t.false(await verifyPassword(stored, `${password}x`), stored)
      t.true(needsRehash(stored), stored)
      t.true(needsRehash(stored, CHEAP), stored)
    }
  }
})

test(t_("password interop: bcryptjs's default cost 10 verifies"), async (t) => {
  const stored = bcrypt.hashSync('hunter2', 10)
  t.true(stored.startsWith('$2b$10$'))
  t.true(await verifyPassword(stored, 'hunter2'))
  t.false(await verifyPassword(stored, 'hunter3'))
})

test(t_('password interop: bcrypt reads only the first 72 bytes of a password'), async (t) => {
  const seventyTwo = 'a'.repeat(72)
  const stored = bcrypt.hashSync(seventyTwo, 4)
  t.true(await verifyPassword(stored, seventyTwo))
  t.true(await verifyPassword(stored, `${seventyTwo}anything after`))
  t.false(await verifyPassword(stored, seventyTwo.slice(1)))
  // Multi-byte: the cut is at 72 bytes, in the middle of a character if need be.
  const euro = '€'.repeat(24) // 72 bytes
  t.true(await verifyPassword(bcrypt.hashSync(euro, 4), `${euro}€`))
})

// bcrypt hashes bytes: the password's, NUL included, then a NUL terminator, at most 72. These
// hashes were made outside keycard and its dependencies: by Crypt::Eksblowfish::Bcrypt (Perl,
// raw octets) and, for the vector without a NUL, also by libxcrypt's crypt() ($2b$), which agree.
// Salt 0123456789abcdeffedcba9876543210, cost 4.
const RAW_BYTE_VECTORS: [string, string][] = [
  ['fffe0080', '$2a$04$.QLDX2kpxc981JoWbjOwC.kOBcjunw4OX3ABW9l9impGohX6rSTeS'],
  ['fffe80c0', '$2a$04$.QLDX2kpxc981JoWbjOwC.BPuKcbJcnI7XKqu8U9DNgLZYIaXeCr6'],
  // 71 bytes of 0xff: where Openwall's crypt_blowfish (libxcrypt, hash-wasm) computes `$2a$`
  // differently from `$2b$` (its guard against the 2011 sign-extension bug). The Rust crate,
  // bcryptjs, OpenBSD and Eksblowfish compute both alike, and keycard follows them.
  ['ff'.repeat(71), '$2a$04$.QLDX2kpxc981JoWbjOwC./MjbJbpy2UwvijM7XYfGhSmKbEJqH7W'],
]

// The native backend hashed the bytes; the fallback (bcryptjs, strings only) answered false for
// any password that is not UTF-8. Both now hash the bytes.
test(t_('password interop: bcrypt hashes of non-UTF-8 password bytes verify alike on both backends'), async (t) => {
  for (const [hex, hash] of RAW_BYTE_VECTORS) {
    const password = Buffer.from(hex, 'hex')
    for (const stored of [hash, `$2b$${hash.slice(4)}`, `$2y$${hash.slice(4)}`]) {
      const label = `${hex.slice(0, 8)} ${stored.slice(0, 4)}`
      t.true(await verifyPassword(stored, password), label)
      t.true(await verifyPassword(stored, new Uint8Array(password)), label)
      // One byte less, one more, one changed: another password.
      t.false(await verifyPassword(stored, password.subarray(0, -1)), label)
      // (Not a NUL: bcrypt appends one itself, so at 71 bytes an added NUL is the same key.)
      t.false(await verifyPassword(stored, Buffer.concat([password, Buffer.from([1])])), label)
      t.false(await verifyPassword(stored, Buffer.from(password).fill(0x7f, 0, 1)), label)
      for (const backend of both) {
        t.true(await backend.bcryptVerify(stored, password), `${backend.name}: ${label}`)
      }
    }
  }
  // A NUL inside the password counts, as bcryptjs hashes it in a string (a C implementation
  // would stop there: keycard and bcryptjs do not).
  const nul = bcrypt.hashSync('a\0b', '$2a$04$.QLDX2kpxc981JoWbjOwC.')
  t.is(nul, '$2a$04$.QLDX2kpxc981JoWbjOwC.jZnbIdplbNLqqzG3Balz1MA2mqeqQUy')
  for (const backend of both) {
    t.true(await backend.bcryptVerify(nul, Buffer.from('610062', 'hex')), backend.name)
    t.false(await backend.bcryptVerify(nul, Buffer.from('61', 'hex')), backend.name)
  }
})

// Random bytes against one hash: the two backends give the same answer for every password.
testNative(t_('password interop: both backends answer alike for arbitrary password bytes'), async (t) => {
  const [hex, stored] = RAW_BYTE_VECTORS[0] as [string, string]
  const passwords = [Buffer.from(hex, 'hex'), Buffer.alloc(72, 0xff), Buffer.alloc(1, 0), Buffer.alloc(100, 0x80)]
  for (let i = 0; i < 12; i++) passwords.push(randomBytes(1 + i * 7))
  for (const password of passwords) {
    const [n, f] = await Promise.all(both.map((backend) => backend.bcryptVerify(stored, password)))
    t.is(n, f, password.toString('hex'))
  }
})

test(t_('password interop: verifyAndRehash migrates a bcrypt hash to argon2id'), async (t) => {
  const stored = bcrypt.hashSync('hunter2', 4)
  t.deepEqual(await verifyAndRehash(stored, 'wrong', CHEAP), { valid: false, rehashed: null })
  const { valid, rehashed } = await verifyAndRehash(stored, 'hunter2', CHEAP)
  t.true(valid)
  if (rehashed === null) return t.fail('expected an argon2id hash')
  t.regex(rehashed, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
  t.true(await verifyPassword(rehashed, 'hunter2'))
  t.false(needsRehash(rehashed, CHEAP))
  // And the new hash is readable by the other libraries.
  t.true(await argon2.verify(rehashed, 'hunter2'))
  t.true(await nodeRsVerify(rehashed, 'hunter2'))
})
