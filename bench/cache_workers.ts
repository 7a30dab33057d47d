/**
 * Cache reads from worker threads: total get hits per second with 1 and 2 worker threads (the
 * machine has 2 cores). Run with `node scripts/ensure-built.mjs && node --import tsx
 * bench/cache_workers.ts` (`--reads=200000` for a short smoke run). Tracks, never gates.
 *
 * - keycard native, shared: the main thread opens a named cache and fills it once (100k keys,
 *   100-character values); every worker opens the same name and only reads. One cache, one lock,
 *   read by all workers at once.
 * - keycard fallback and lru-cache, per worker: JS memory is per thread, so each worker builds
 *   and fills its own cache with the same entries before the clock starts.
 *
 * Workers load the built package (dist/index.js, `npm run build:ts`) and lru-cache as plain
 * CommonJS, without tsx. Each worker gets its own pre-generated random index array (the RNG is
 * not measured), warms its read loop, reports ready, and waits on a SharedArrayBuffer flag; the
 * main thread raises the flag once all are ready. Every worker then does the same fixed number of
 * random get hits and reports its start and end (`performance.timeOrigin + now()`, comparable
 * across threads). Total reads/s = all reads / (last end - first start).
 */

import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { loadBackend, withBackend } from '../src/backend'
import { Cache } from '../src/index'
import { argInt, makeKey, makeValue, uniformIndexes, VALUE_BYTES } from './cache_data'

const DIST = join(__dirname, '..', 'dist', 'index.js')
const LRU_PATH = require.resolve('lru-cache')
const MAX = 100_000
const READS = argInt('reads', 4_000_000)
const WARM_READS = Math.min(200_000, READS)
const THREAD_COUNTS = [1, 2] as const
const NAME = `bench/cache_workers/${process.pid}`

type Impl = 'native' | 'fallback' | 'lru-cache'
const LABELS: Record<Impl, string> = {
  native: 'keycard native (one shared cache)',
  fallback: 'keycard fallback (a cache per worker)',
  'lru-cache': 'lru-cache (a cache per worker)',
}

const keys = Array.from({ length: MAX }, (_, i) => makeKey(i))
const values = Array.from({ length: MAX }, (_, i) => makeValue(i))

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads')
const { performance } = require('node:perf_hooks')
const { impl, dist, lruPath, name, maxSize, keys, values, idx, reads, warmReads, flag } = workerData

let cache
if (impl === 'lru-cache') {
  const { LRUCache } = require(lruPath)
  cache = new LRUCache({ max: maxSize })
} else {
  const keycard = require(dist)
  if (keycard.backend().name !== impl) throw new Error('worker runs ' + keycard.backend().name + ', not ' + impl)
  cache = new keycard.Cache(impl === 'native' ? { name, maxSize } : { maxSize })
}
if (impl !== 'native') for (let i = 0; i < keys.length; i++) cache.set(keys[i], values[i])
if (cache.size !== maxSize) throw new Error(impl + ': the cache holds ' + cache.size + ' entries, not ' + maxSize)
for (const i of [0, 1, maxSize - 1]) if (cache.get(keys[i]) !== values[i]) throw new Error(impl + ': wrong value for ' + keys[i])

// One cache class per worker, so every call site here stays monomorphic.
function readLoop(cache, keys, idx, from, count) {
  const mask = idx.length - 1
  let found = 0
  let chars = 0
  for (let n = 0; n < count; n++) {
    const v = cache.get(keys[idx[(from + n) & mask]])
    if (v !== undefined) {
      found++
      chars += v.length
    }
  }
  return { found, chars }
}

readLoop(cache, keys, idx, 0, warmReads)
const go = new Int32Array(flag)
parentPort.postMessage({ ready: true })
Atomics.wait(go, 0, 0) // returns at once if the flag is already up
const start = performance.timeOrigin + performance.now()
const result = readLoop(cache, keys, idx, warmReads, reads)
const end = performance.timeOrigin + performance.now()
parentPort.postMessage({ start, end, found: result.found, chars: result.chars })
`

interface Done {
  start: number
  end: number
  found: number
  chars: number
}

interface RunResult {
  readsPerSec: number
  perWorker: number[]
}

/** The next message of `worker`, or its error (or exit) as a rejection. */
function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (msg: T) => {
      cleanup()
      resolve(msg)
    }
    const onError = (err: Error) => {
      cleanup()
      reject(err)
    }
    const onExit = (code: number) => {
      cleanup()
      reject(new Error(`worker exited with code ${code}`))
    }
    const cleanup = () => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
    }
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
  })
}

async function run(impl: Impl, threads: number): Promise<RunResult> {
  const flag = new SharedArrayBuffer(4)
  const workers: Worker[] = []
  try {
    for (let w = 0; w < threads; w++) {
      workers.push(
        new Worker(WORKER_CODE, {
          eval: true,
          execArgv: [],
          env: { ...process.env, KEYCARD_BACKEND: impl === 'lru-cache' ? 'auto' : impl },
          workerData: {
            impl,
            dist: DIST,
            lruPath: LRU_PATH,
            name: NAME,
            maxSize: MAX,
            keys,
            values,
            idx: uniformIndexes(1 << 20, MAX, 1000 + w),
            reads: READS,
            warmReads: WARM_READS,
            flag,
          },
        }),
      )
    }
    const ready = await Promise.all(workers.map((worker) => nextMessage<{ ready: boolean }>(worker)))
    assert.ok(ready.every((msg) => msg.ready))
    const finished = Promise.all(workers.map((worker) => nextMessage<Done>(worker)))
    const go = new Int32Array(flag)
    Atomics.store(go, 0, 1)
    Atomics.notify(go, 0)
    const done = await finished
    for (const d of done) {
      assert.equal(d.found, READS, `${impl}: every read is a hit`)
      assert.equal(d.chars, READS * VALUE_BYTES)
    }
    const wallMs = Math.max(...done.map((d) => d.end)) - Math.min(...done.map((d) => d.start))
    return {
      readsPerSec: (threads * READS) / (wallMs / 1000),
      perWorker: done.map((d) => READS / ((d.end - d.start) / 1000)),
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()))
  }
}

async function main(): Promise<void> {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build:ts\` first`)
  console.log(`${MAX} entries (keys 12 chars, values ${VALUE_BYTES} chars); ${READS} random get hits per worker`)

  // The shared native cache: filled once here, opened by name in every worker.
  const shared = withBackend(loadBackend('native'), () => new Cache<string>({ name: NAME, maxSize: MAX }))
  for (let i = 0; i < MAX; i++) shared.set(keys[i] as string, values[i] as string)
  assert.equal(shared.size, MAX)

  const results = new Map<string, RunResult>()
  for (const impl of ['native', 'fallback', 'lru-cache'] as const) {
    for (const threads of THREAD_COUNTS) {
      const r = await run(impl, threads)
      results.set(`${impl}/${threads}`, r)
      const each = r.perWorker.map((x) => `${(x / 1e6).toFixed(2)}M`).join(', ')
      console.log(
        `  ${LABELS[impl].padEnd(40)} ${threads} worker(s): ${(r.readsPerSec / 1e6).toFixed(2)} M reads/s (each: ${each})`,
      )
    }
  }
  assert.equal(shared.size, MAX, 'the workers only read')

  const total = (impl: Impl, threads: number) => (results.get(`${impl}/${threads}`) as RunResult).readsPerSec
  const width = Math.max(...Object.values(LABELS).map((l) => l.length))
  console.log(`\n  ${''.padEnd(width)}  ${'1 worker'.padStart(14)}  ${'2 workers'.padStart(14)}  2 / 1`)
  for (const impl of ['native', 'fallback', 'lru-cache'] as const) {
    const one = total(impl, 1)
    const two = total(impl, 2)
    console.log(
      `  ${LABELS[impl].padEnd(width)}  ${`${(one / 1e6).toFixed(2)} M/s`.padStart(14)}` +
        `  ${`${(two / 1e6).toFixed(2)} M/s`.padStart(14)}  ${(two / one).toFixed(2)}x`,
    )
  }
  console.log('\n  total reads/s, native shared cache vs the others (higher is better for native):')
  for (const threads of THREAD_COUNTS) {
    const n = total('native', threads)
    console.log(
      `    ${threads} worker(s): vs fallback ${(n / total('fallback', threads)).toFixed(2)}x,` +
        ` vs lru-cache ${(n / total('lru-cache', threads)).toFixed(2)}x`,
    )
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
