/**
 * Cache memory: what one million entries cost the JS heap and the garbage collector, for
 * keycard native, keycard fallback, lru-cache and a plain `Map`. Run with
 * `node scripts/ensure-built.mjs && node --import tsx bench/cache_heap.ts` (`--entries=100000`
 * for a short smoke run). Tracks, never gates: the goals printed at the end are informational.
 *
 * Each implementation runs in its own child process (`node --expose-gc --import tsx`, this file
 * with `--child=<name>`), so heaps never mix. A child creates its empty cache, forces full GCs
 * and times `gc()` on that baseline heap, fills `entries` distinct keys (12 characters) with
 * distinct 100-character string values (generated one by one in the loop, so nothing but the
 * cache keeps them), forces full GCs again and reports:
 *
 * - heap: `process.memoryUsage().heapUsed` after the fill minus before it;
 * - gc: the median duration of 5 forced full `gc()` calls with the cache full (and, for
 *   reference, on the baseline heap before the fill);
 * - external and rss deltas, for the memory the JS heap does not see: typed-array backing stores
 *   (the fallback's and lru-cache's slot arrays) and, for native, the Rust heap.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { LRUCache } from 'lru-cache'
import { loadBackend, withBackend } from '../src/backend'
import { Cache } from '../src/index'
import { argInt, argValue, makeKey, makeValue, VALUE_BYTES } from './cache_data'

const IMPLS = ['keycard native', 'keycard fallback', 'lru-cache', 'Map'] as const
type Impl = (typeof IMPLS)[number]
const GC_RUNS = 5
const MB = 1024 * 1024

interface ChildResult {
  impl: Impl
  entries: number
  heapBytes: number
  externalBytes: number
  rssBytes: number
  gcMs: number
  gcBaselineMs: number
}

/** The little every contender offers: set, get and size. */
interface Store {
  set(key: string, value: string): unknown
  get(key: string): string | undefined
  readonly size: number
}

function open(impl: Impl, maxSize: number): Store {
  switch (impl) {
    case 'keycard native':
      return withBackend(loadBackend('native'), () => new Cache<string>({ maxSize }))
    case 'keycard fallback':
      return withBackend(loadBackend('fallback'), () => new Cache<string>({ maxSize }))
    case 'lru-cache':
      return new LRUCache<string, string>({ max: maxSize })
    case 'Map':
      return new Map<string, string>()
  }
}

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run the child with node --expose-gc')
  gc()
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1] as number
}

/** Median duration in ms of GC_RUNS forced full collections. */
function gcMs(): number {
  const times: number[] = []
  for (let i = 0; i < GC_RUNS; i++) {
    const t0 = performance.now()
    fullGc()
    times.push(performance.now() - t0)
  }
  return median(times)
}

/** Full collections until heapUsed settles (weak callbacks and finalizers can free more on a second pass). */
function settledMemory(): NodeJS.MemoryUsage {
  fullGc()
  fullGc()
  fullGc()
  return process.memoryUsage()
}

function child(impl: Impl, entries: number): void {
  const store = open(impl, entries)
  // Warm the code paths on a throwaway instance, so that compiled code lands in the baseline.
  const warm = open(impl, 1000)
  for (let i = 0; i < 2000; i++) warm.set(makeKey(i, 'warm:'), makeValue(i))
  assert.equal(warm.get(makeKey(1999, 'warm:')), makeValue(1999))

  const gcBaselineMs = gcMs()
  const before = settledMemory()
  for (let i = 0; i < entries; i++) store.set(makeKey(i), makeValue(i))
  const after = settledMemory()
  const gcFullMs = gcMs()

  // The cache must really hold every entry (and still be reachable here, after the measurements).
  assert.equal(store.size, entries)
  for (const i of [0, entries >> 1, entries - 1]) assert.equal(store.get(makeKey(i)), makeValue(i))
  const result: ChildResult = {
    impl,
    entries,
    heapBytes: after.heapUsed - before.heapUsed,
    externalBytes: after.external - before.external,
    rssBytes: after.rss - before.rss,
    gcMs: gcFullMs,
    gcBaselineMs,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

function runChild(impl: Impl, entries: number): ChildResult {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', __filename, `--child=${impl}`, `--entries=${entries}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * MB },
  )
  const last = out.trim().split('\n').pop() as string
  return JSON.parse(last) as ChildResult
}

function main(): void {
  const entries = argInt('entries', 1_000_000)
  console.log(`${entries} entries: keys 12 chars, values ${VALUE_BYTES} chars; one child process per implementation`)
  const results: ChildResult[] = []
  for (const impl of IMPLS) {
    const r = runChild(impl, entries)
    results.push(r)
  }

  const width = Math.max(...IMPLS.map((i) => i.length))
  const mb = (bytes: number) => `${(bytes / MB).toFixed(2)} MB`
  console.log(
    `\n  ${''.padEnd(width)}  ${'JS heap'.padStart(10)}  ${'per entry'.padStart(10)}  ${'full gc'.padStart(10)}` +
      `  ${'gc (empty)'.padStart(10)}  ${'external'.padStart(10)}  ${'rss'.padStart(10)}`,
  )
  for (const r of results) {
    console.log(
      `  ${r.impl.padEnd(width)}  ${mb(r.heapBytes).padStart(10)}  ${`${(r.heapBytes / r.entries).toFixed(1)} B`.padStart(10)}` +
        `  ${`${r.gcMs.toFixed(2)} ms`.padStart(10)}  ${`${r.gcBaselineMs.toFixed(2)} ms`.padStart(10)}` +
        `  ${mb(r.externalBytes).padStart(10)}  ${mb(r.rssBytes).padStart(10)}`,
    )
  }
  console.log('  (JS heap: heapUsed after - before the fill; full gc: median of 5 forced gc() with the cache full;')
  console.log('   external and rss deltas include typed-array stores and, for native, the Rust heap)')

  const by = (impl: Impl) => results.find((r) => r.impl === impl) as ChildResult
  const native = by('keycard native')
  const lru = by('lru-cache')
  /** `a / b`, shown as unbounded when `b` is not positive (a heap delta can be ~0 or even negative). */
  const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.POSITIVE_INFINITY)
  const show = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)}x` : 'unbounded (divisor <= 0)')
  const heapRatio = ratio(lru.heapBytes, native.heapBytes)
  const gcRatio = ratio(lru.gcMs, native.gcMs)
  console.log('\nGoals (tracked, never gating)')
  console.log(
    `  ${heapRatio >= 20 ? 'MET   ' : 'MISSED'}  lru-cache heap / native heap  measured ${show(heapRatio)} (target >= 20x)`,
  )
  console.log(`  ${gcRatio >= 10 ? 'MET   ' : 'MISSED'}  lru-cache gc / native gc      measured ${show(gcRatio)} (target >= 10x)`)
  const fb = by('keycard fallback')
  console.log(
    `  (for reference: fallback heap / lru-cache heap ${show(ratio(fb.heapBytes, lru.heapBytes))},` +
      ` fallback gc / lru-cache gc ${show(ratio(fb.gcMs, lru.gcMs))})`,
  )
}

const childImpl = argValue('child', '')
if (childImpl !== '') {
  if (!(IMPLS as readonly string[]).includes(childImpl)) throw new Error(`unknown --child=${childImpl}`)
  child(childImpl as Impl, argInt('entries', 1_000_000))
} else {
  main()
}
