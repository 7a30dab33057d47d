import test from 'ava'
import { raceAbort } from '../src/backend/abort'
import { limiter } from '../src/backend/limiter'
import { t_ } from './helpers/backends'

test(t_('limiter: runs at most `size` tasks at once, in order, and passes results and errors through'), async (t) => {
  const limit = limiter(2)
  let active = 0
  let peak = 0
  const started: number[] = []
  const task = (i: number) => async () => {
    started.push(i)
    active++
    peak = Math.max(peak, active)
    await new Promise((resolve) => setImmediate(resolve))
    active--
    if (i === 3) throw new Error('task 3 failed')
    return i * 10
  }
  const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => limit(task(i))))
  t.is(peak, 2)
  t.deepEqual(started, [0, 1, 2, 3, 4])
  t.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    [0, 10, 20, 'task 3 failed', 40],
  )
})

test(t_('raceAbort: rejects with ERR_ABORTED at once, and the losing work never goes unhandled'), async (t) => {
  const controller = new AbortController()
  const slow = new Promise((_, reject) => setTimeout(() => reject(new Error('late failure')), 20))
  const raced = raceAbort(slow, controller.signal)
  controller.abort()
  await t.throwsAsync(raced, { code: 'ERR_ABORTED' })
  await t.throwsAsync(raceAbort(Promise.reject(new Error('x')), AbortSignal.abort()), { code: 'ERR_ABORTED' })
  t.is(await raceAbort(Promise.resolve(7), new AbortController().signal), 7)
  await new Promise((resolve) => setTimeout(resolve, 40)) // an unhandled 'late failure' would fail the file
})
