/**
 * What a session costs per request, in process (no sockets): keycard's adapters (express,
 * fastify, koa, hono, node, fetch on Hono) on the cookie store and the memory store, against
 * express-session (MemoryStore), cookie-session, @fastify/secure-session, @fastify/session (memory),
 * koa-session, hono-sessions, iron-session and a hand-rolled AES-256-GCM cookie on node:http, each
 * reported as µs per request above the bare framework (same routes, no session).
 *
 * Run with `npm run bench:sessions` (= `node scripts/ensure-built.mjs && node --import tsx
 * bench/sessions.ts`). keycard is loaded by its package name, through package.json "exports", so
 * this measures dist/ (the shipped build); see bench/sessions/keycard.ts. Tracks, never gates: the
 * goals printed at the end are informational and the exit code does not depend on them (it does
 * depend on the correctness checks).
 *
 * How it measures (bench/README.md, "Session cost in process", says more):
 * - Every stack is an app of its own, driven in process: light-my-request for node:http, Express
 *   and Koa (`app.callback()`), `app.inject` for Fastify, `app.request` for Hono. One request at
 *   a time; each stack has a cookie jar, so every request carries the session cookie the previous
 *   response set. Every answer is checked (status and counter): a lost session fails the run.
 * - Two routes: /write loads the session, `views = (views ?? 0) + 1`, commits; /read only reads
 *   `views` from a session created once before the rounds.
 * - Rounds: each round runs every stack (both routes, all frameworks) for `--requests` requests
 *   (iron-session and hono-sessions, ~1-2 ms a request, a tenth of that), in a shuffled order;
 *   the time per request of a stack in a round, minus that of its framework's bare stack in the
 *   same round, is the round's session cost. The tables give the median over the rounds and its
 *   spread (p25-p75 and min-max of the per-round values).
 * - Backends: keycard picks its backend when it loads, so each backend runs in a child process of
 *   its own (`KEYCARD_BACKEND=native|fallback`, `--expose-gc` not used: GC is paid where it falls).
 *
 * Options: `--backend=native|fallback|both` (default both, one after the other), `--rounds=N`
 * (default 100), `--requests=N` per stack per round (default 100), `--warmup=N` requests per stack
 * before the rounds (default 1000), `--only=<framework>[,...]` (node, express, fastify, koa, hono),
 * `--only=redis` adds the Redis stacks (bench/sessions/redis.ts: keycard redisStore against
 * express-session + connect-redis on a redis-server the bench starts; never in a default run),
 * `--seed=N` (the shuffle), `--profile=<stack id>` (see bench/sessions/profile.ts; with it
 * `--requests` defaults to 20000 and `--interval=<µs>` sets the sampling interval, default 100).
 * Results: bench/results/sessions-<backend>.json (every per-round figure, for charts).
 */

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import type { Stack } from './sessions/run'

// --- Settings ----------------------------------------------------------------------------------

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3)
function count(name: string, fallback: number, min = 1): number {
  const text = flag(name)
  const value = text === undefined ? fallback : Number(text)
  assert.ok(Number.isInteger(value) && value >= min, `--${name} must be an integer >= ${min}, not ${text}`)
  return value
}

const CHILD = process.argv.includes('--child')
const PROFILE = flag('profile')
const BACKEND = flag('backend') ?? (PROFILE ? 'native' : 'both')
assert.ok(['native', 'fallback', 'both'].includes(BACKEND), `--backend must be native, fallback or both, not ${BACKEND}`)
assert.ok(!(PROFILE && BACKEND === 'both'), '--profile runs one backend: --backend=native or --backend=fallback')
const ROUNDS = count('rounds', 100)
const REQUESTS = count('requests', PROFILE ? 20_000 : 100)
const WARMUP = count('warmup', 1000, 0)
const SEED = count('seed', 20261202, 0)
const INTERVAL = count('interval', 100)
const ONLY = flag('only')
  ?.toLowerCase()
  .split(',')
  .map((t) => t.trim())
  .filter((t) => t !== '')
const RESULTS = join(__dirname, 'results')
const resultFile = (backend: string) => join(RESULTS, `sessions-${backend}.json`)

// --- The parent: one child process per backend ---------------------------------------------------

/** The package root keycard resolves to by name, and whether its build is older than src/. */
function staleBuildNote(): string | undefined {
  const root = dirname(require.resolve('keycard/package.json'))
  const built = require.resolve('keycard')
  const src = join(root, 'src')
  if (!existsSync(src)) return undefined
  let newest = 0
  for (const entry of readdirSync(src, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts'))
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return statSync(built).mtimeMs < newest
    ? `note: ${built} is older than src/: this measures the last build (npm run build:ts, or npm run bench:sessions, rebuilds)`
    : undefined
}

function parent(): void {
  const note = staleBuildNote()
  if (note) console.log(note)
  const backends = BACKEND === 'both' ? ['native', 'fallback'] : [BACKEND]
  const runId = `${process.pid}-${Date.now()}`
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--backend='))
  for (const backend of backends) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', `--backend=${backend}`, ...args], {
      stdio: 'inherit',
      env: { ...process.env, KEYCARD_BACKEND: backend, NODE_ENV: 'development', BENCH_SESSIONS_RUN: runId },
    })
    if (child.status !== 0) {
      console.error(`the ${backend} run failed (exit ${child.status ?? child.signal})`)
      process.exitCode = 1
      return
    }
  }
  if (PROFILE || backends.length < 2) return
  // Both backends: their goals side by side.
  const results = backends.map((b) => JSON.parse(readFileSync(resultFile(b), 'utf8')) as Result)
  for (const r of results) assert.equal(r.runId, runId, `${resultFile(r.backend)} comes from this run`)
  const [native, fallback] = results as [Result, Result]
  console.log('\nGoals, both backends (session cost above bare, medians; tracked, never gating)')
  console.log(
    table(
      ['goal', 'target', 'native', 'status', 'Δ medians', 'fallback', 'status', 'Δ medians'],
      native.goals.map((g, i) => {
        const f = fallback.goals[i] as Goal
        assert.equal(f.text, g.text)
        const x = (v: number) => `${v.toFixed(2)}x`
        return [g.text, targetText(g), x(g.measured), status(g), x(g.fromMedians), x(f.measured), status(f), x(f.fromMedians)]
      }),
      1,
    ),
  )
}

// --- Statistics --------------------------------------------------------------------------------

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.ceil(at)
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo)
}

export interface Spread {
  median: number
  p25: number
  p75: number
  min: number
  max: number
  mean: number
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  }
}

/** mulberry32: a small seeded generator, so an order can be replayed with --seed. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function shuffle<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[items[i], items[j]] = [items[j] as T, items[i] as T]
  }
  return items
}

// --- Report helpers ----------------------------------------------------------------------------

/** Columns from `rightFrom` up to (not including) `rightTo` are right-aligned (as bench/http.ts prints). */
function table(headers: string[], rows: string[][], rightFrom: number, rightTo = headers.length): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= rightFrom && i < rightTo ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

const us = (x: number) => x.toFixed(2)

// --- Results -----------------------------------------------------------------------------------

export interface StackResult {
  id: string
  framework: string
  route: string
  contender: string
  label: string
  kind: string
  store?: string
  requestsPerRound: number
  /** µs per request, per round (in round order). */
  rawUs: number[]
  /** µs per request above the framework's bare stack in the same round (zeros for a bare stack). */
  aboveBareUs: number[]
  raw: Spread
  /** Of aboveBareUs (all zero for a bare stack: its own figures are in raw). */
  above: Spread
  /**
   * raw.median minus the bare stack's raw.median: the same cost without the per-round pairing.
   * Where the noise is another process's time slice (ms), not a slow round, pairing adds the two
   * stacks' noise instead of cancelling it, and this figure is the steadier one.
   */
  medianMinusBare: number
  /** Share of measured responses that carried a Set-Cookie line. */
  setCookieShare: number
  /** Bytes of the Cookie header the last request sent, and of the last Set-Cookie lines received. */
  cookieBytes: number
  setCookieBytes: number
  /** On the bench's redis-server (compared only with Redis peers). */
  redis: boolean
  /** Keycard rows: median above bare / the cheapest peer's (same framework, route and Redis or not). */
  vsCheapestPeer?: number
  cheapestPeer?: string
}

export interface Goal {
  text: string
  /** 'time' ratios are keycard / peer (lower is better); 'speed' ratios peer / keycard (higher is better). */
  kind: 'time' | 'speed'
  target: number
  /** From the medians of the per-round differences (what the goal is judged on). */
  measured: number
  met: boolean
  /** The same ratio from the Δ medians (StackResult.medianMinusBare), for information. */
  fromMedians: number
  keycard: string
  peer: string
}

export interface Result {
  runId: string | undefined
  backend: string
  backendReason: string
  keycard: string
  date: string
  node: string
  cpus: { count: number; model: string }
  loadavg: { start: number[]; end: number[] }
  rounds: number
  requests: number
  warmup: number
  seed: number
  seconds: number
  spreadNote: string
  stacks: StackResult[]
  goals: Goal[]
}

function targetText(g: Goal): string {
  return g.kind === 'time' ? `<= ${g.target.toFixed(1)}x` : `>= ${g.target.toFixed(1)}x`
}
function status(g: Goal): string {
  return g.met ? 'met' : 'missed'
}

function goalsOf(stacks: readonly StackResult[]): Goal[] {
  const byId = new Map(stacks.map((s) => [s.id, s]))
  const goals: Goal[] = []
  const cost = (id: string) => byId.get(id)?.above.median
  const delta = (id: string) => byId.get(id)?.medianMinusBare as number
  /** keycard's cost / the cheapest of `peers` (time ratio), when all were run. */
  const time = (text: string, keycard: string, peers: string[], target: number) => {
    const k = cost(keycard)
    const costs = peers.map((p) => [p, cost(p)] as const).filter((e): e is readonly [string, number] => e[1] !== undefined)
    if (k === undefined || costs.length < peers.length) return
    const [peer, p] = costs.reduce((a, b) => (b[1] < a[1] ? b : a))
    const measured = k / p
    const fromMedians = delta(keycard) / delta(peer)
    goals.push({ text, kind: 'time', target, measured, met: measured <= target, fromMedians, keycard, peer })
  }
  const speed = (text: string, keycard: string, peer: string, target: number) => {
    const k = cost(keycard)
    const p = cost(peer)
    if (k === undefined || p === undefined) return
    const measured = p / k
    const fromMedians = delta(peer) / delta(keycard)
    goals.push({ text, kind: 'speed', target, measured, met: measured >= target, fromMedians, keycard, peer })
  }
  for (const [route, target] of [
    ['write', 0.7],
    ['read', 0.5],
  ] as const) {
    time(
      `${route}: keycard/fastify cookie vs @fastify/secure-session`,
      `fastify-keycard-cookie-${route}`,
      [`fastify-secure-session-${route}`],
      target,
    )
    time(
      `${route}: keycard/express cookie vs cheaper of express-session, cookie-session`,
      `express-keycard-cookie-${route}`,
      [`express-express-session-${route}`, `express-cookie-session-${route}`],
      target,
    )
    time(`${route}: keycard/koa cookie vs koa-session`, `koa-keycard-cookie-${route}`, [`koa-koa-session-${route}`], target)
    time(
      `${route}: keycard/hono cookie vs hono-sessions`,
      `hono-keycard-cookie-${route}`,
      [`hono-hono-sessions-${route}`],
      target,
    )
    time(`${route}: keycard/node cookie vs hand-rolled GCM cookie`, `node-keycard-cookie-${route}`, [`node-gcm-${route}`], 1.0)
  }
  for (const route of ['write', 'read'] as const) {
    speed(
      `${route}: keycard/express memory vs express-session MemoryStore (speed)`,
      `express-keycard-memory-${route}`,
      `express-express-session-${route}`,
      1.0,
    )
  }
  for (const route of ['write', 'read'] as const) {
    speed(
      `${route}: keycard/express redisStore vs express-session + connect-redis (speed)`,
      `express-keycard-redis-${route}`,
      `express-connect-redis-${route}`,
      1.3,
    )
  }
  return goals
}

// --- The child: one backend --------------------------------------------------------------------

/** Stops the redis-server of the Redis stacks, if one was started (set once that module loads). */
let stopBenchRedis: (() => Promise<void>) | undefined

async function child(): Promise<void> {
  // Loaded here, after KEYCARD_BACKEND is set (the parent sets it), and not in the parent at all.
  const { keycard } = await import('./sessions/keycard')
  const stacksModule = await import('./sessions/stacks')
  const { FRAMEWORKS, ROUTES } = stacksModule
  const { prepare, stackId, timed } = await import('./sessions/run')
  const { REDIS_CONTENDERS, REDIS_ONLY, startRedis, stopRedis } = await import('./sessions/redis')
  stopBenchRedis = stopRedis
  const CONTENDERS = [...stacksModule.CONTENDERS, ...REDIS_CONTENDERS]
  const info = keycard.backend()
  assert.equal(info.name, BACKEND, `keycard's active backend (${info.reason})`)
  for (const f of ONLY ?? [])
    assert.ok([...FRAMEWORKS, REDIS_ONLY].includes(f), `--only: no framework ${f} (${[...FRAMEWORKS, REDIS_ONLY].join(', ')})`)

  if (PROFILE) {
    const { profilePath, profileStack, summarise, writeProfile } = await import('./sessions/profile')
    const contender = CONTENDERS.find((c) => ROUTES.some((r) => stackId(c, r) === PROFILE))
    assert.ok(
      contender,
      `--profile=${PROFILE}: no such stack; ids are <framework>-<contender>-<write|read>, e.g. express-keycard-cookie-write`,
    )
    const route = ROUTES.find((r) => stackId(contender, r) === PROFILE) as (typeof ROUTES)[number]
    if (contender.redis) await startRedis()
    const bareContender = CONTENDERS.find((c) => c.framework === contender.framework && c.kind === 'bare')
    assert.ok(bareContender)
    const stack = await prepare(contender, route, REQUESTS)
    const bare = await prepare(bareContender, route, REQUESTS)
    const n = stack.requests
    console.log(`profile ${stack.id} (${info.name}): ${n} requests, sampling every ${INTERVAL} µs; keycard ${keycard.resolved}`)
    await timed(stack, Math.max(n / 5, WARMUP))
    await timed(bare, Math.max(n / 5, WARMUP))
    // Without the profiler: 10 blocks of each, alternating, medians (the VM is shared).
    const plainBlocks: number[] = []
    const bareBlocks: number[] = []
    for (let block = 0; block < 10; block++) {
      plainBlocks.push((await timed(stack, Math.ceil(n / 10))).ns / 1000)
      bareBlocks.push((await timed(bare, Math.ceil(n / 10))).ns / 1000)
    }
    const plain = spread(plainBlocks).median
    const floor = spread(bareBlocks).median
    console.log(
      `without the profiler (median of 10 alternating blocks): ${us(plain)} µs per request, bare ${us(floor)} µs, ` +
        `session ${us(plain - floor)} µs above bare`,
    )
    const { profile } = await profileStack(stack, n, INTERVAL)
    const { profile: bareProfile } = await profileStack(bare, n, INTERVAL)
    for (const [id, p] of [
      [stack.id, profile],
      [bare.id, bareProfile],
    ] as const) {
      const path = profilePath(RESULTS, id, info.name)
      writeProfile(path, p)
      console.log(`wrote ${path}`)
    }
    const root = dirname(require.resolve('keycard/package.json'))
    console.log(`\n${summarise(profile, n, plain, root, { profile: bareProfile, unprofiledUsPerRequest: floor })}`)
    return
  }

  const began = Date.now()
  const loadStart = loadavg()
  // The Redis stacks only with --only=redis, and with them their framework's bare stack.
  const redisFrameworks = new Set(ONLY?.includes(REDIS_ONLY) ? REDIS_CONTENDERS.map((c) => c.framework) : [])
  const contenders = CONTENDERS.filter((c) =>
    c.redis
      ? redisFrameworks.has(c.framework)
      : ONLY === undefined || ONLY.includes(c.framework) || (c.kind === 'bare' && redisFrameworks.has(c.framework)),
  )
  if (contenders.some((c) => c.redis)) console.log(`redis-server at ${await startRedis()}`)
  const stacks: Stack[] = []
  for (const c of contenders) for (const r of ROUTES) stacks.push(await prepare(c, r, REQUESTS))
  console.log(
    `\n== ${info.name} backend (${info.reason}); keycard from ${keycard.resolved}\n` +
      `${stacks.length} stacks; ${REQUESTS} requests per stack per round (iron-session, hono-sessions: a tenth), ` +
      `${ROUNDS} rounds in a shuffled order, ` +
      `${WARMUP} warm-up requests per stack; Node ${process.version}, ${cpus().length} CPUs, load ${loadStart.map((l) => l.toFixed(2)).join(' ')}`,
  )
  for (const s of stacks) await timed(s, Math.max(5, Math.round(WARMUP * (s.contender.share ?? 1))))

  const raw = new Map<string, number[]>(stacks.map((s) => [s.id, []]))
  const cookies = new Map<string, number>(stacks.map((s) => [s.id, 0]))
  const next = random(SEED)
  let lastPrint = Date.now()
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of shuffle([...stacks], next)) {
      const t = await timed(s, s.requests)
      raw.get(s.id)?.push(t.ns / 1000)
      cookies.set(s.id, (cookies.get(s.id) ?? 0) + t.setCookies)
    }
    if (Date.now() - lastPrint > 10_000 || round === ROUNDS - 1) {
      lastPrint = Date.now()
      console.log(`  round ${round + 1}/${ROUNDS}, ${((Date.now() - began) / 1000).toFixed(0)} s`)
    }
  }

  // Per round: the stack's µs per request minus its framework's bare stack's, same route and round.
  const results: StackResult[] = stacks.map((s) => {
    const bare = stacks.find(
      (b) => b.contender.kind === 'bare' && b.contender.framework === s.contender.framework && b.route === s.route,
    )
    assert.ok(bare, `${s.id}: no bare stack`)
    const rawUs = raw.get(s.id) as number[]
    const bareUs = raw.get(bare.id) as number[]
    const aboveBareUs = rawUs.map((x, i) => x - (bareUs[i] as number)) // zeros for the bare stack itself
    return {
      id: s.id,
      framework: s.contender.framework,
      route: s.route,
      contender: s.contender.name,
      label: s.contender.label,
      kind: s.contender.kind,
      store: s.contender.store,
      redis: s.contender.redis === true,
      requestsPerRound: s.requests,
      rawUs,
      aboveBareUs,
      raw: spread(rawUs),
      above: spread(aboveBareUs),
      medianMinusBare: spread(rawUs).median - spread(bareUs).median,
      setCookieShare: (cookies.get(s.id) ?? 0) / (s.requests * ROUNDS),
      cookieBytes: s.jar.header?.length ?? 0,
      setCookieBytes: s.setCookieBytes,
    }
  })
  for (const r of results) {
    if (r.kind !== 'keycard') continue
    const peers = results.filter(
      (p) => p.kind === 'peer' && p.framework === r.framework && p.route === r.route && p.redis === r.redis,
    )
    if (peers.length === 0) continue
    const cheapest = peers.reduce((a, b) => (b.above.median < a.above.median ? b : a))
    r.vsCheapestPeer = r.above.median / cheapest.above.median
    r.cheapestPeer = cheapest.id
  }

  const spreadNote =
    'spread: p25-p75 and min-max of the per-round values (each round: mean µs per request of that stack, minus the bare stack of the same round)'
  console.log(
    `\nSession cost above the bare framework, µs per request (wall clock): median over ${ROUNDS} rounds; ${spreadNote}.`,
  )
  console.log(
    'mean: of the same per-round values (it keeps the rounds a GC pause fell in). Δ medians: the median µs/req minus the bare\n' +
      "stack's median µs/req (no per-round pairing). vs cheapest peer: keycard median / the\n" +
      'cheapest peer median, same framework and route (time ratio, lower is better). Set-Cookie: share of responses with one.\n' +
      'bytes: the Cookie header of the last request / the Set-Cookie lines of the last response that had any.',
  )
  for (const framework of FRAMEWORKS) {
    for (const route of ROUTES) {
      const rows = results.filter((r) => r.framework === framework && r.route === route)
      if (rows.length === 0) continue
      const cheapest = rows.find((r) => r.kind === 'keycard')?.cheapestPeer
      console.log(`\n${framework}, ${route} route`)
      console.log(
        table(
          ['stack', 'µs/req', 'above bare', 'p25-p75', 'min-max', 'mean', 'Δ medians', 'vs cheapest peer', 'Set-Cookie', 'bytes'],
          rows.map((r) => {
            const { raw, above } = r
            return [
              r.kind === 'keycard' ? `${r.label} (${BACKEND})` : r.label,
              us(raw.median),
              r.kind === 'bare' ? '' : us(above.median),
              r.kind === 'bare' ? `${us(raw.p25)}-${us(raw.p75)}` : `${us(above.p25)}-${us(above.p75)}`,
              r.kind === 'bare' ? `${us(raw.min)}-${us(raw.max)}` : `${us(above.min)}-${us(above.max)}`,
              r.kind === 'bare' ? us(raw.mean) : us(above.mean),
              r.kind === 'bare' ? '' : us(r.medianMinusBare),
              r.vsCheapestPeer !== undefined ? `${r.vsCheapestPeer.toFixed(2)}x` : r.id === cheapest ? 'cheapest peer' : '',
              r.kind === 'bare' ? '' : `${Math.round(100 * r.setCookieShare)}%`,
              r.kind === 'bare' ? '' : `${r.cookieBytes}/${r.setCookieBytes}`,
            ]
          }),
          1,
        ),
      )
    }
  }

  const goals = goalsOf(results)
  if (goals.length > 0) {
    console.log(`\nGoals (${info.name}; session cost above bare, medians; tracked, never gating)`)
    console.log(
      table(
        ['goal', 'target', 'measured', 'status', 'Δ medians', 'against'],
        goals.map((g) => [g.text, targetText(g), `${g.measured.toFixed(2)}x`, status(g), `${g.fromMedians.toFixed(2)}x`, g.peer]),
        1,
        5,
      ),
    )
  }
  const seconds = (Date.now() - began) / 1000
  const result: Result = {
    runId: process.env.BENCH_SESSIONS_RUN,
    backend: info.name,
    backendReason: info.reason,
    keycard: keycard.resolved,
    date: new Date().toISOString(),
    node: process.version,
    cpus: { count: cpus().length, model: cpus()[0]?.model ?? '' },
    loadavg: { start: loadStart, end: loadavg() },
    rounds: ROUNDS,
    requests: REQUESTS,
    warmup: WARMUP,
    seed: SEED,
    seconds,
    spreadNote,
    stacks: results,
    goals,
  }
  mkdirSync(RESULTS, { recursive: true })
  // µs to the nanosecond: enough for any chart, and a file a tenth the size.
  const rounded = (_key: string, value: unknown) => (typeof value === 'number' ? Math.round(value * 1000) / 1000 : value)
  writeFileSync(resultFile(info.name), `${JSON.stringify(result, rounded, 2)}\n`)
  console.log(
    `\nwrote ${resultFile(info.name)}; measured in ${seconds.toFixed(1)} s, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
}

if (CHILD) {
  child()
    .catch((err) => {
      console.error(err)
      process.exitCode = 1
    })
    // The bench's redis-server, if a Redis stack started it: stopped whether the run passed or not.
    .finally(() => stopBenchRedis?.())
} else {
  parent()
}
if (!CHILD && !PROFILE && !process.exitCode) require('./chart').chartsOf(BACKEND) // bench/charts/<framework>.svg
