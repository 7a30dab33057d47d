/**
 * Cache throughput: keycard's `Cache` (native and fallback, side by side in one process) against
 * lru-cache (`new LRUCache({ max })`) and a plain `Map`, with the same `maxSize`, the same keys
 * and the same ~100-byte string values. Run with
 * `node scripts/ensure-built.mjs && node --import tsx bench/cache.ts` (`--quick` for a short smoke
 * run whose numbers mean nothing). Tracks, never gates: the goals printed at the end are
 * informational and the exit code does not depend on them.
 *
 * - Keys (12 characters) and values (100 characters, distinct per key) are generated before
 *   anything is timed, and so are the random indexes: an iteration reads its key as
 *   `keys[idx[at]]` from a pre-generated index array, so the RNG is not measured.
 * - The keys are the same string objects on every call. A JS `Map` caches a string's hash in the
 *   string, so lru-cache, `Map` and the fallback hash each key once; the native cache converts
 *   and hashes it on every call (as it would for a key built fresh per request, where the JS
 *   caches would pay for hashing too).
 * - `Map` is a reference point, not an LRU: a get does not touch recency, and where a bound is
 *   needed it evicts the oldest insertion, remembered in a ring of MAX keys (O(1); evicting with
 *   `map.keys().next().value` instead costs microseconds once deleted entries pile up at the
 *   front of V8's table).
 * - Both keycard backends go through the public `Cache` class; with both in one process, its call
 *   into the core sees two core classes (a 2-way polymorphic call site, which a process using one
 *   backend would not have; not measured separately).
 */

import assert from 'node:assert/strict'
import { LRUCache } from 'lru-cache'
import { do_not_optimize, group, measure as measureOne, summary } from 'mitata'
import { loadBackend, withBackend } from '../src/backend'
import type { NativeBinding } from '../src/backend/native/load'
import type { Backend } from '../src/backend/types'
import { Cache } from '../src/index'
import { argValue, makeKey, makeValue, uniformIndexes, VALUE_BYTES, zipfIndexes } from './cache_data'
import { createRows, fmt, ratioText } from './report'

const QUICK = process.argv.includes('--quick')

// --- Sizes -----------------------------------------------------------------------------------

/** maxSize of every cache, and the number of keys of the "100k random keys" groups. */
const MAX = 100_000
const HOT = 1_000
const ZIPF_KEYS = 1_000_000
/** Zipf exponent (`--zipf-s=1.2` for a hotter mix: s = 1.0 gives ~78% hits with these sizes). */
const ZIPF_S = Number(argValue('zipf-s', '1.0'))
if (!(ZIPF_S > 0 && ZIPF_S < 10)) throw new Error('--zipf-s must be a number in (0, 10)')
/** Pre-generated indexes per stream: 2^20 uniform, 2^21 Zipf (cycled through with a mask). */
const IDX_MASK = (1 << 20) - 1
const ZIPF_MASK = (1 << 21) - 1
/** Pool of fresh keys for "set with eviction": larger than MAX, so each set inserts a key not held. */
const NEW_POOL = 2 * MAX
/** Distinct values cycled through by "set, update" (so a value is rarely set over itself). */
const UPDATE_MASK = 4095
/** Zipf operations run on each cache before timing, so that it is full and in its steady state. */
const ZIPF_WARM = QUICK ? 300_000 : 2_000_000

const native = loadBackend('native')
const fallback = loadBackend('fallback')
const binding = require('../native.cjs') as NativeBinding
const KIND_TEXT = 1

// --- Identical inputs for every contender ------------------------------------------------------

const keys = Array.from({ length: MAX }, (_, i) => makeKey(i))
const values = Array.from({ length: MAX }, (_, i) => makeValue(i))
const missKeys = Array.from({ length: MAX }, (_, i) => makeKey(i, 'miss:'))
const newKeys = Array.from({ length: NEW_POOL }, (_, i) => makeKey(i, 'new:'))
const newValues = Array.from({ length: NEW_POOL }, (_, i) => makeValue(MAX + i))
const updateValues = Array.from({ length: UPDATE_MASK + 1 }, (_, i) => makeValue(MAX + NEW_POOL + i))
const zipfKeys = Array.from({ length: ZIPF_KEYS }, (_, i) => makeKey(i, 'z:'))
const idx = uniformIndexes(IDX_MASK + 1, MAX, 1)
const hotIdx = uniformIndexes(IDX_MASK + 1, HOT, 2)
const zipf = zipfIndexes(ZIPF_MASK + 1, ZIPF_KEYS, ZIPF_S, 3)

assert.equal(values[0]?.length, VALUE_BYTES)
assert.equal(new Set(values.slice(0, 1000)).size, 1000, 'values are distinct')

/** A value for a Zipf key being set on a miss (the pool of 100k values, shared by all contenders). */
const zipfValue = (key: number): string => values[key % MAX] as string

function keycardCache(be: Backend, maxSize: number): Cache<string> {
  return withBackend(be, () => new Cache<string>({ maxSize }))
}

// --- Caches: one set per group kind, each contender its own instance ------------------------------

/** Full with keys[0..MAX): get hit, hot set, get miss, set update, has miss. */
const nFull = keycardCache(native, MAX)
const fFull = keycardCache(fallback, MAX)
const lFull = new LRUCache<string, string>({ max: MAX })
const mFull = new Map<string, string>()
for (let i = 0; i < MAX; i++) {
  const k = keys[i] as string
  const v = values[i] as string
  nFull.set(k, v)
  fFull.set(k, v)
  lFull.set(k, v)
  mFull.set(k, v)
}

/** Full with newKeys[0..MAX); each contender then inserts newKeys[at], at = MAX, MAX + 1, ... (mod NEW_POOL). */
const nEvict = keycardCache(native, MAX)
const fEvict = keycardCache(fallback, MAX)
const lEvict = new LRUCache<string, string>({ max: MAX })
const mEvict = new Map<string, string>()
for (let i = 0; i < MAX; i++) {
  const k = newKeys[i] as string
  const v = newValues[i] as string
  nEvict.set(k, v)
  fEvict.set(k, v)
  lEvict.set(k, v)
  mEvict.set(k, v)
}
let nEvictAt = MAX
let fEvictAt = MAX
let lEvictAt = MAX
let mEvictAt = MAX
/** The Map's FIFO: the keys it holds in insertion order, oldest at `mEvictRingAt`. */
const mEvictRing = newKeys.slice(0, MAX)
let mEvictRingAt = 0

/** Zipf read-through: get, and set on a miss. */
const nZipf = keycardCache(native, MAX)
const fZipf = keycardCache(fallback, MAX)
const lZipf = new LRUCache<string, string>({ max: MAX })
const mZipf = new Map<string, string>()
let nZipfAt = 0
let fZipfAt = 0
let lZipfAt = 0
let mZipfAt = 0
const mZipfRing: (string | undefined)[] = new Array(MAX).fill(undefined)
let mZipfRingAt = 0

/** A Zipf miss on the Map: insert, and past MAX entries drop the oldest insertion (FIFO ring). */
function mapZipfInsert(k: string, v: string): void {
  mZipf.set(k, v)
  const oldest = mZipfRing[mZipfRingAt]
  mZipfRing[mZipfRingAt] = k
  mZipfRingAt = mZipfRingAt + 1 === MAX ? 0 : mZipfRingAt + 1
  if (oldest !== undefined) mZipf.delete(oldest)
}
/** Calls and misses of each contender's Zipf workload (timed runs included), for the hit rate. */
const nZipfCount = { calls: 0, misses: 0 }
const fZipfCount = { calls: 0, misses: 0 }
const lZipfCount = { calls: 0, misses: 0 }
const mZipfCount = { calls: 0, misses: 0 }

/** The direct binding, no TypeScript layer: for the napi floor group. */
const handle = binding.cacheCreate(MAX, 0, 0, null)
for (let i = 0; i < MAX; i++) binding.cacheSetText(handle, keys[i] as string, KIND_TEXT, values[i] as string, -1)

// --- Sanity: every contender holds what it should, before anything is timed -------------------

function sanity(): void {
  for (const i of [0, 1, 4242, MAX - 1]) {
    const k = keys[i] as string
    const v = values[i] as string
    assert.equal(nFull.get(k), v, 'native hit')
    assert.equal(fFull.get(k), v, 'fallback hit')
    assert.equal(lFull.get(k), v, 'lru-cache hit')
    assert.equal(mFull.get(k), v, 'Map hit')
    assert.equal(binding.cacheGet(handle, k), `\u0001${v}`, 'direct binding: text comes back with its kind first')
  }
  for (const k of [missKeys[0] as string, missKeys[MAX - 1] as string]) {
    assert.equal(nFull.get(k), undefined)
    assert.equal(fFull.get(k), undefined)
    assert.equal(lFull.get(k), undefined)
    assert.equal(mFull.get(k), undefined)
    assert.equal(binding.cacheHas(handle, k), false)
  }
  for (const c of [nFull, fFull, nEvict, fEvict]) assert.equal(c.size, MAX)
  for (const c of [lFull, mFull, lEvict, mEvict]) assert.equal(c.size, MAX)
  // Eviction removes the least recent entry: newKeys[0] after one more insertion.
  const probe = keycardCache(native, 2)
  probe.set('a', 'x').set('b', 'y').set('c', 'z')
  assert.equal(probe.has('a'), false)
  assert.equal(probe.size, 2)
  assert.equal(typeof binding.nativeVersion(), 'string')
}

/** Runs at least `count` Zipf operations on every contender's cache, untimed, and until all are full. */
function warmZipf(count: number): void {
  const full = () => nZipf.size === MAX && fZipf.size === MAX && lZipf.size === MAX && mZipf.size === MAX
  let n = 0
  for (; n < count || !full(); n++) {
    if (n > 8 * (ZIPF_MASK + 1)) throw new Error('the Zipf stream does not fill the caches')
    const z = zipf[n & ZIPF_MASK] as number
    const k = zipfKeys[z] as string
    if (nZipf.get(k) === undefined) nZipf.set(k, zipfValue(z))
    if (fZipf.get(k) === undefined) fZipf.set(k, zipfValue(z))
    if (lZipf.get(k) === undefined) lZipf.set(k, zipfValue(z))
    if (mZipf.get(k) === undefined) mapZipfInsert(k, zipfValue(z))
  }
  nZipfAt = fZipfAt = lZipfAt = mZipfAt = n & ZIPF_MASK
  assert.equal(nZipf.size, MAX, 'the Zipf caches are full')
  assert.equal(fZipf.size, MAX)
  assert.equal(lZipf.size, MAX)
  assert.equal(mZipf.size, MAX)
}

// --- Benchmarks ------------------------------------------------------------------------------

const report = createRows()
const { rows } = report
/** The bench functions in registration order (for --quick, which measures them one by one). */
const fns: (() => unknown)[] = []
const row = (g: string, name: string, fn: () => unknown): void => {
  fns.push(fn)
  report.row(g, name, fn)
}

const G_GET = 'get hit, 100k random keys'
/**
 * Keys in a server arrive as new strings (parsed from a request), whose hash V8 has not computed
 * yet; the group above reuses the same key objects, whose hashes V8 caches in the string.
 */
const G_FRESH = 'get hit, 100k random keys, key string built per call'
const G_HOT = 'get hit, hot set of 1k keys'
const G_MISS = 'get miss'
const G_EVICT = 'set with eviction (full cache, new keys)'
const G_UPDATE = 'set, update (100k random keys)'
const G_ZIPF = `Zipf s=${ZIPF_S.toFixed(2)} read-through (1M keys, 100k cache)`
const G_FLOOR = 'napi call floor (reference)'
const CONTENDED = [G_GET, G_FRESH, G_HOT, G_MISS, G_EVICT, G_UPDATE, G_ZIPF]

const K_NATIVE = 'keycard native'
const K_FALLBACK = 'keycard fallback'
const LRU = 'lru-cache'
const MAP = 'Map'

/** Cursor of the read-only groups (shared: those benches do not change what the caches hold). */
let at = 0

function jsTrivial(x: number): number {
  return x + 1
}

function register(): void {
  group(G_GET, () => {
    summary(() => {
      row(G_GET, K_NATIVE, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(nFull.get(keys[idx[at] as number] as string))
      })
      row(G_GET, K_FALLBACK, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(fFull.get(keys[idx[at] as number] as string))
      })
      row(G_GET, LRU, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(lFull.get(keys[idx[at] as number] as string))
      })
      row(G_GET, MAP, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(mFull.get(keys[idx[at] as number] as string))
      })
    })
  })

  group(G_FRESH, () => {
    summary(() => {
      row(G_FRESH, K_NATIVE, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(nFull.get(makeKey(idx[at] as number)))
      })
      row(G_FRESH, K_FALLBACK, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(fFull.get(makeKey(idx[at] as number)))
      })
      row(G_FRESH, LRU, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(lFull.get(makeKey(idx[at] as number)))
      })
      row(G_FRESH, MAP, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(mFull.get(makeKey(idx[at] as number)))
      })
    })
  })

  group(G_HOT, () => {
    summary(() => {
      row(G_HOT, K_NATIVE, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(nFull.get(keys[hotIdx[at] as number] as string))
      })
      row(G_HOT, K_FALLBACK, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(fFull.get(keys[hotIdx[at] as number] as string))
      })
      row(G_HOT, LRU, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(lFull.get(keys[hotIdx[at] as number] as string))
      })
      row(G_HOT, MAP, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(mFull.get(keys[hotIdx[at] as number] as string))
      })
    })
  })

  group(G_MISS, () => {
    summary(() => {
      row(G_MISS, K_NATIVE, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(nFull.get(missKeys[idx[at] as number] as string))
      })
      row(G_MISS, K_FALLBACK, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(fFull.get(missKeys[idx[at] as number] as string))
      })
      row(G_MISS, LRU, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(lFull.get(missKeys[idx[at] as number] as string))
      })
      row(G_MISS, MAP, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(mFull.get(missKeys[idx[at] as number] as string))
      })
    })
  })

  group(G_EVICT, () => {
    summary(() => {
      row(G_EVICT, K_NATIVE, () => {
        const i = nEvictAt
        nEvictAt = i + 1 === NEW_POOL ? 0 : i + 1
        return do_not_optimize(nEvict.set(newKeys[i] as string, newValues[i] as string))
      })
      row(G_EVICT, K_FALLBACK, () => {
        const i = fEvictAt
        fEvictAt = i + 1 === NEW_POOL ? 0 : i + 1
        return do_not_optimize(fEvict.set(newKeys[i] as string, newValues[i] as string))
      })
      row(G_EVICT, LRU, () => {
        const i = lEvictAt
        lEvictAt = i + 1 === NEW_POOL ? 0 : i + 1
        return do_not_optimize(lEvict.set(newKeys[i] as string, newValues[i] as string))
      })
      row(G_EVICT, MAP, () => {
        const i = mEvictAt
        mEvictAt = i + 1 === NEW_POOL ? 0 : i + 1
        const k = newKeys[i] as string
        mEvict.set(k, newValues[i] as string)
        const oldest = mEvictRing[mEvictRingAt] as string
        mEvictRing[mEvictRingAt] = k
        mEvictRingAt = mEvictRingAt + 1 === MAX ? 0 : mEvictRingAt + 1
        return do_not_optimize(mEvict.delete(oldest))
      })
    })
  })

  group(G_UPDATE, () => {
    summary(() => {
      row(G_UPDATE, K_NATIVE, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(nFull.set(keys[idx[at] as number] as string, updateValues[at & UPDATE_MASK] as string))
      })
      row(G_UPDATE, K_FALLBACK, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(fFull.set(keys[idx[at] as number] as string, updateValues[at & UPDATE_MASK] as string))
      })
      row(G_UPDATE, LRU, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(lFull.set(keys[idx[at] as number] as string, updateValues[at & UPDATE_MASK] as string))
      })
      row(G_UPDATE, MAP, () => {
        at = (at + 1) & IDX_MASK
        return do_not_optimize(mFull.set(keys[idx[at] as number] as string, updateValues[at & UPDATE_MASK] as string))
      })
    })
  })

  group(G_ZIPF, () => {
    summary(() => {
      row(G_ZIPF, K_NATIVE, () => {
        nZipfAt = (nZipfAt + 1) & ZIPF_MASK
        const z = zipf[nZipfAt] as number
        const k = zipfKeys[z] as string
        nZipfCount.calls++
        let v = nZipf.get(k)
        if (v === undefined) {
          nZipfCount.misses++
          v = zipfValue(z)
          nZipf.set(k, v)
        }
        return do_not_optimize(v)
      })
      row(G_ZIPF, K_FALLBACK, () => {
        fZipfAt = (fZipfAt + 1) & ZIPF_MASK
        const z = zipf[fZipfAt] as number
        const k = zipfKeys[z] as string
        fZipfCount.calls++
        let v = fZipf.get(k)
        if (v === undefined) {
          fZipfCount.misses++
          v = zipfValue(z)
          fZipf.set(k, v)
        }
        return do_not_optimize(v)
      })
      row(G_ZIPF, LRU, () => {
        lZipfAt = (lZipfAt + 1) & ZIPF_MASK
        const z = zipf[lZipfAt] as number
        const k = zipfKeys[z] as string
        lZipfCount.calls++
        let v = lZipf.get(k)
        if (v === undefined) {
          lZipfCount.misses++
          v = zipfValue(z)
          lZipf.set(k, v)
        }
        return do_not_optimize(v)
      })
      row(G_ZIPF, MAP, () => {
        mZipfAt = (mZipfAt + 1) & ZIPF_MASK
        const z = zipf[mZipfAt] as number
        const k = zipfKeys[z] as string
        mZipfCount.calls++
        let v = mZipf.get(k)
        if (v === undefined) {
          mZipfCount.misses++
          v = zipfValue(z)
          mapZipfInsert(k, v)
        }
        return do_not_optimize(v)
      })
    })
  })

  group(G_FLOOR, () => {
    row(G_FLOOR, 'trivial JS function', () => do_not_optimize(jsTrivial(41)))
    row(G_FLOOR, 'napi nativeVersion()', () => do_not_optimize(binding.nativeVersion()))
    row(G_FLOOR, 'native binding cacheHas, miss (direct)', () => {
      at = (at + 1) & IDX_MASK
      return do_not_optimize(binding.cacheHas(handle, missKeys[idx[at] as number] as string))
    })
    row(G_FLOOR, 'native binding cacheGet, hit (direct)', () => {
      at = (at + 1) & IDX_MASK
      return do_not_optimize(binding.cacheGet(handle, keys[idx[at] as number] as string))
    })
    row(G_FLOOR, 'keycard native has, miss', () => {
      at = (at + 1) & IDX_MASK
      return do_not_optimize(nFull.has(missKeys[idx[at] as number] as string))
    })
    row(G_FLOOR, 'keycard fallback has, miss', () => {
      at = (at + 1) & IDX_MASK
      return do_not_optimize(fFull.has(missKeys[idx[at] as number] as string))
    })
    row(G_FLOOR, 'lru-cache has, miss', () => {
      at = (at + 1) & IDX_MASK
      return do_not_optimize(lFull.has(missKeys[idx[at] as number] as string))
    })
    row(G_FLOOR, 'Map has, miss', () => {
      at = (at + 1) & IDX_MASK
      return do_not_optimize(mFull.has(missKeys[idx[at] as number] as string))
    })
    row(G_FLOOR, 'key.isWellFormed() (keycard checks every key)', () => {
      at = (at + 1) & IDX_MASK
      return do_not_optimize((keys[idx[at] as number] as string).isWellFormed())
    })
  })
}

/** mitata's full run; with --quick, each bench measured briefly (min 25 ms of CPU) instead. */
async function results(): Promise<(group: string, name: string) => number> {
  if (!QUICK) return report.measure()
  const avg = new Map<string, number>()
  for (const [i, r] of rows.entries()) {
    const stats = await measureOne(fns[i] as () => unknown, { min_cpu_time: 25e6 })
    avg.set(`${r.group}/${r.name}`, stats.avg)
    console.log(`  ${`${r.group} / ${r.name}`.padEnd(80)} ${fmt(stats.avg).padStart(10)}`)
  }
  return (g, name) => avg.get(`${g}/${name}`) as number
}

// --- Ratio table and goals -------------------------------------------------------------------

async function main(): Promise<void> {
  console.log(
    `caches: maxSize ${MAX}; keys 12 chars; values ${VALUE_BYTES} chars; Zipf s=${ZIPF_S.toFixed(2)} over ${ZIPF_KEYS} keys` +
      `${QUICK ? '\n--quick: short smoke run, the numbers below mean nothing' : ''}`,
  )
  sanity()
  warmZipf(ZIPF_WARM)
  for (const count of [nZipfCount, fZipfCount, lZipfCount, mZipfCount]) {
    count.calls = 0
    count.misses = 0
  }
  register()
  const get = await results()

  const opsPerSec = (ns: number): string => {
    const ops = 1e9 / ns
    return ops >= 1e6 ? `${(ops / 1e6).toFixed(2)} M/s` : `${(ops / 1e3).toFixed(1)} k/s`
  }
  const width = Math.max(...rows.map((r) => r.name.length))
  console.log('\nRatios (avg per op; "vs X" is X time / this row time, so higher is better)')
  for (const g of CONTENDED) {
    console.log(`\n${g}`)
    console.log(`  ${''.padEnd(width)}  ${'avg'.padStart(10)}  ${'ops/s'.padStart(10)}  ${'vs lru-cache'.padEnd(16)}vs Map`)
    for (const r of rows.filter((x) => x.group === g)) {
      const ns = get(g, r.name)
      const cells = [LRU, MAP].map((b) => (b === r.name ? 'baseline' : ratioText(get(g, b) / ns)).padEnd(16))
      console.log(`  ${r.name.padEnd(width)}  ${fmt(ns).padStart(10)}  ${opsPerSec(ns).padStart(10)}  ${cells.join('')}`)
    }
  }
  const hitRate = (calls: number, misses: number) =>
    calls === 0 ? 'n/a' : `${(((calls - misses) / calls) * 100).toFixed(1)}% hits over ${calls} calls`
  console.log('\n  Zipf hit rates (every call, warm-up and timing runs; the LRUs should agree, Map evicts FIFO):')
  for (const [name, count] of [
    [K_NATIVE, nZipfCount],
    [K_FALLBACK, fZipfCount],
    [LRU, lZipfCount],
    [MAP, mZipfCount],
  ] as const) {
    console.log(`    ${name.padEnd(width)}  ${hitRate(count.calls, count.misses)}`)
  }
  console.log(`\n${G_FLOOR}`)
  const floorWidth = Math.max(...rows.filter((r) => r.group === G_FLOOR).map((r) => r.name.length))
  for (const r of rows.filter((x) => x.group === G_FLOOR)) {
    console.log(`  ${r.name.padEnd(floorWidth)}  ${fmt(get(G_FLOOR, r.name)).padStart(10)}`)
  }
  const floorRatio = get(G_FLOOR, 'lru-cache has, miss') / get(G_FLOOR, 'keycard native has, miss')
  console.log(`  native has (miss) vs lru-cache has (miss): ${ratioText(floorRatio)}`)

  /** `lru / native` must exceed `target` (native is faster). */
  const faster = (g: string, target: number) => {
    const ratio = get(g, LRU) / get(g, K_NATIVE)
    return { text: `native vs lru-cache: ${g}`, met: ratio > target, shown: `${ratioText(ratio)} (target > ${target}x faster)` }
  }
  /** `keycard / lru` time must stay at or under `limit`. */
  const within = (g: string, who: string, limit: number) => {
    const factor = get(g, who) / get(g, LRU)
    const label = who === K_NATIVE ? 'native' : 'fallback'
    return {
      text: `${label} vs lru-cache: ${g}`,
      met: factor <= limit,
      shown: `${factor.toFixed(2)}x the time (target <= ${limit}x)`,
    }
  }
  const goals = [
    faster(G_GET, 1),
    faster(G_FRESH, 1),
    faster(G_EVICT, 1),
    faster(G_UPDATE, 1),
    within(G_HOT, K_NATIVE, 4),
    ...CONTENDED.map((g) => within(g, K_FALLBACK, 1.2)),
  ]
  console.log('\nGoals (tracked, never gating)')
  const goalWidth = Math.max(...goals.map((goal) => goal.text.length))
  for (const goal of goals) {
    console.log(`  ${goal.met ? 'MET   ' : 'MISSED'}  ${goal.text.padEnd(goalWidth)}  measured ${goal.shown}`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
