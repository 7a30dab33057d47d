/**
 * Wycheproof AES-GCM (docs/SECURITY.md item 11) through the low-level AES-256-GCM primitive of both backends: the
 * 256/96/128 group must match exactly, every other IV size must be refused, and short tags never verify.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import type { Backend } from '../src/backend/types'
import type { KeycardError } from '../src/index'
import { both, t_, testNative } from './helpers/backends'

interface Vector {
  tcId: number
  key: string
  iv: string
  aad: string
  msg: string
  ct: string
  tag: string
  result: 'valid' | 'invalid' | 'acceptable'
  flags: string[]
}
interface Group {
  keySize: number
  ivSize: number
  tagSize: number
  tests: Vector[]
}

const file = JSON.parse(readFileSync(join(__dirname, 'vectors', 'wycheproof-aes_gcm_test.json'), 'utf8')) as {
  testGroups: Group[]
}
const hex = (s: string) => Buffer.from(s, 'hex')
const main = file.testGroups.filter((g) => g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128)
const vectors = main.flatMap((g) => g.tests)
const valid = vectors.filter((v) => v.result === 'valid')
const invalid = vectors.filter((v) => v.result === 'invalid')

/** What a call returns (hex, or 'null') or the code it throws. */
function outcome(fn: () => Uint8Array | null): string {
  try {
    const out = fn()
    return out === null ? 'null' : Buffer.from(out).toString('hex')
  } catch (err) {
    return (err as KeycardError).code ?? String(err)
  }
}

const encrypt = (be: Backend, v: Vector) => outcome(() => be.aesGcmEncrypt(hex(v.key), hex(v.iv), hex(v.aad), hex(v.msg)))
const decrypt = (be: Backend, v: Vector, sealed = hex(v.ct + v.tag)) =>
  outcome(() => be.aesGcmDecrypt(hex(v.key), hex(v.iv), hex(v.aad), sealed))

test(t_('seal: aes-gcm Wycheproof 256/96/128 has 39 valid and 27 ModifiedTag vectors'), (t) => {
  t.is(main.length, 1)
  t.is(valid.length, 39)
  t.is(invalid.length, 27)
  t.is(vectors.length, 66)
  for (const v of invalid) t.true(v.flags.includes('ModifiedTag'), `tcId ${v.tcId}`)
  for (const v of vectors) t.is(hex(v.tag).length, 16)
})

test(t_('seal: aes-gcm all 39 valid vectors encrypt to ct||tag and decrypt to msg on both backends'), (t) => {
  for (const be of both) {
    let passed = 0
    for (const v of valid) {
      t.is(encrypt(be, v), v.ct + v.tag, `${be.name} encrypt tcId ${v.tcId}`)
      t.is(decrypt(be, v), v.msg, `${be.name} decrypt tcId ${v.tcId}`)
      if (encrypt(be, v) === v.ct + v.tag && decrypt(be, v) === v.msg) passed++
    }
    t.is(passed, 39, be.name)
  }
})

test(t_('seal: aes-gcm all 27 ModifiedTag vectors are refused (null) on both backends'), (t) => {
  for (const be of both) {
    let refused = 0
    for (const v of invalid) {
      t.is(decrypt(be, v), 'null', `${be.name} tcId ${v.tcId}`)
      // The ciphertext is right, only the tag was modified: encryption shows the tag that would verify.
      const out = encrypt(be, v)
      t.is(out.slice(0, v.ct.length), v.ct, `${be.name} tcId ${v.tcId}`)
      t.not(out.slice(v.ct.length), v.tag, `${be.name} tcId ${v.tcId}`)
      t.is(decrypt(be, v, hex(out)), v.msg, `${be.name} tcId ${v.tcId} with the real tag`)
      if (decrypt(be, v) === 'null') refused++
    }
    t.is(refused, 27, be.name)
  }
})

testNative(t_('seal: aes-gcm IVs other than 96 bits are ERR_BAD_FORMAT, never decrypted'), (t) => {
  const others = file.testGroups.filter((g) => g.keySize === 256 && g.ivSize !== 96)
  const sizes = new Set(others.map((g) => g.ivSize))
  for (const size of [0, 8, 64, 128, 1024]) t.true(sizes.has(size), `ivSize ${size} present`)
  let count = 0
  for (const be of both) {
    for (const v of others.flatMap((g) => g.tests)) {
      t.is(encrypt(be, v), 'ERR_BAD_FORMAT', `${be.name} encrypt tcId ${v.tcId} iv ${v.iv.length * 4} bits`)
      t.is(decrypt(be, v), 'ERR_BAD_FORMAT', `${be.name} decrypt tcId ${v.tcId}`)
      count++
    }
  }
  t.is(count, 2 * others.reduce((n, g) => n + g.tests.length, 0))
  t.true(count >= 2 * 30)
})

test(t_('seal: aes-gcm 128- and 192-bit keys are ERR_BAD_FORMAT (AES-256 only)'), (t) => {
  const small = file.testGroups.filter((g) => g.keySize !== 256 && g.ivSize === 96).flatMap((g) => g.tests)
  t.true(small.length > 100)
  for (const be of both) {
    for (const v of small) {
      t.is(encrypt(be, v), 'ERR_BAD_FORMAT', `${be.name} tcId ${v.tcId}`)
      t.is(decrypt(be, v), 'ERR_BAD_FORMAT', `${be.name} tcId ${v.tcId}`)
    }
  }
})

test(t_('seal: aes-gcm a tag cut to 12, 8 or 4 bytes or missing is refused, never accepted (docs/SECURITY.md item 9)'), (t) => {
  for (const be of both) {
    for (const v of valid) {
      for (const tagBytes of [12, 8, 4, 0]) {
        const input = hex(v.ct + v.tag.slice(0, tagBytes * 2))
        // Shorter than a tag: malformed. Otherwise the last 16 bytes are taken as the tag and fail.
        const expected = input.length < 16 ? 'ERR_BAD_FORMAT' : 'null'
        t.is(decrypt(be, v, input), expected, `${be.name} tcId ${v.tcId} tag ${tagBytes}`)
      }
    }
    t.is(
      outcome(() => be.aesGcmDecrypt(Buffer.alloc(32), Buffer.alloc(12), Buffer.alloc(0), Buffer.alloc(0))),
      'ERR_BAD_FORMAT',
    )
  }
})

test(t_('seal: aes-gcm any flipped bit of key, iv, aad, ciphertext or tag is refused on both backends'), (t) => {
  const samples = valid.filter((v) => v.aad.length > 0 && v.msg.length > 0).slice(0, 4)
  t.is(samples.length, 4)
  for (const be of both) {
    for (const v of samples) {
      for (const field of ['key', 'iv', 'aad', 'ct', 'tag'] as const) {
        const bytes = hex(v[field])
        for (let i = 0; i < bytes.length; i++) {
          const flipped = Buffer.from(bytes)
          flipped[i] = (flipped[i] as number) ^ (1 << (i % 8))
          const w = { ...v, [field]: flipped.toString('hex') }
          t.is(decrypt(be, w), 'null', `${be.name} tcId ${v.tcId} ${field}[${i}]`)
        }
      }
    }
  }
})
