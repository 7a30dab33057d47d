/**
 * Named caches across worker threads (docs/CACHE.md, "Named caches").
 *
 * - native: a cache opened by `name` is one cache per process. The main thread uses Cache from
 *   src (through tsx) and the workers load the built package (dist/, `npm run build:ts`); both
 *   load the same native .node file, so they share its registry of named caches: entries,
 *   counters and clock.
 * - fallback: JS memory is per thread, so each thread's `name` is its own cache.
 *
 * Every test runs on both backends and asserts the behaviour documented for the current one.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { threadId, Worker } from 'node:worker_threads'
import test, { type ExecutionContext } from 'ava'
import { setCacheClockForTests } from '../src/cache'
import { Cache, type CacheOptions, type CacheStats } from '../src/index'
import { current, t_ } from './helpers/backends'

const DIST = join(__dirname, '..', 'dist', 'index.js')
const T0 = 1_700_000_000_000
const shared = current === 'native'

let serial = 0
const uniqueName = (label: string) => `cache_workers.spec/${label}/${threadId}/${++serial}`

/**
 * The worker: opens caches from the built package and runs operations sent by message. Barrier
 * operations wait on a SharedArrayBuffer so that several threads start writing at once.
 */
const WORKER_CODE = `
const { parentPort } = require('node:worker_threads')
const keycard = require(${JSON.stringify(DIST)})
const caches = []
function barrier(sab) {
  const cells = new Int32Array(sab)
  Atomics.add(cells, 0, 1)
  Atomics.notify(cells, 0)
  Atomics.wait(cells, 1, 0)
}
function run(msg) {
  const cache = caches[msg.cache ?? 0]
  switch (msg.op) {
    case 'backend': return keycard.backend().name
    case 'open': caches.push(new keycard.Cache(msg.options)); return caches.length - 1
    case 'get': return cache.get(msg.key)
    case 'getBytes': { const b = cache.get(msg.key); return b === undefined ? undefined : { isBuffer: Buffer.isBuffer(b), hex: b.toString('hex') } }
    case 'peek': return cache.peek(msg.key)
    case 'has': return cache.has(msg.key)
    case 'set': cache.set(msg.key, msg.value, msg.ttl === undefined ? undefined : { ttl: msg.ttl }); return null
    case 'setBytes': cache.set(msg.key, Buffer.from(msg.hex, 'hex')); return null
    case 'delete': return cache.delete(msg.key)
    case 'size': return cache.size
    case 'remainingTtl': return cache.getRemainingTTL(msg.key)
    case 'stats': return cache.stats()
    case 'clear': cache.clear(); return null
    case 'writeMany': {
      if (msg.barrier) barrier(msg.barrier)
      for (let i = 0; i < msg.count; i++) {
        cache.set(msg.prefix + i, { by: msg.prefix, i })
        if (msg.sharedKeys) cache.set('shared:' + (i % msg.sharedKeys), { by: msg.prefix, i })
      }
      return null
    }
    case 'incrementMany': {
      if (msg.barrier) barrier(msg.barrier)
      let last = 0
      for (let i = 0; i < msg.count; i++) last = cache.increment(msg.key, msg.by)
      return last
    }
    case 'readMany': {
      if (msg.barrier) barrier(msg.barrier)
      let found = 0
      for (const key of msg.keys) if (cache.get(key) !== undefined) found++
      return found
    }
    default: throw new Error('unknown op ' + msg.op)
  }
}
parentPort.on('message', (msg) => {
  try {
    parentPort.postMessage({ id: msg.id, ok: true, result: run(msg) })
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, code: err && err.code, message: String(err && err.message) })
  }
})
`

interface Reply {
  id: number
  ok: boolean
  result?: unknown
  code?: string
  message?: string
}

/** A thread-level failure of a worker operation: carries the KeycardError code when there was one. */
class WorkerOpError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message)
  }
}

/** One worker thread running WORKER_CODE, driven by `call`. */
class CacheThread {
  readonly #worker: Worker
  #next = 0
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>()

  constructor(t: ExecutionContext) {
    this.#worker = new Worker(WORKER_CODE, {
      eval: true,
      execArgv: [],
      env: { ...process.env, KEYCARD_BACKEND: current },
    })
    this.#worker.on('message', (reply: Reply) => {
      const pending = this.#pending.get(reply.id)
      this.#pending.delete(reply.id)
      if (reply.ok) pending?.resolve(reply.result)
      else pending?.reject(new WorkerOpError(reply.code, reply.message ?? 'worker operation failed'))
    })
    const failAll = (err: Error) => {
      for (const pending of this.#pending.values()) pending.reject(err)
      this.#pending.clear()
    }
    this.#worker.on('error', failAll)
    this.#worker.on('exit', (code) => failAll(new Error(`worker exited with code ${code}`)))
    t.teardown(() => this.#worker.terminate())
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.#worker.postMessage({ id, op, ...args })
    })
  }
}

/** A worker thread on the backend under test with the named cache open (as its cache 0). */
async function startWorker(t: ExecutionContext, options: CacheOptions): Promise<CacheThread> {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build:ts\` first`)
  const thread = new CacheThread(t)
  t.is(await thread.call('backend'), current, 'the worker runs the backend under test')
  t.is(await thread.call('open', { options }), 0)
  return thread
}

/** A barrier for `parties` worker threads: resolves once all wait on it; `release` lets them run. */
function barrier(parties: number) {
  const sab = new SharedArrayBuffer(8)
  const cells = new Int32Array(sab)
  return {
    sab,
    async allWaiting() {
      while (Atomics.load(cells, 0) < parties) await new Promise((resolve) => setImmediate(resolve))
    },
    release() {
      Atomics.store(cells, 1, 1)
      Atomics.notify(cells, 1)
    },
  }
}

const emptyStats: CacheStats = { hits: 0, misses: 0, evictions: 0, expirations: 0, bytes: 0, size: 0 }

test(
  t_(`cache workers: a value set in a worker ${shared ? 'is read by the main thread' : 'stays in that worker'}`),
  async (t) => {
    const options = { name: uniqueName('worker-sets'), maxSize: 100, maxBytes: 10_000 }
    const main = new Cache(options)
    const worker = await startWorker(t, options)
    await worker.call('set', { key: 'json', value: { from: 'worker', list: [1, 2] } })
    await worker.call('set', { key: 'text', value: 'héllo 🍪' })
    await worker.call('setBytes', { key: 'bytes', hex: '00ff10' })
    t.is(await worker.call('size'), 3)
    if (shared) {
      t.deepEqual(main.get('json'), { from: 'worker', list: [1, 2] })
      t.is(main.get('text'), 'héllo 🍪')
      const bytes = main.get('bytes')
      t.true(Buffer.isBuffer(bytes))
      t.is((bytes as Buffer).toString('hex'), '00ff10')
      t.is(main.size, 3)
      // 4 + 30, 4 + 11, 5 + 3
      t.deepEqual(main.stats(), { hits: 3, misses: 0, evictions: 0, expirations: 0, bytes: 57, size: 3 })
      // The worker sees the main thread's reads in the shared counters, and its deletes reach main.
      t.deepEqual(await worker.call('stats'), main.stats())
      t.true(await worker.call('delete', { key: 'json' }))
      t.false(main.has('json'))
    } else {
      t.is(main.get('json'), undefined)
      t.is(main.get('text'), undefined)
      t.is(main.get('bytes'), undefined)
      t.is(main.size, 0)
      t.deepEqual(main.stats(), { ...emptyStats, misses: 3 })
      // The worker's own cache is unaffected by the main thread's misses.
      t.deepEqual(await worker.call('stats'), { hits: 0, misses: 0, evictions: 0, expirations: 0, bytes: 57, size: 3 })
    }
  },
)

test(
  t_(`cache workers: a value set in the main thread ${shared ? 'is read by a worker' : 'is absent in a worker'}`),
  async (t) => {
    const options = { name: uniqueName('main-sets'), maxSize: 100 }
    const main = new Cache(options)
    main.set('json', { from: 'main' })
    main.set('text', '日本語')
    main.set('bytes', Buffer.from('a1b2', 'hex'))
    const worker = await startWorker(t, options)
    if (shared) {
      t.deepEqual(await worker.call('get', { key: 'json' }), { from: 'main' })
      t.is(await worker.call('get', { key: 'text' }), '日本語')
      t.deepEqual(await worker.call('getBytes', { key: 'bytes' }), { isBuffer: true, hex: 'a1b2' })
      t.is(await worker.call('size'), 3)
      // Replaced in the main thread, read again in the worker; cleared in the worker, gone in main.
      main.set('text', 'second')
      t.is(await worker.call('get', { key: 'text' }), 'second')
      await worker.call('clear')
      t.is(main.size, 0)
      t.like(main.stats(), { hits: 4, misses: 0, size: 0 })
    } else {
      t.is(await worker.call('get', { key: 'json' }), undefined)
      t.is(await worker.call('get', { key: 'text' }), undefined)
      t.is(await worker.call('getBytes', { key: 'bytes' }), undefined)
      t.false(await worker.call('has', { key: 'json' }))
      t.is(await worker.call('size'), 0)
      // Opening the name again in that worker gives the worker's one cache: the same entries.
      t.is(await worker.call('open', { options }), 1)
      await worker.call('set', { key: 'w', value: 'in worker', cache: 0 })
      t.is(await worker.call('get', { key: 'w', cache: 1 }), 'in worker')
      t.false(main.has('w'))
      t.deepEqual(main.get('json'), { from: 'main' })
      t.is(main.size, 3)
    }
  },
)

test(t_(`cache workers: a named cache's clock and TTLs ${shared ? 'are shared with workers' : 'stay per thread'}`), async (t) => {
  const options = { name: uniqueName('clock'), maxSize: 100, ttl: '10s' }
  const main = new Cache(options)
  setCacheClockForTests(main, T0)
  main.set('session', 'main', { ttl: 1000 })
  const worker = await startWorker(t, options)
  if (shared) {
    t.is(await worker.call('remainingTtl', { key: 'session' }), 1000)
    await worker.call('set', { key: 'default', value: 'worker' })
    t.is(main.getRemainingTTL('default'), 10_000)
    setCacheClockForTests(main, T0 + 999)
    t.is(await worker.call('remainingTtl', { key: 'session' }), 1)
    setCacheClockForTests(main, T0 + 1000)
    t.false(await worker.call('has', { key: 'session' }))
    t.deepEqual(await worker.call('stats'), main.stats())
    t.like(main.stats(), { expirations: 1, size: 1 })
    setCacheClockForTests(main, null)
  } else {
    t.is(await worker.call('remainingTtl', { key: 'session' }), 0)
    t.is(main.getRemainingTTL('session'), 1000)
  }
})

test(
  t_(`cache workers: reopening a name in a worker with other options is ${shared ? 'ERR_BAD_CONFIG' : 'its own cache'}`),
  async (t) => {
    const name = uniqueName('config')
    const main = new Cache({ name, maxSize: 10 })
    main.set('k', 'v')
    const worker = await startWorker(t, { name, maxSize: 10 })
    if (shared) {
      const err = await t.throwsAsync(worker.call('open', { options: { name, maxSize: 11 } }))
      t.is((err as WorkerOpError).code, 'ERR_BAD_CONFIG')
      t.throws(() => new Cache({ name, maxSize: 10, ttl: 5 }), { code: 'ERR_BAD_CONFIG' })
      t.is(await worker.call('get', { key: 'k' }), 'v')
    } else {
      // The same options open the worker's own cache; in the main thread the config is still checked.
      t.is(await worker.call('get', { key: 'k' }), undefined)
      t.throws(() => new Cache({ name, maxSize: 11 }), { code: 'ERR_BAD_CONFIG' })
    }
  },
)

test(
  t_(
    `cache workers: concurrent writers in 2 workers and the main thread ${shared ? 'all land in one cache' : 'each fill their own cache'}`,
  ),
  async (t) => {
    const N = 2000
    const S = 50
    const options = { name: uniqueName('writers'), maxSize: 100_000 }
    const main = new Cache(options)
    const workers = [await startWorker(t, options), await startWorker(t, options)]
    const prefixes = ['w0:', 'w1:', 'main:']
    const gate = barrier(2)
    const writing = workers.map((w, i) =>
      w.call('writeMany', { prefix: prefixes[i], count: N, sharedKeys: S, barrier: gate.sab }),
    )
    await gate.allWaiting()
    gate.release()
    for (let i = 0; i < N; i++) {
      main.set(`main:${i}`, { by: 'main:', i })
      main.set(`shared:${i % S}`, { by: 'main:', i })
    }
    await Promise.all(writing)

    const ownKeys = (prefix: string) => Array.from({ length: N }, (_, i) => `${prefix}${i}`)
    const sharedKeys = Array.from({ length: S }, (_, i) => `shared:${i}`)
    const allKeys = [...prefixes.flatMap(ownKeys), ...sharedKeys]
    if (shared) {
      t.is(main.size, 3 * N + S)
      t.like(main.stats(), { hits: 0, misses: 0, evictions: 0, expirations: 0, size: 3 * N + S })
      let wrong = 0
      for (const prefix of prefixes) {
        ownKeys(prefix).forEach((key, i) => {
          const value = main.peek(key) as { by: string; i: number } | undefined
          if (value?.by !== prefix || value.i !== i) wrong++
        })
      }
      t.is(wrong, 0, 'every write of every thread is there with its value')
      for (const key of sharedKeys) {
        const value = main.peek(key) as { by: string; i: number }
        t.true(prefixes.includes(value.by), key)
        t.is(value.i % S, Number(key.slice('shared:'.length)), key)
      }
      // Reads from three threads at once: every one hits, and the hit counter adds up.
      const reading = barrier(2)
      const reads = workers.map((w) => w.call<number>('readMany', { keys: allKeys, barrier: reading.sab }))
      await reading.allWaiting()
      reading.release()
      const mainFound = allKeys.filter((key) => main.get(key) !== undefined).length
      t.deepEqual(await Promise.all(reads), [allKeys.length, allKeys.length])
      t.is(mainFound, allKeys.length)
      const stats = main.stats()
      t.like(stats, { hits: 3 * allKeys.length, misses: 0, evictions: 0, size: 3 * N + S })
      t.deepEqual(await workers[0]!.call('stats'), stats)
    } else {
      t.is(main.size, N + S)
      for (const [i, w] of workers.entries()) {
        t.is(await w.call('size'), N + S)
        t.deepEqual(await w.call('get', { key: `${prefixes[i]}7` }), { by: prefixes[i], i: 7 })
        t.is(await w.call('get', { key: 'main:7' }), undefined)
        t.deepEqual((await w.call('get', { key: 'shared:3' })) as { by: string }, { by: prefixes[i], i: N - S + 3 })
      }
      t.is(main.get('w0:7'), undefined)
      t.deepEqual(main.get('shared:3'), { by: 'main:', i: N - S + 3 })
      t.like(main.stats(), { hits: 1, misses: 1, evictions: 0, size: N + S })
    }
  },
)

test(
  t_(
    `cache workers: concurrent writers over maxSize ${shared ? 'evict down to one shared maxSize' : 'evict within each thread'}`,
  ),
  async (t) => {
    const N = 3000
    const MAX = 64
    const options = { name: uniqueName('evicting'), maxSize: MAX }
    const main = new Cache(options)
    const workers = [await startWorker(t, options), await startWorker(t, options)]
    const gate = barrier(2)
    const writing = workers.map((w, i) => w.call('writeMany', { prefix: `w${i}:`, count: N, barrier: gate.sab }))
    await gate.allWaiting()
    gate.release()
    for (let i = 0; i < N; i++) main.set(`main:${i}`, { by: 'main:', i })
    await Promise.all(writing)
    if (shared) {
      const stats = main.stats()
      t.is(stats.size, MAX)
      t.is(stats.evictions, 3 * N - MAX, 'every insert beyond maxSize evicted exactly one entry')
      t.deepEqual(await workers[1]!.call('stats'), stats)
    } else {
      t.like(main.stats(), { size: MAX, evictions: N - MAX })
      for (const w of workers) t.like(await w.call<CacheStats>('stats'), { size: MAX, evictions: N - MAX })
      // The most recent MAX keys of each thread survive in that thread.
      t.true(main.has(`main:${N - 1}`))
      t.true(main.has(`main:${N - MAX}`))
      t.false(main.has(`main:${N - MAX - 1}`))
    }
  },
)

test(
  t_(
    `cache workers: increment from 3 workers and the main thread at once ${shared ? 'adds up exactly in one counter' : 'counts per thread'}`,
  ),
  async (t) => {
    const N = 5000
    const options = { name: uniqueName('counters'), maxSize: 10 }
    const main = new Cache(options)
    const workers = [await startWorker(t, options), await startWorker(t, options), await startWorker(t, options)]
    const gate = barrier(workers.length)
    const counting = workers.map((w, i) => w.call<number>('incrementMany', { key: 'n', by: i + 1, count: N, barrier: gate.sab }))
    await gate.allWaiting()
    gate.release()
    for (let i = 0; i < N; i++) main.increment('n', 10)
    const lasts = await Promise.all(counting)
    if (shared) {
      // (1 + 2 + 3 + 10) * N: no increment lost to a race between threads.
      t.is(main.get('n'), 16 * N)
      t.is(await workers[0]!.call('get', { key: 'n' }), 16 * N)
    } else {
      t.deepEqual(lasts, [N, 2 * N, 3 * N])
      t.is(main.get('n'), 10 * N)
    }
  },
)
