/**
 * Inputs shared by the cache benchmarks (bench/cache.ts, bench/cache_heap.ts,
 * bench/cache_workers.ts): keys, ~100-byte values, a seeded random number generator and a Zipf
 * sampler. Everything is deterministic, so every run and every contender sees the same inputs.
 */

/** Bytes (= characters, all ASCII) of every value. */
export const VALUE_BYTES = 100

/** The key of entry `i`: 12 ASCII characters (short enough that V8 stores it flat, not as a rope). */
export function makeKey(i: number, prefix = 'user:'): string {
  return prefix + String(i).padStart(12 - prefix.length, '0')
}

const FILLER = Buffer.from('{"name":"Ada Lovelace","role":"editor","plan":"pro","lang":"en","flags":[1,2,3],"tz":"UTC+01:00"}')
const scratch = Buffer.alloc(VALUE_BYTES, 0x20)
FILLER.copy(scratch, 0, 0, Math.min(FILLER.length, VALUE_BYTES))

/**
 * The value of entry `i`: a fresh, distinct, flat 100-character string (decoded from bytes, as a
 * value read from a socket or a file would be; concatenation would build a rope instead).
 */
export function makeValue(i: number): string {
  const id = String(i)
  scratch.write(id, 0, 'latin1')
  const text = scratch.toString('latin1')
  // Restore the filler under the id for the next call.
  FILLER.copy(scratch, 0, 0, id.length)
  return text
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` uniform random integers in [0, range), pre-generated so that the timed loop does not run the RNG. */
export function uniformIndexes(count: number, range: number, seed: number): Uint32Array {
  const random = rng(seed)
  const out = new Uint32Array(count)
  for (let i = 0; i < count; i++) out[i] = Math.floor(random() * range)
  return out
}

/** A random permutation of 0 .. n - 1. */
export function permutation(n: number, seed: number): Uint32Array {
  const random = rng(seed)
  const out = new Uint32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = out[i] as number
    out[i] = out[j] as number
    out[j] = t
  }
  return out
}

/**
 * `count` samples of a Zipf distribution with exponent `s` over `n` items: item k (rank k + 1)
 * has probability proportional to 1 / (k + 1)^s. Ranks are mapped through a random permutation,
 * so the popular items are scattered over 0 .. n - 1 rather than being the first ones.
 */
export function zipfIndexes(count: number, n: number, s: number, seed: number): Uint32Array {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** s
    cdf[k] = sum
  }
  for (let k = 0; k < n; k++) cdf[k] = (cdf[k] as number) / sum
  const perm = permutation(n, seed ^ 0x5a5a5a5a)
  const random = rng(seed)
  const out = new Uint32Array(count)
  for (let i = 0; i < count; i++) {
    const u = random()
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((cdf[mid] as number) < u) lo = mid + 1
      else hi = mid
    }
    out[i] = perm[lo] as number
  }
  return out
}

/** `--name=value` from the command line, or `fallback`. */
export function argValue(name: string, fallback: string): string {
  const prefix = `--${name}=`
  const found = process.argv.find((arg) => arg.startsWith(prefix))
  return found === undefined ? fallback : found.slice(prefix.length)
}

/** A positive integer `--name=N` (underscores allowed), or `fallback`. */
export function argInt(name: string, fallback: number): number {
  const value = Number(argValue(name, String(fallback)).replaceAll('_', ''))
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`)
  return value
}
