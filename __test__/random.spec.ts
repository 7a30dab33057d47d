import test from 'ava'
import { randomId, timingSafeEqual } from '../src/index'
import { both, on, t_ } from './helpers/backends'

test(t_('random: randomId is 256-bit base64url by default, distinct every call'), (t) => {
  const ids = new Set(Array.from({ length: 1000 }, () => randomId()))
  t.is(ids.size, 1000)
  for (const id of ids) t.regex(id, /^[A-Za-z0-9_-]{43}$/)
  t.is(Buffer.from(randomId(), 'base64url').length, 32)
})

test(t_('random: randomId sizes and bounds'), (t) => {
  t.is(randomId(16).length, 22)
  t.is(randomId(1024).length, 1366)
  for (const bad of [0, 8, 15, 1025, 16.5, Number.NaN, -1, '32' as unknown as number]) {
    t.throws(() => randomId(bad), { code: 'ERR_PARAMS_OUT_OF_RANGE' }, String(bad))
  }
})

test(t_('random: ids are not obviously biased (each base64url character appears)'), (t) => {
  const seen = new Set(Array.from({ length: 200 }, () => randomId()).join(''))
  t.is(seen.size, 64)
})

test(t_('random: both backends draw from the CSPRNG'), (t) => {
  for (const be of both) {
    t.not(be.randomId(32), be.randomId(32))
    t.is(be.randomBytes(64).length, 64)
    t.throws(() => be.randomBytes(1 << 20), { code: 'ERR_PARAMS_OUT_OF_RANGE' })
  }
})

test(t_('random: timingSafeEqual compares strings and bytes, false on length mismatch'), (t) => {
  t.true(timingSafeEqual('abc', 'abc'))
  t.false(timingSafeEqual('abc', 'abd'))
  t.false(timingSafeEqual('abc', 'abcd'))
  t.false(timingSafeEqual('', 'a'))
  t.true(timingSafeEqual('', ''))
  t.true(timingSafeEqual(Buffer.from('é'), 'é'))
  t.true(timingSafeEqual(new Uint8Array([1, 2, 3]), Buffer.from([1, 2, 3])))
  t.false(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])))
  t.throws(() => timingSafeEqual(undefined as unknown as string, 'a'), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => timingSafeEqual('a', 1 as unknown as string), { code: 'ERR_INVALID_ARGUMENT' })
  for (const be of both) {
    t.true(be.timingSafeEqual(Buffer.from('secret-a'), Buffer.from('secret-a')))
    t.false(be.timingSafeEqual(Buffer.from('secret-a'), Buffer.from('secret-b')))
    t.false(be.timingSafeEqual(Buffer.from('secret-a'), Buffer.from('secret')))
  }
})

test(t_('random: timingSafeEqual refuses detached byte arrays (they read as empty, so two would compare equal)'), (t) => {
  const detached = () => {
    const bytes = new Uint8Array([1, 2, 3])
    structuredClone(bytes, { transfer: [bytes.buffer] })
    return bytes
  }
  for (const be of both) {
    on(be, () => {
      t.throws(() => timingSafeEqual(detached(), detached()), { code: 'ERR_INVALID_ARGUMENT' }, be.name)
      t.throws(() => timingSafeEqual(detached(), new Uint8Array(0)), { code: 'ERR_INVALID_ARGUMENT' }, be.name)
      t.true(timingSafeEqual(new Uint8Array(0), new Uint8Array(0)), be.name) // truly empty is fine
    })
  }
})
