/**
 * `getOrSet`'s `staleWhileRevalidate`, `staleIfError` and `signal` (docs/CACHE.md, "getOrSet:
 * stale values and abort") on the backend under test. Time is moved with setCacheClockForTests;
 * loaders are settled by hand, so nothing here sleeps or depends on timing.
 */
import { setImmediate as flush } from 'node:timers/promises'
import test from 'ava'
import { setCacheClockForTests } from '../src/cache'
import { Cache, type CacheOptions } from '../src/index'
import { t_ } from './helpers/backends'

const T0 = 1_700_000_000_000

function clocked(options: CacheOptions = { maxSize: 100 }) {
  const cache = new Cache<string>(options)
  let now = T0
  setCacheClockForTests(cache, now)
  return {
    cache,
    advance(ms: number) {
      now += ms
      setCacheClockForTests(cache, now)
    },
  }
}

/** A promise settled from outside. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const OPTIONS = { ttl: 100, staleWhileRevalidate: 1000 }

test(t_('getOrSet staleWhileRevalidate: a stale value is served at once and reloaded once in the background'), async (t) => {
  const { cache, advance } = clocked()
  let calls = 0
  const next = deferred<string>()
  const loader = () => (++calls === 1 ? 'v1' : next.promise)
  t.is(await cache.getOrSet('k', loader, OPTIONS), 'v1')
  advance(99)
  t.is(await cache.getOrSet('k', loader, OPTIONS), 'v1') // fresh
  t.is(calls, 1)
  advance(51) // 50 ms stale
  const served = await Promise.all([1, 2, 3].map(() => cache.getOrSet('k', loader, OPTIONS)))
  t.deepEqual(served, ['v1', 'v1', 'v1'])
  await flush()
  t.is(calls, 2, 'one background reload for every stale caller')
  next.resolve('v2')
  await flush()
  t.is(cache.peek('k'), 'v2')
  t.is(cache.getRemainingTTL('k'), 1100, 'stored for ttl + staleWhileRevalidate')
  t.is(await cache.getOrSet('k', loader, OPTIONS), 'v2')
  t.is(calls, 2)
})

test(
  t_('getOrSet staleWhileRevalidate: a failed background reload keeps the stale value; past the window the caller waits'),
  async (t) => {
    const { cache, advance } = clocked()
    let calls = 0
    const loader = () => {
      calls++
      if (calls === 2) throw new Error('backend down')
      return `v${calls}`
    }
    await cache.getOrSet('k', loader, OPTIONS)
    advance(500)
    t.is(await cache.getOrSet('k', loader, OPTIONS), 'v1')
    await flush()
    t.is(calls, 2)
    t.is(cache.peek('k'), 'v1', 'the failed reload stored nothing and removed nothing')
    advance(600) // past ttl + staleWhileRevalidate: gone
    t.is(await cache.getOrSet('k', loader, OPTIONS), 'v3')
    // Stale past staleWhileRevalidate but kept for staleIfError: this caller waits for the reload.
    const both = { ttl: 100, staleWhileRevalidate: 50, staleIfError: 1000 }
    await cache.getOrSet('j', () => 'j1', both)
    advance(300)
    t.is(await cache.getOrSet('j', () => 'j2', both), 'j2')
  },
)

test(t_('getOrSet staleIfError: a failing loader is answered with the stale value, within the bound only'), async (t) => {
  const { cache, advance } = clocked()
  const options = { ttl: 100, staleIfError: 1000 }
  await cache.getOrSet('k', () => 'v1', options)
  const failing = () => Promise.reject(new Error('db down'))
  advance(50)
  t.is(await cache.getOrSet('k', failing, options), 'v1') // fresh: the loader is not called
  advance(100)
  t.is(await cache.getOrSet('k', failing, options), 'v1') // stale, loader failed: stale served
  t.is(await cache.getOrSet('k', () => 'v2', options), 'v2') // stale, loader works: new value
  advance(1100)
  await t.throwsAsync(cache.getOrSet('k', failing, options), { message: 'db down' })
  // Without the options the entry expires at its ttl: there is nothing stale to answer with.
  await cache.getOrSet('plain', () => 'p1', { ttl: 100 })
  advance(100)
  await t.throwsAsync(cache.getOrSet('plain', failing, { ttl: 100 }), { message: 'db down' })
})

test(t_('getOrSet signal: an aborted wait rejects with ERR_ABORTED; the loader aborts once no caller waits'), async (t) => {
  const { cache } = clocked()
  let loaderRan = false
  await t.throwsAsync(
    cache.getOrSet(
      'k',
      () => {
        loaderRan = true
        return 'v'
      },
      { signal: AbortSignal.abort() },
    ),
    { code: 'ERR_ABORTED' },
  )
  t.false(loaderRan)

  // One caller, with a signal: its abort reaches the loader.
  const gate = deferred<string>()
  let seen: AbortSignal | undefined
  const controller = new AbortController()
  const waiting = cache.getOrSet(
    'a',
    ({ signal }) => {
      seen = signal
      return gate.promise
    },
    { signal: controller.signal },
  )
  await flush()
  t.false(seen?.aborted)
  controller.abort()
  await t.throwsAsync(waiting, { code: 'ERR_ABORTED' })
  t.true(seen?.aborted, 'nobody waits: the loader is told')
  gate.resolve('late')
  await flush()
  t.is(cache.peek('a'), 'late', 'a value the loader still returns is stored')

  // Two callers, one without a signal: the other's abort ends only its own wait.
  const gate2 = deferred<string>()
  let seen2: AbortSignal | undefined
  const c2 = new AbortController()
  const loader = ({ signal }: { signal: AbortSignal }) => {
    seen2 = signal
    return gate2.promise
  }
  const aborting = cache.getOrSet('b', loader, { signal: c2.signal })
  const patient = cache.getOrSet('b', loader)
  await flush()
  c2.abort()
  await t.throwsAsync(aborting, { code: 'ERR_ABORTED' })
  t.false(seen2?.aborted)
  gate2.resolve('done')
  t.is(await patient, 'done')
})

test(t_('getOrSet: options are checked before the loader runs'), async (t) => {
  const { cache } = clocked()
  let ran = 0
  const loader = () => {
    ran++
    return 'v'
  }
  const invalid = { code: 'ERR_INVALID_ARGUMENT' }
  await t.throwsAsync(cache.getOrSet('k', loader, { staleWhileRevalidate: 1000 }), { ...invalid, message: /need a ttl/ })
  await t.throwsAsync(cache.getOrSet('k', loader, { ttl: 10, allowStale: true } as never), {
    ...invalid,
    message: /staleWhileRevalidate/,
  })
  await t.throwsAsync(cache.getOrSet('k', loader, { ttl: 10, staleIfError: -1 }), invalid)
  await t.throwsAsync(cache.getOrSet('k', loader, { signal: { aborted: false } as AbortSignal }), invalid)
  t.is(ran, 0)
  // A cache-wide ttl is enough.
  const withDefault = new Cache<string>({ maxSize: 10, ttl: 100 })
  t.is(await withDefault.getOrSet('k', loader, { staleWhileRevalidate: 50 }), 'v')
  t.is(withDefault.getRemainingTTL('k'), 150)
})
