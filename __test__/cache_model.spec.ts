/**
 * Model-based test of Cache (docs/CACHE.md, "Semantics"): thousands of seeded random operations
 * run against the cache of the backend under test and against a small reference model written
 * here, comparing every result and the final counters. The model is deliberately naive: a Map in
 * recency order (least recent first), an expiry per entry, and a full scan that removes every
 * expired entry before each operation (rule 1; `clear` is not in rule 1's list and counts nothing).
 *
 * A failure names its seed and config; replay one with CACHE_MODEL_SEEDS=1234,5678.
 */
import { inspect, isDeepStrictEqual } from 'node:util'
import { threadId } from 'node:worker_threads'
import test, { type ExecutionContext } from 'ava'
import { setCacheClockForTests } from '../src/cache'
import { Cache, type CacheOptions, type CacheStats, KeycardError } from '../src/index'
import { t_ } from './helpers/backends'

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const T0 = 1_700_000_000_000
const OPS = 4000
const FIXED_SEEDS = [1, 2, 3, 0xc0ffee, 20_240_601]
/** CACHE_MODEL_SEEDS=1,2,3 replays those seeds only; otherwise the fixed seeds plus one fresh one per config. */
const SEEDS: number[] = process.env.CACHE_MODEL_SEEDS
  ? process.env.CACHE_MODEL_SEEDS.split(',').map((s) => Number(s.trim()))
  : [...FIXED_SEEDS, (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0]

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'é', 'ключ', '🔑', 'k\u0000']
const CHARS = ['x', 'y', 'z', '0', ' ', 'é', '€', '🍪', '日']
/** Per-entry TTLs the generator picks from: ms, duration strings, and 0 (never). */
const TTLS: Array<number | string> = [0, 1, 2, 10, 25, 50, 100, 400, '20ms', '1s']

const utf8Length = (text: string) => Buffer.byteLength(text, 'utf8')
const msOf = (ttl: number | string) =>
  typeof ttl === 'number' ? ttl : ttl.endsWith('ms') ? Number.parseInt(ttl, 10) : Number.parseFloat(ttl) * 1000

// --- the reference model ---------------------------------------------------------------------

interface Entry {
  /** What get/peek must return: the value as the cache gives it back (bytes as a Buffer, JSON parsed). */
  value: unknown
  bytes: number
  /** Clock ms at which it expires; Infinity = never. */
  expiresAt: number
}

/** The value as it comes back out of the cache, and its bytes (docs/CACHE.md, "Values"). */
function normalise(value: unknown): { value: unknown; bytes: number } {
  if (typeof value === 'string') return { value, bytes: utf8Length(value) }
  if (value instanceof Uint8Array) return { value: Buffer.from(value), bytes: value.byteLength }
  const json = JSON.stringify(value)
  return { value: JSON.parse(json), bytes: utf8Length(json) }
}

class Model {
  /** Least recent first. */
  readonly entries = new Map<string, Entry>()
  hits = 0
  misses = 0
  evictions = 0
  expirations = 0
  now = T0

  constructor(
    readonly maxSize: number,
    /** 0 = no byte bound. */
    readonly maxBytes: number,
    /** Default ttl in ms; 0 = never. */
    readonly ttl: number,
  ) {}

  #purge() {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= this.now) {
        this.entries.delete(key)
        this.expirations++
      }
    }
  }

  #bytes() {
    let sum = 0
    for (const entry of this.entries.values()) sum += entry.bytes
    return sum
  }

  #touch(key: string, entry: Entry) {
    this.entries.delete(key)
    this.entries.set(key, entry)
  }

  get(key: string): unknown {
    this.#purge()
    const entry = this.entries.get(key)
    if (!entry) {
      this.misses++
      return undefined
    }
    this.hits++
    this.#touch(key, entry)
    return entry.value
  }

  peek(key: string): unknown {
    this.#purge()
    return this.entries.get(key)?.value
  }

  has(key: string): boolean {
    this.#purge()
    return this.entries.has(key)
  }

  /** 'OK' or the error code the set must throw. */
  set(key: string, value: unknown, ttl: number | undefined): string {
    this.#purge()
    const normal = normalise(value)
    const bytes = utf8Length(key) + normal.bytes
    if (this.maxBytes !== 0 && bytes > this.maxBytes) return 'ERR_TOO_LARGE'
    const ms = ttl ?? this.ttl
    this.#touch(key, { value: normal.value, bytes, expiresAt: ms === 0 ? Number.POSITIVE_INFINITY : this.now + ms })
    while (this.entries.size > this.maxSize || (this.maxBytes !== 0 && this.#bytes() > this.maxBytes)) {
      const oldest = this.entries.keys().next().value as string
      if (oldest === key) throw new Error('model bug: the entry just set would be evicted')
      this.entries.delete(oldest)
      this.evictions++
    }
    return 'OK'
  }

  delete(key: string): boolean {
    this.#purge()
    return this.entries.delete(key)
  }

  clear() {
    this.entries.clear()
  }

  size(): number {
    this.#purge()
    return this.entries.size
  }

  remainingTtl(key: string): number {
    this.#purge()
    const entry = this.entries.get(key)
    if (!entry) return 0
    return entry.expiresAt === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : entry.expiresAt - this.now
  }

  stats(): CacheStats {
    this.#purge()
    const { hits, misses, evictions, expirations } = this
    return { hits, misses, evictions, expirations, bytes: this.#bytes(), size: this.entries.size }
  }
}

// --- the random run --------------------------------------------------------------------------

interface Config {
  label: string
  maxSize: number
  maxBytes?: number
  ttl?: number | string
  named?: boolean
  /** Extra ASCII keys beyond KEYS: a larger key space, so more live TTLs and stale heap items. */
  extraKeys?: number
}

const CONFIGS: Config[] = [
  { label: 'maxSize only', maxSize: 5 },
  { label: 'maxSize and maxBytes', maxSize: 6, maxBytes: 48 },
  { label: 'maxSize and default ttl', maxSize: 4, ttl: 50 },
  { label: 'maxSize, maxBytes and default ttl (named)', maxSize: 5, maxBytes: 40, ttl: '30ms', named: true },
  { label: 'maxBytes binds first, long default ttl', maxSize: 12, maxBytes: 44, ttl: 400 },
  { label: 'many keys, long default ttl', maxSize: 60, ttl: '5s', extraKeys: 200 },
]

/** The outcome of a cache call: its value, or the code it threw. */
type Outcome = { value: unknown } | { code: string }

function run(fn: () => unknown): Outcome {
  try {
    return { value: fn() }
  } catch (err) {
    return { code: err instanceof KeycardError ? err.code : `not a KeycardError: ${String(err)}` }
  }
}

async function runAsync(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { value: await fn() }
  } catch (err) {
    return { code: err instanceof KeycardError ? err.code : `not a KeycardError: ${String(err)}` }
  }
}

const show = (value: unknown) => inspect(value, { depth: 4, breakLength: Number.POSITIVE_INFINITY, maxStringLength: 80 })

let serial = 0

/** What the runs of one config exercised, summed over its seeds (logged, so a weak config shows). */
type Totals = CacheStats & { tooLarge: number }

/** Runs OPS random operations; returns a failure message, or null when the cache matched the model throughout. */
async function runSeed(t: ExecutionContext, config: Config, seed: number, totals: Totals): Promise<string | null> {
  const random = mulberry32(seed)
  const keys = [...KEYS, ...Array.from({ length: config.extraKeys ?? 0 }, (_, i) => `key-${i}`)]
  const int = (n: number) => Math.floor(random() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T

  const options: CacheOptions = { maxSize: config.maxSize }
  if (config.maxBytes !== undefined) options.maxBytes = config.maxBytes
  if (config.ttl !== undefined) options.ttl = config.ttl
  if (config.named) options.name = `cache_model.spec/${threadId}/${++serial}/${seed}`
  const cache = new Cache(options)
  const model = new Model(config.maxSize, config.maxBytes ?? 0, config.ttl === undefined ? 0 : msOf(config.ttl))
  setCacheClockForTests(cache, model.now)

  const text = (max: number) => Array.from({ length: int(max + 1) }, () => pick(CHARS)).join('')
  const value = (): unknown => {
    switch (int(6)) {
      case 0:
      case 1:
        return text(8)
      case 2:
        return Buffer.from(Array.from({ length: int(12) }, () => int(256)))
      case 3:
        return Uint8Array.from(Array.from({ length: int(6) }, () => int(256)))
      case 4:
        return { n: int(1000), s: text(4), list: Array.from({ length: int(3) }, () => int(10)) }
      default:
        return pick<unknown>([null, true, false, int(100_000), -int(100), [text(3)], {}])
    }
  }
  /** Too large for maxBytes with any key (or merely large when there is no byte bound). */
  const oversized = (): unknown => {
    const n = (config.maxBytes ?? 64) + int(8)
    switch (int(3)) {
      case 0:
        return 'o'.repeat(n)
      case 1:
        return Buffer.alloc(n, 0x6f)
      default:
        return { o: 'o'.repeat(n) }
    }
  }

  const log: string[] = []
  let tooLarge = 0
  const fail = (i: number, what: string, expected: unknown, actual: unknown) =>
    `seed ${seed} (${config.label}), op #${i} at clock T0+${model.now - T0}: ${what}\n` +
    `  expected ${show(expected)}\n  actual   ${show(actual)}\n` +
    `  replay: CACHE_MODEL_SEEDS=${seed}\n  last operations:\n    ${log.slice(-15).join('\n    ')}`
  const check = (i: number, what: string, expected: Outcome, actual: Outcome) =>
    isDeepStrictEqual(actual, expected) ? null : fail(i, what, expected, actual)

  for (let i = 0; i < OPS; i++) {
    const key = pick(keys)
    const roll = int(100)
    let what: string
    let expected: Outcome
    let actual: Outcome
    if (roll < 25) {
      const v = value()
      what = `set(${show(key)}, ${show(v)})`
      expected = { value: model.set(key, v, undefined) }
      if (expected.value !== 'OK') expected = { code: expected.value as string }
      actual = run(() => (cache.set(key, v) === cache ? 'OK' : 'not the cache'))
    } else if (roll < 35) {
      const v = value()
      const ttl = pick(TTLS)
      what = `set(${show(key)}, ${show(v)}, { ttl: ${show(ttl)} })`
      const code = model.set(key, v, msOf(ttl))
      expected = code === 'OK' ? { value: 'OK' } : { code }
      actual = run(() => (cache.set(key, v, { ttl }) === cache ? 'OK' : 'not the cache'))
    } else if (roll < 37) {
      const v = oversized()
      const ttl = int(2) === 0 ? undefined : pick(TTLS)
      what = `set(${show(key)}, <oversized ${show(v).length} chars>${ttl === undefined ? '' : `, { ttl: ${show(ttl)} }`})`
      const code = model.set(key, v, ttl === undefined ? undefined : msOf(ttl))
      expected = code === 'OK' ? { value: 'OK' } : { code }
      actual = run(() => (cache.set(key, v, ttl === undefined ? undefined : { ttl }) === cache ? 'OK' : 'not the cache'))
    } else if (roll < 55) {
      what = `get(${show(key)})`
      expected = { value: model.get(key) }
      actual = run(() => cache.get(key))
    } else if (roll < 61) {
      what = `peek(${show(key)})`
      expected = { value: model.peek(key) }
      actual = run(() => cache.peek(key))
    } else if (roll < 67) {
      what = `has(${show(key)})`
      expected = { value: model.has(key) }
      actual = run(() => cache.has(key))
    } else if (roll < 73) {
      what = `delete(${show(key)})`
      expected = { value: model.delete(key) }
      actual = run(() => cache.delete(key))
    } else if (roll < 76) {
      what = 'size'
      expected = { value: model.size() }
      actual = run(() => cache.size)
    } else if (roll < 82) {
      what = `getRemainingTTL(${show(key)})`
      expected = { value: model.remainingTtl(key) }
      actual = run(() => cache.getRemainingTTL(key))
    } else if (roll < 85) {
      what = 'stats()'
      expected = { value: model.stats() }
      actual = run(() => cache.stats())
    } else if (roll < 86) {
      what = 'clear()'
      model.clear()
      expected = { value: undefined }
      actual = run(() => cache.clear())
    } else if (roll < 90) {
      // getOrSet, one caller at a time: a hit returns the stored copy, a miss stores the loader's value.
      const v = value()
      const ttl = int(2) === 0 ? undefined : pick(TTLS)
      what = `getOrSet(${show(key)}, () => ${show(v)}${ttl === undefined ? '' : `, { ttl: ${show(ttl)} }`})`
      const hit = model.get(key)
      if (hit !== undefined) {
        expected = { value: hit }
      } else {
        const code = model.set(key, v, ttl === undefined ? undefined : msOf(ttl))
        expected = code === 'OK' ? { value: v } : { code }
      }
      let calls = 0
      actual = await runAsync(() =>
        cache.getOrSet(
          key,
          () => {
            calls++
            return v
          },
          ttl === undefined ? undefined : { ttl },
        ),
      )
      if (calls !== (hit === undefined ? 1 : 0)) return fail(i, `${what}: loader calls`, hit === undefined ? 1 : 0, calls)
    } else {
      // Move the clock: a little, a lot, or exactly onto (or just before) the next expiry.
      const due = [...model.entries.values()].map((e) => e.expiresAt).filter((at) => at !== Number.POSITIVE_INFINITY)
      const choice = int(4)
      let to = model.now + int(20)
      if (choice === 1) to = model.now + int(500)
      else if (choice >= 2 && due.length > 0) to = Math.max(model.now, Math.min(...due) - (choice === 2 ? 0 : 1))
      what = `clock -> T0+${to - T0}`
      model.now = to
      setCacheClockForTests(cache, to)
      expected = { value: undefined }
      actual = { value: undefined }
    }
    log.push(what)
    if ('code' in expected && expected.code === 'ERR_TOO_LARGE') tooLarge++
    const failure = check(i, what, expected, actual)
    if (failure) return failure
  }

  // Finally: the same counters, and the same entries with the same values and TTLs.
  const finalStats = { value: model.stats() }
  const statsFailure = check(
    OPS,
    'final stats()',
    finalStats,
    run(() => cache.stats()),
  )
  if (statsFailure) return statsFailure
  for (const key of keys) {
    const failure =
      check(
        OPS,
        `final peek(${show(key)})`,
        { value: model.peek(key) },
        run(() => cache.peek(key)),
      ) ??
      check(
        OPS,
        `final getRemainingTTL(${show(key)})`,
        { value: model.remainingTtl(key) },
        run(() => cache.getRemainingTTL(key)),
      )
    if (failure) return failure
  }
  t.deepEqual(cache.stats(), model.stats(), `seed ${seed}`)
  totals.tooLarge += tooLarge
  for (const [k, v] of Object.entries(model.stats())) totals[k as keyof CacheStats] += v
  return null
}

for (const config of CONFIGS) {
  test(t_(`cache model: ${config.label}: ${SEEDS.length} seeds x ${OPS} random operations match the model`), async (t) => {
    const failures: string[] = []
    const totals: Totals = { hits: 0, misses: 0, evictions: 0, expirations: 0, bytes: 0, size: 0, tooLarge: 0 }
    for (const seed of SEEDS) {
      const failure = await runSeed(t, config, seed, totals)
      if (failure) failures.push(failure)
    }
    t.log(`seeds ${SEEDS.join(', ')}; summed over them:`, totals)
    // Each run must exercise what this config is about.
    if (failures.length === 0) {
      t.true(totals.hits > 0 && totals.misses > 0 && totals.evictions > 0, 'hits, misses and evictions happened')
      if (config.ttl !== undefined) t.true(totals.expirations > 0, 'entries expired')
      if (config.maxBytes !== undefined) t.true(totals.tooLarge > 0, 'oversized sets were refused')
    }
    if (failures.length > 0) t.fail(failures.join('\n\n'))
  })
}

test(t_('cache model: the reference model and the PRNG behave as this file assumes'), (t) => {
  // The PRNG is deterministic per seed and spreads over [0, 1).
  const a = mulberry32(42)
  const b = mulberry32(42)
  const draws = Array.from({ length: 1000 }, () => a())
  t.deepEqual(
    draws.slice(0, 5),
    Array.from({ length: 5 }, () => b()),
  )
  t.true(draws.every((x) => x >= 0 && x < 1))
  t.true(draws.some((x) => x < 0.1) && draws.some((x) => x > 0.9))
  t.not(mulberry32(1)(), mulberry32(2)())
  // The model follows docs/CACHE.md on a hand-checked sequence.
  const m = new Model(2, 10, 100)
  t.is(m.set('a', 'xxxx', undefined), 'OK') // 5 bytes
  t.is(m.set('b', 'yyyy', 0), 'OK') // 10 bytes, never expires
  t.is(m.get('a'), 'xxxx')
  t.is(m.set('c', 'z', undefined), 'OK') // 3 entries: evicts b (a was refreshed)
  t.false(m.has('b'))
  t.is(m.set('a', 'x'.repeat(10), undefined), 'ERR_TOO_LARGE')
  t.is(m.peek('a'), 'xxxx')
  m.now += 100
  t.is(m.remainingTtl('a'), 0)
  t.deepEqual(m.stats(), { hits: 1, misses: 0, evictions: 1, expirations: 2, bytes: 0, size: 0 })
  t.deepEqual(normalise(Uint8Array.of(1, 2)), { value: Buffer.from([1, 2]), bytes: 2 })
  t.deepEqual(normalise({ é: 'é' }), { value: { é: 'é' }, bytes: 11 })
  t.is(msOf('20ms'), 20)
  t.is(msOf('1s'), 1000)
  t.is(msOf('30ms'), 30)
})
