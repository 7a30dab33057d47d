import test from 'ava'
import { sign, signToken, unsign, verifyToken } from '../src/index'
import { limitOf, purposeOf, timeOf } from '../src/lib/options'
import { SECRET, t_ } from './helpers/backends'

test(t_('options: purpose is a string, empty when absent'), (t) => {
  t.is(purposeOf(undefined), '')
  t.is(purposeOf('session'), 'session')
  for (const bad of [null, 1, {}, ['a']]) t.throws(() => purposeOf(bad), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => sign('v', SECRET, { purpose: 1 as unknown as string }), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_('options: now is ms or a Date after 1970, else the real clock'), (t) => {
  t.is(timeOf(1_700_000_000_000), 1_700_000_000_000)
  t.is(timeOf(new Date(5000)), 5000)
  const before = Date.now()
  const now = timeOf(undefined)
  t.true(now >= before && now <= Date.now())
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '2024' as unknown as number, new Date('nope')]) {
    t.throws(() => timeOf(bad), { code: 'ERR_INVALID_ARGUMENT' }, String(bad))
  }
  t.throws(() => verifyToken(signToken({}, SECRET), SECRET, { now: -1 }), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_('options: limits never silently disappear'), (t) => {
  t.is(limitOf(undefined, 10, 'x'), 10)
  t.is(limitOf(0, 10, 'x'), 0)
  t.is(limitOf(Number.POSITIVE_INFINITY, 10, 'x'), Number.POSITIVE_INFINITY)
  t.throws(() => limitOf(0, 10, 'x', 1), { code: 'ERR_INVALID_ARGUMENT' })
  for (const bad of [Number.NaN, '5', -1, null]) t.throws(() => limitOf(bad, 10, 'x'), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => unsign('v.x', SECRET, { maxLength: Number.NaN }), { code: 'ERR_INVALID_ARGUMENT' })
})
