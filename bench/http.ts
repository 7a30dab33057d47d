/**
 * HTTP throughput of a session round trip: keycard's sessions (keycard/express and keycard/node,
 * cookieStore and memoryStore, on both backends) against bare node:http and Express 5 (no
 * session: the ceilings), express-session, cookie-session, iron-session and a hand-rolled
 * node:crypto AES-256-GCM cookie. Issue 8 adds Fastify 5 (bare, @fastify/secure-session,
 * @fastify/session, keycard/fastify), Hono 4 on @hono/node-server (bare, hono-sessions,
 * keycard/hono), Koa 3 (bare, keycard/koa), and express-session + connect-redis against keycard's
 * redisStore on the same redis-server. Run with `npm run bench:http` (= `node scripts/ensure-built.mjs &&
 * node --import tsx bench/http.ts --keycard=dist`), or `node --import tsx bench/http.ts --quick`.
 * Tracks, never gates: the goals printed at the end are informational and the exit code does not
 * depend on them (it does depend on the correctness checks).
 *
 * Every configuration is its own server in a child process (bench/http/server.ts, `fork()`), on
 * 127.0.0.1 with an ephemeral port, one at a time, so no server shares an event loop with
 * autocannon or with another server. The route reads `views` from the session, stores
 * `views + 1` and answers with the number. One session cookie is obtained first and then sent with
 * every request, so each request loads, increments and re-saves the same session.
 *
 * Options: `BENCH_SECONDS` (default 10) per measured run, after a warm-up run of 2 s;
 * `--quick` for a smoke run (2 s measured, 1 s warm-up); `--only=<text>[,<text>...]` runs the
 * configurations whose label contains any of the texts (case-insensitive), e.g.
 * `--only=fastify,hono,koa,redis` for the issue-8 configurations; `--keycard=src|dist|<absolute path>` (or env
 * `BENCH_KEYCARD`) chooses the keycard the servers load: src (default, through tsx like the other
 * benches) or dist, the shipped build (`npm run bench:http` builds it first and passes
 * `--keycard=dist`). tsx compiles with esbuild's keepNames, which wraps every function created per
 * request in a `__name()` call; the shipped build has none of that.
 *
 * The Redis configurations need `redis-server` on the PATH: when any of them is selected, the
 * bench starts its own on a free loopback port (`--save '' --appendonly no`, a throwaway
 * directory), passes its URL to the servers (env `BENCH_REDIS_URL`), runs FLUSHALL before each
 * Redis configuration, and stops it at the end.
 */

import assert from 'node:assert/strict'
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import type { ConfigName, Ready } from './http/server'

// --- autocannon 9: no type declarations are installed, so the part used is typed here -----------

interface AutocannonOptions {
  url: string
  connections: number
  duration: number
  headers?: Record<string, string>
  /** Counted as a mismatch (and not as a 2xx) when it returns false. */
  verifyBody?: (body: string) => boolean
}
interface AutocannonResult {
  requests: { mean: number; stddev: number; total: number }
  /** Milliseconds. */
  latency: { mean: number; p50: number; p99: number; max: number }
  errors: number
  timeouts: number
  mismatches: number
  non2xx: number
  resets: number
  '2xx': number
}
const autocannon = require('autocannon') as (options: AutocannonOptions) => PromiseLike<AutocannonResult>

// --- Settings ----------------------------------------------------------------------------------

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3)
const QUICK = process.argv.includes('--quick')
/** `--only=a,b`: the labels containing any of these (lower case). */
const ONLY = flag('only')
  ?.toLowerCase()
  .split(',')
  .map((t) => t.trim())
  .filter((t) => t !== '')
/** Which keycard the servers load: src (through tsx), dist (the shipped build) or a compiled tree's absolute path. */
const KEYCARD_FROM = flag('keycard') ?? process.env.BENCH_KEYCARD ?? 'src'
const SECONDS = QUICK ? 2 : Number(process.env.BENCH_SECONDS ?? 10)
assert.ok(
  Number.isFinite(SECONDS) && SECONDS >= 1,
  `BENCH_SECONDS must be a number of seconds >= 1, not ${process.env.BENCH_SECONDS}`,
)
const WARMUP_SECONDS = QUICK ? 1 : 2
const CONNECTIONS = 50
const ROOT = join(__dirname, '..')
const SERVER = join(__dirname, 'http', 'server.ts')

/** `--keycard=dist` measures the build: refuse a build older than the sources (as scripts/ensure-built.mjs decides). */
function checkKeycardFrom(): void {
  if (KEYCARD_FROM === 'src' || isAbsolute(KEYCARD_FROM)) return
  assert.equal(KEYCARD_FROM, 'dist', `--keycard must be src, dist or an absolute path, not ${KEYCARD_FROM}`)
  const built = join(ROOT, 'dist', 'index.js')
  assert.ok(existsSync(built), 'no dist/ build: run `npm run bench:http` (it builds first) or use --keycard=src')
  let newest = 0
  for (const entry of readdirSync(join(ROOT, 'src'), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts'))
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  assert.ok(
    statSync(built).mtimeMs >= newest,
    'dist/ is older than src/: run `npm run bench:http` (it rebuilds) or use --keycard=src',
  )
}

type BackendName = 'native' | 'fallback'
/** Where the session lives: nowhere (bare), in the cookie, or in the server process. */
type State = 'none' | 'cookie' | 'server'

interface Run {
  config: ConfigName
  backend?: BackendName
  state: State
  label: string
  /** Its sessions live in the bench's redis-server (started when any selected run needs it). */
  redis: boolean
}

function run(config: ConfigName, state: State, backend?: BackendName): Run {
  return { config, backend, state, label: backend ? `${config} (${backend})` : config, redis: /redis/i.test(config) }
}

const KEYCARD: [ConfigName, State][] = [
  ['keycard express cookieStore', 'cookie'],
  ['keycard node cookieStore', 'cookie'],
  ['keycard express memoryStore', 'server'],
  ['keycard node memoryStore', 'server'],
  // issue 8
  ['keycard fastify cookieStore', 'cookie'],
  ['keycard hono cookieStore', 'cookie'],
  ['keycard koa cookieStore', 'cookie'],
  ['keycard express redisStore', 'server'],
]

const RUNS: Run[] = [
  run('node:http (bare)', 'none'),
  run('express (bare)', 'none'),
  run('express + express-session', 'server'),
  run('express + cookie-session', 'cookie'),
  run('node:http + iron-session', 'cookie'),
  run('node:http + raw aes-256-gcm', 'cookie'),
  // issue 8
  run('fastify (bare)', 'none'),
  run('fastify + @fastify/secure-session', 'cookie'),
  run('fastify + @fastify/session', 'server'),
  run('hono (bare)', 'none'),
  run('hono + hono-sessions', 'cookie'),
  run('koa (bare)', 'none'),
  run('express + express-session + connect-redis', 'server'),
  ...(['native', 'fallback'] as const).flatMap((backend) => KEYCARD.map(([config, state]) => run(config, state, backend))),
].filter((r) => ONLY === undefined || ONLY.some((text) => r.label.toLowerCase().includes(text)))

// --- redis-server for the Redis configurations ---------------------------------------------------

/** A loopback port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/** One RESP command (inline form) to the Redis on `port`; resolves with the first reply line, or null. */
function redisCommand(port: number, command: string): Promise<string | null> {
  return new Promise((resolve) => {
    let done = false
    const finish = (reply: string | null) => {
      if (done) return
      done = true
      resolve(reply)
      socket.destroy()
    }
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`))
    socket.setTimeout(2_000, () => finish(null))
    socket.once('data', (data) => finish(data.toString().split('\r\n')[0] ?? ''))
    socket.once('error', () => finish(null))
    socket.once('close', () => finish(null))
  })
}

interface RedisServer {
  url: string
  flush(): Promise<void>
  stop(): Promise<void>
}

async function startRedis(): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'keycard-bench-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  let failure: Error | undefined
  child.once('error', (err: NodeJS.ErrnoException) => {
    failure = err.code === 'ENOENT' ? new Error('redis-server is not installed (needed by the Redis configurations)') : err
  })
  child.once('exit', (code, signal) => {
    failure ??= new Error(`redis-server exited (code ${code}, signal ${signal})`)
  })
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && failure === undefined) {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 10_000
  while ((await redisCommand(port, 'PING')) !== '+PONG') {
    if (failure !== undefined || Date.now() > deadline) {
      await stop()
      throw failure ?? new Error(`redis-server did not answer PING on port ${port} within 10 s`)
    }
    await delay(50)
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    flush: async () => {
      const reply = await redisCommand(port, 'FLUSHALL')
      assert.equal(reply, '+OK', `redis FLUSHALL answered ${reply}`)
    },
    stop,
  }
}

// --- The server child --------------------------------------------------------------------------

async function start(r: Run, redis?: RedisServer): Promise<{ child: ChildProcess; ready: Ready }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', BENCH_KEYCARD: KEYCARD_FROM }
  if (r.backend) env.KEYCARD_BACKEND = r.backend
  else delete env.KEYCARD_BACKEND
  if (redis) env.BENCH_REDIS_URL = redis.url
  else delete env.BENCH_REDIS_URL
  const child = fork(SERVER, [r.config], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${r.label}: the server did not start within 30 s`)), 30_000)
      child.once('message', (message) => {
        clearTimeout(timer)
        resolve(message as Ready)
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`${r.label}: the server exited before listening (code ${code}, signal ${signal})`))
      })
    })
    return { child, ready }
  } catch (err) {
    await stop(child)
    throw err
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  await exited
}

// --- Correctness: the counter must really live in the session -----------------------------------

type Jar = Map<string, string>

function cookieHeader(jar: Jar): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
}

/** GET / with the jar's cookies; takes in the Set-Cookie values (a cleared cookie leaves the jar). */
async function get(url: string, jar: Jar): Promise<{ views: number; setCookies: number }> {
  const res = await fetch(url, { headers: jar.size > 0 ? { cookie: cookieHeader(jar) } : {} })
  const body = await res.text()
  assert.equal(res.status, 200, `status ${res.status}: ${body}`)
  assert.match(body, /^\d+$/, 'the body is the counter')
  const setCookies = res.headers.getSetCookie()
  for (const line of setCookies) {
    const semi = line.indexOf(';')
    const pair = semi < 0 ? line : line.slice(0, semi)
    const eq = pair.indexOf('=')
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    if (value === '' || /;\s*max-age=0\s*(;|$)/i.test(line)) jar.delete(name)
    else jar.set(name, value)
  }
  return { views: Number(body), setCookies: setCookies.length }
}

interface Checked {
  /** The cookies every benchmark request sends (none for the bare servers). */
  jar: Jar
  /** The counter the session holds in that cookie (cookie state) or in the store (server state). */
  views: number
}

/** A fresh session counts 1, 2, 3 as its cookie comes back; another fresh one starts at 1 again. */
async function check(r: Run, url: string): Promise<Checked> {
  const jar: Jar = new Map()
  const first = await get(url, jar)
  const second = await get(url, jar)
  const third = await get(url, jar)
  assert.equal(second.views, first.views + 1, `${r.label}: the counter increments (${first.views} -> ${second.views})`)
  assert.equal(third.views, second.views + 1, `${r.label}: the counter increments (${second.views} -> ${third.views})`)
  if (r.state === 'none') return { jar, views: third.views }
  assert.equal(first.views, 1, `${r.label}: a new session starts at 1`)
  assert.ok(first.setCookies > 0 && jar.size > 0, `${r.label}: a new session sets a cookie`)
  const other = await get(url, new Map())
  assert.equal(other.views, 1, `${r.label}: the counter is per session, not global`)
  return { jar, views: third.views }
}

/** What every measured response must say, given the session the cookie carries. */
function bodyCheck(state: State, views: number): (body: string) => boolean {
  const exact = String(views + 1)
  if (state === 'cookie') return (body) => body === exact // the same sealed session every time
  if (state === 'server') return (body) => /^\d+$/.test(body) && Number(body) > views // the stored one grows
  return (body) => /^\d+$/.test(body)
}

// --- Measuring ---------------------------------------------------------------------------------

interface Measured {
  run: Run
  backend: string
  cookieBytes: number
  result: AutocannonResult
  /** Server store only: how far the stored counter moved over the warm-up and measured runs. */
  advanced?: number
  /** 2xx responses over the warm-up and measured runs. */
  answered: number
}

function failures(result: AutocannonResult): number {
  return result.errors + result.timeouts + result.mismatches + result.non2xx
}

async function measure(r: Run, redis?: RedisServer): Promise<Measured> {
  if (r.redis) {
    assert.ok(redis, `${r.label}: no redis-server`)
    await redis.flush()
  }
  const { child, ready } = await start(r, r.redis ? redis : undefined)
  try {
    if (r.backend) assert.equal(ready.backend, r.backend, `${r.label}: keycard's active backend in the server`)
    const url = `http://127.0.0.1:${ready.port}/`
    const { jar, views } = await check(r, url)
    const cookie = cookieHeader(jar)
    const options: AutocannonOptions = {
      url,
      connections: CONNECTIONS,
      duration: WARMUP_SECONDS,
      headers: cookie === '' ? {} : { cookie },
      verifyBody: bodyCheck(r.state, views),
    }
    const warm = await autocannon(options)
    const result = await autocannon({ ...options, duration: SECONDS })
    for (const [phase, res] of [
      ['warm-up', warm],
      ['run', result],
    ] as const) {
      assert.ok(res['2xx'] > 0, `${r.label} ${phase}: no 2xx responses`)
      assert.equal(
        failures(res),
        0,
        `${r.label} ${phase}: ${res.errors} errors, ${res.timeouts} timeouts, ${res.mismatches} wrong counters, ${res.non2xx} non-2xx`,
      )
    }
    const answered = warm['2xx'] + result['2xx']
    let advanced: number | undefined
    if (r.state !== 'none') {
      const after = (await get(url, new Map(jar))).views
      if (r.state === 'cookie') assert.equal(after, views + 1, `${r.label}: the sealed session still holds ${views}`)
      else {
        assert.ok(after > views + 1, `${r.label}: the stored counter moved during the run (${views} -> ${after})`)
        advanced = after - 1 - views
      }
    }
    return { run: r, backend: ready.backend, cookieBytes: cookie.length, result, advanced, answered }
  } finally {
    await stop(child)
  }
}

// --- Report ------------------------------------------------------------------------------------

/** Columns from `rightFrom` up to (not including) `rightTo` are right-aligned. */
function table(headers: string[], rows: string[][], rightFrom: number, rightTo = headers.length): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= rightFrom && i < rightTo ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

async function main(): Promise<void> {
  assert.ok(RUNS.length > 0, `--only=${ONLY?.join(',')} matches no configuration`)
  checkKeycardFrom()
  const began = Date.now()
  const redis = RUNS.some((r) => r.redis) ? await startRedis() : undefined
  console.log(
    `${RUNS.length} configurations, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured each` +
      `${QUICK ? ' (--quick: smoke run, not for figures)' : ''}; keycard from ${KEYCARD_FROM}; Node ${process.version}` +
      `${redis ? `; redis-server at ${redis.url}` : ''}`,
  )
  const measured: Measured[] = []
  try {
    for (const r of RUNS) {
      const m = await measure(r, redis)
      measured.push(m)
      console.log(
        `  ${r.label.padEnd(52)} ${m.result.requests.mean.toFixed(0).padStart(7)} req/s  p99 ${m.result.latency.p99} ms`,
      )
    }
  } finally {
    await redis?.stop()
  }

  console.log('\nResults (req/s: mean of the per-second samples; p99 latency in ms)')
  console.log(
    table(
      ['configuration', 'backend', 'req/s', '± stdev', 'p99 ms', 'requests', 'cookie B', 'session check'],
      measured.map((m) => [
        m.run.config,
        m.run.backend ?? '',
        m.result.requests.mean.toFixed(0),
        m.result.requests.stddev.toFixed(0),
        String(m.result.latency.p99),
        String(m.result.requests.total),
        m.cookieBytes === 0 ? '' : String(m.cookieBytes),
        m.run.state === 'none'
          ? 'counter increments'
          : m.run.state === 'cookie'
            ? 'counts; same value every response'
            : `counts; +${m.advanced} over ${m.answered} responses`,
      ]),
      2,
      7,
    ),
  )
  if (measured.some((m) => m.run.state === 'server')) {
    console.log(
      'session check "+N over M": the stored counter moved N while autocannon counted M 2xx responses (warm-up + run).\n' +
        `N a little above M: requests still in flight when autocannon stopped (at most ${CONNECTIONS} per run).\n` +
        'N far below M: lost updates, concurrent requests on the one session overwrote each other.',
    )
  }

  const rps = new Map(measured.map((m) => [m.run.label, m.result.requests.mean]))
  const goals: { text: string; ratio: number; target?: number }[] = []
  const ratio = (text: string, label: string, baseline: string, target?: number) => {
    const a = rps.get(label)
    const b = rps.get(baseline)
    if (a !== undefined && b !== undefined) goals.push({ text, ratio: a / b, target })
  }
  for (const be of ['native', 'fallback'] as const) {
    const k = (config: ConfigName) => `${config} (${be})`
    ratio(`${be}: keycard node cookieStore vs bare node:http`, k('keycard node cookieStore'), 'node:http (bare)', 0.6)
    ratio(`${be}: keycard express cookieStore vs bare express`, k('keycard express cookieStore'), 'express (bare)', 0.9)
    ratio(
      `${be}: keycard express memoryStore vs cookieStore`,
      k('keycard express memoryStore'),
      k('keycard express cookieStore'),
      1.0,
    )
    ratio(`${be}: keycard node memoryStore vs cookieStore`, k('keycard node memoryStore'), k('keycard node cookieStore'), 1.0)
    ratio(`${be}: keycard express cookieStore vs cookie-session`, k('keycard express cookieStore'), 'express + cookie-session')
    ratio(`${be}: keycard express memoryStore vs express-session`, k('keycard express memoryStore'), 'express + express-session')
    ratio(`${be}: keycard node cookieStore vs iron-session`, k('keycard node cookieStore'), 'node:http + iron-session')
    ratio(`${be}: keycard node memoryStore vs iron-session`, k('keycard node memoryStore'), 'node:http + iron-session')
    ratio(`${be}: keycard node cookieStore vs raw aes-256-gcm`, k('keycard node cookieStore'), 'node:http + raw aes-256-gcm')
    ratio(`${be}: keycard express memoryStore vs bare express`, k('keycard express memoryStore'), 'express (bare)')
    ratio(`${be}: keycard node memoryStore vs bare node:http`, k('keycard node memoryStore'), 'node:http (bare)')
    // issue 8
    ratio(`${be}: keycard fastify cookieStore vs bare fastify`, k('keycard fastify cookieStore'), 'fastify (bare)', 0.6)
    ratio(`${be}: keycard hono cookieStore vs bare hono`, k('keycard hono cookieStore'), 'hono (bare)', 0.6)
    ratio(`${be}: keycard koa cookieStore vs bare koa`, k('keycard koa cookieStore'), 'koa (bare)', 0.6)
    ratio(
      `${be}: keycard fastify cookieStore vs @fastify/secure-session`,
      k('keycard fastify cookieStore'),
      'fastify + @fastify/secure-session',
      1.6,
    )
    ratio(
      `${be}: keycard express redisStore vs connect-redis`,
      k('keycard express redisStore'),
      'express + express-session + connect-redis',
      1.3,
    )
    ratio(`${be}: keycard hono cookieStore vs hono-sessions`, k('keycard hono cookieStore'), 'hono + hono-sessions')
    ratio(
      `${be}: keycard fastify cookieStore vs @fastify/session`,
      k('keycard fastify cookieStore'),
      'fastify + @fastify/session',
    )
  }
  if (goals.length > 0) {
    console.log('\nRatios (req/s of the first / req/s of the second; higher is better). Goals are tracked, never gating.')
    console.log(
      table(
        ['ratio', 'measured', 'goal', 'status'],
        goals.map((g) => [
          g.text,
          `${g.ratio.toFixed(2)}x`,
          g.target === undefined ? '' : `>= ${g.target.toFixed(1)}x`,
          g.target === undefined ? '' : g.ratio >= g.target ? 'MET' : 'MISSED',
        ]),
        1,
      ),
    )
  }
  console.log(`\nmeasured in ${((Date.now() - began) / 1000).toFixed(1)} s`)
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
