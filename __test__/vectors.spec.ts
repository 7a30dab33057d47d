/**
 * Known-answer vectors through both backends' primitives (sources in __test__/vectors/README.md).
 * The Rust core runs the same files in crates/keycard-sign/tests/vectors.rs.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import { both, t_ } from './helpers/backends'

const load = (name: string) => JSON.parse(readFileSync(join(__dirname, 'vectors', name), 'utf8'))
const hex = (s: string) => Buffer.from(s, 'hex')

interface WycheproofGroup<T> {
  tagSize?: number
  tests: T[]
}

test(t_('vectors: RFC 4231 HMAC-SHA256, test cases 1-7'), (t) => {
  const { tests } = load('rfc4231-hmac-sha256.json')
  t.is(tests.length, 7)
  for (const be of both) {
    for (const v of tests) {
      const mac = Buffer.from(be.hmacSha256(hex(v.keyHex), hex(v.dataHex)))
      t.is(mac.subarray(0, v.truncateToBytes ?? 32).toString('hex'), v.expectedHmacSha256, `${be.name} tc ${v.tcId}`)
    }
  }
})

test(t_('vectors: Wycheproof HMAC-SHA256, 174 cases (valid match, invalid differ)'), (t) => {
  const file = load('wycheproof-hmac_sha256_test.json')
  for (const be of both) {
    let count = 0
    for (const group of file.testGroups as WycheproofGroup<{
      tcId: number
      key: string
      msg: string
      tag: string
      result: string
    }>[]) {
      const tagBytes = (group.tagSize as number) / 8
      for (const v of group.tests) {
        const mac = Buffer.from(be.hmacSha256(hex(v.key), hex(v.msg))).subarray(0, tagBytes)
        t.is(mac.equals(hex(v.tag)), v.result === 'valid', `${be.name} tc ${v.tcId}`)
        count++
      }
    }
    t.is(count, 174)
  }
})

test(t_('vectors: RFC 5869 HKDF-SHA256, A.1-A.3'), (t) => {
  const { tests } = load('rfc5869-hkdf-sha256.json')
  for (const be of both) {
    for (const v of tests) {
      const okm = be.hkdfSha256(hex(v.ikm), hex(v.salt), hex(v.info), v.L)
      t.is(Buffer.from(okm).toString('hex'), v.okm, `${be.name} tc ${v.tcId}`)
    }
  }
})

test(t_('vectors: Wycheproof HKDF-SHA256, 86 cases (size 8161 refused)'), (t) => {
  const file = load('wycheproof-hkdf_sha256_test.json')
  for (const be of both) {
    let count = 0
    for (const group of file.testGroups as WycheproofGroup<{
      tcId: number
      ikm: string
      salt: string
      info: string
      size: number
      okm: string
      result: string
    }>[]) {
      for (const v of group.tests) {
        if (v.result === 'valid') {
          t.is(
            Buffer.from(be.hkdfSha256(hex(v.ikm), hex(v.salt), hex(v.info), v.size)).toString('hex'),
            v.okm,
            `${be.name} tc ${v.tcId}`,
          )
        } else {
          t.throws(() => be.hkdfSha256(hex(v.ikm), hex(v.salt), hex(v.info), v.size), { code: 'ERR_PARAMS_OUT_OF_RANGE' })
        }
        count++
      }
    }
    t.is(count, 86)
  }
})

test(t_('vectors: RFC 7515 A.1 signature through both backends'), (t) => {
  const v = load('rfc7515-hs256.json')
  for (const be of both) {
    const mac = be.hmacSha256(hex(v.keyHex), Buffer.from(v.signingInput, 'ascii'))
    t.is(Buffer.from(mac).toString('base64url'), v.signatureB64, be.name)
    // Through a key set too: raw secret (no derivation), as tokens use it.
    const keys = be.createMacKeys([hex(v.keyHex)], null, false)
    t.is(keys.tag(v.signingInput), v.signatureB64)
    t.is(keys.verifyTag(v.signingInput, v.signatureB64, 0), 0)
  }
})
