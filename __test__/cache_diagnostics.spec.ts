/**
 * `keycard:cache:evict` (src/diagnostics.ts): published by a Cache `set` or `increment` that
 * evicted entries, with the cache's name and how many; nothing when none were evicted or nobody
 * subscribes. Serial: a subscriber sees every cache in the process.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { threadId } from 'node:worker_threads'
import test from 'ava'
import { Cache, type CacheEvictMessage } from '../src/index'
import { t_ } from './helpers/backends'

const CHANNEL = 'keycard:cache:evict'

function recorded(run: () => void): CacheEvictMessage[] {
  const seen: CacheEvictMessage[] = []
  const listener = (message: unknown) => seen.push(message as CacheEvictMessage)
  subscribe(CHANNEL, listener)
  try {
    run()
  } finally {
    unsubscribe(CHANNEL, listener)
  }
  return seen
}

test.serial(t_('cache diagnostics: a set that evicts publishes { cache, count }; one that does not, nothing'), (t) => {
  const name = `cache_diagnostics.spec/${threadId}/evict`
  const seen = recorded(() => {
    const lru = new Cache({ maxSize: 2 })
    lru.set('a', 1).set('b', 2) // fits: no message
    lru.set('c', 3) // evicts a
    lru.set('c', 4) // replaces: no eviction
    const bytes = new Cache({ name, maxSize: 100, maxBytes: 10 })
    bytes.set('k1', 'xx').set('k2', 'xx') // 8 bytes
    bytes.set('big', 'xxxxx') // 8 bytes: both k1 and k2 go
    bytes.increment('nn', 1) // 3 more bytes: 'big' goes
  })
  t.deepEqual(seen, [
    { cache: '', count: 1 },
    { cache: name, count: 2 },
    { cache: name, count: 1 },
  ])
})

test.serial(t_('cache diagnostics: an oversized set publishes nothing and still throws ERR_TOO_LARGE'), (t) => {
  const seen = recorded(() => {
    const cache = new Cache({ maxSize: 1, maxBytes: 4 })
    cache.set('a', 'b')
    t.throws(() => cache.set('a', 'bcdef'), { code: 'ERR_TOO_LARGE' })
    t.throws(() => cache.increment('k', 10_000), { code: 'ERR_TOO_LARGE' })
    t.is(cache.get('a'), 'b')
  })
  t.deepEqual(seen, [])
})

test.serial(t_('cache diagnostics: without a subscriber nothing is published and evictions still count'), (t) => {
  const seen: unknown[] = []
  const listener = (message: unknown) => seen.push(message)
  subscribe(CHANNEL, listener)
  unsubscribe(CHANNEL, listener)
  const cache = new Cache({ maxSize: 1 })
  cache.set('a', 1).set('b', 2)
  t.deepEqual(seen, [])
  t.is(cache.stats().evictions, 1)
})
