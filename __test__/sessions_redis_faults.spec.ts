/**
 * keycard/redis when Redis fails, under a steady stream of session writes through Express
 * (storeTimeout 300 ms, Express's default error handler, which answers a StoreError with 503):
 *
 * 1. SIGSTOP the server: requests fail with 503 within the storeTimeout; none hangs, none crashes.
 * 2. SIGCONT: requests succeed again.
 * 3. SIGKILL: fast 503s (keycard's own clients refuse at once while offline).
 * 4. restart on the same port (append-only file, fsync always): requests succeed again, and every
 *    write that was acknowledged (a 200) is still in its session.
 * 5. CLIENT KILL TYPE normal drops the connection mid-stream: no crash, requests succeed again.
 *
 * Run for the clients keycard opens from a url (ioredis, node-redis) and for clients the app made
 * with their libraries' defaults (offline queues on: a request then waits for the storeTimeout).
 * The timings are printed with t.log. Tests run one at a time so they do not skew each other.
 */

import { setTimeout as delay } from 'node:timers/promises'
import express from 'express'
import { session } from '../src/sessions/adapters/express'
import { openUrl, type RedisCommands, wrapClient } from '../src/sessions/stores/redis/client'
import { RedisSessionStore } from '../src/sessions/stores/redis/store'
import { SECRET, t_ } from './helpers/backends'
import { Client, serveNode } from './helpers/http'
import { type ClientKind, openClient, startRedis, until } from './helpers/redis'
import { requires } from './helpers/requires'

// Without redis-server every test here is skipped, with one line saying how to install it.
const test = requires('redis-server')

const STORE_TIMEOUT = 300
const BROWSERS = 4
/** A request still unanswered after this long counts as hung. */
const HUNG_MS = 5000

interface Rec {
  browser: number
  seq: number
  start: number
  end: number
  status: number
}

/** Browsers writing to their sessions one request after another, each write a new key. */
class Load {
  readonly records: Rec[] = []
  /** Per browser: the keys whose write was acknowledged with a 200. */
  readonly acked: Array<Set<string>> = []
  readonly browsers: Client[] = []
  #running = false
  #loops: Promise<void>[] = []
  #seq = 0

  constructor(origin: string) {
    for (let i = 0; i < BROWSERS; i++) {
      this.browsers.push(new Client(origin))
      this.acked.push(new Set())
    }
  }

  start(): void {
    this.#running = true
    this.#loops = this.browsers.map((_, i) => this.#loop(i))
  }

  async stop(): Promise<void> {
    this.#running = false
    await Promise.all(this.#loops)
  }

  async #loop(browser: number): Promise<void> {
    const client = this.browsers[browser] as Client
    while (this.#running) {
      const seq = ++this.#seq
      const start = performance.now()
      const reply = await Promise.race([
        client.get(`/write?v=${seq}`).catch(() => ({ status: -1 })),
        delay(HUNG_MS).then(() => ({ status: 0 })),
      ])
      const end = performance.now()
      this.records.push({ browser, seq, start, end, status: reply.status })
      if (reply.status === 200) this.acked[browser]?.add(`w${seq}`)
      await delay(5)
    }
  }

  /** Records of requests that started at or after `since` (performance.now()). */
  since(since: number): Rec[] {
    return this.records.filter((r) => r.start >= since)
  }

  /** Until every browser has `count` requests started since `since` that pass `match`. */
  async each(what: string, since: number, match: (r: Rec) => boolean, count = 1, timeoutMs = 15_000): Promise<void> {
    await until(
      what,
      () => this.browsers.every((_, b) => this.since(since).filter((r) => r.browser === b && match(r)).length >= count),
      timeoutMs,
    )
  }
}

const ms = (n: number) => Math.round(n)
function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => ms(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN)
  return { n: sorted.length, min: at(0), median: at(0.5), p95: at(0.95), max: at(1) }
}

/** When every browser had its first 200 among requests started since `since`, in ms after it. */
function recovery(load: Load, since: number): number {
  const firsts = load.browsers.map(
    (_, b) => load.since(since).find((r) => r.browser === b && r.status === 200)?.end ?? Number.NaN,
  )
  return ms(Math.max(...firsts) - since)
}

type Mode = 'keycard url client' | 'app client, library defaults'

async function connectFor(kind: ClientKind, mode: Mode, url: string): Promise<RedisCommands> {
  if (mode === 'keycard url client') return openUrl(url, [kind === 'ioredis' ? 'ioredis' : 'redis'])
  const open = await openClient(kind, url)
  const commands = wrapClient(open.client)
  return { ...commands, close: open.close }
}

for (const kind of ['ioredis', 'node-redis'] as const) {
  for (const mode of ['keycard url client', 'app client, library defaults'] as const) {
    test.serial(t_(`redis faults (${kind}, ${mode}): stop, continue, kill, restart, dropped connection`), async (t) => {
      t.timeout(120_000)
      const server = await startRedis()
      t.teardown(() => server.stop())
      const store = new RedisSessionStore(await connectFor(kind, mode, server.url), { prefix: 'kf:' })
      t.teardown(() => store.close())
      const app = express()
      app.use(session({ secret: SECRET, store, storeTimeout: `${STORE_TIMEOUT}ms` }))
      app.get('/write', (req, res) => {
        const v = Number(req.query.v)
        req.session[`w${v}`] = v
        res.json(v)
      })
      app.get('/read', (req, res) => res.json(Object.keys(req.session)))
      // No error handler of our own: Express's default one answers err.status (503 for StoreError).
      const { origin } = await serveNode(t, app)
      const load = new Load(origin)
      load.start()
      t.teardown(() => load.stop())
      const timings: Record<string, unknown> = {}
      const allowed = (r: Rec) => r.status === 200 || r.status === 503

      // 0. Warm up: everyone has a session and acknowledged writes.
      const t0 = performance.now()
      await load.each('warm-up writes', t0, (r) => r.status === 200, 10)

      // 1. SIGSTOP: the server accepts nothing more; requests fail within the storeTimeout.
      const stopped = performance.now()
      server.pause()
      await load.each('503s while stopped', stopped, (r) => r.status === 503, 3)
      const duringStop = load.since(stopped)
      const stopFailures = duringStop.filter((r) => r.status === 503)
      timings.stopped = {
        firstFailureAfterMs: ms(Math.min(...stopFailures.map((r) => r.end)) - stopped),
        failedRequestMs: stats(stopFailures.map((r) => r.end - r.start)),
      }
      t.true(duringStop.every(allowed), `statuses while stopped: ${[...new Set(duringStop.map((r) => r.status))]}`)
      // A request fails at its first store call that times out: at most the storeTimeout, plus
      // scheduling slack (one in flight at SIGSTOP may have had a store call answered before it).
      for (const r of stopFailures) t.true(r.end - r.start < 2 * STORE_TIMEOUT + 500, `a 503 took ${ms(r.end - r.start)} ms`)

      // 2. SIGCONT: requests succeed again.
      const continued = performance.now()
      server.resume()
      await load.each('200s after SIGCONT', continued, (r) => r.status === 200)
      timings.continued = { recoveryMs: recovery(load, continued) }

      // 3. SIGKILL: nothing listens on the port any more.
      const killedAt = performance.now()
      await server.kill()
      const killed = performance.now()
      await load.each('503s while killed', killed, (r) => r.status === 503, 5)
      const duringKill = load.since(killed)
      const killFailures = duringKill.filter((r) => r.status === 503)
      const killStats = stats(killFailures.map((r) => r.end - r.start))
      timings.killed = { failedRequestMs: killStats }
      t.true(
        load.since(killedAt).every(allowed),
        `statuses while killed: ${[...new Set(load.since(killedAt).map((r) => r.status))]}`,
      )
      for (const r of killFailures) t.true(r.end - r.start < STORE_TIMEOUT + 500, `a 503 took ${ms(r.end - r.start)} ms`)
      if (mode === 'keycard url client') {
        // keycard's clients refuse at once while offline, rather than holding requests for the timeout.
        t.true(killStats.median < STORE_TIMEOUT / 3, `median 503 while killed: ${killStats.median} ms`)
      }

      // 4. Restart on the same port and directory: the AOF brings back what was acknowledged.
      const restarting = performance.now()
      await server.restart()
      const restarted = performance.now()
      try {
        await load.each('200s after restart', restarted, (r) => r.status === 200, 1, 20_000)
      } catch (err) {
        // node-redis 5 on its default settings sometimes never reconnects after a restart (seen
        // about one run in five here): the app's own client, not keycard's, so it is logged, not
        // failed. keycard's url client sets its own reconnect strategy and always recovers.
        if (kind === 'node-redis' && mode === 'app client, library defaults') {
          t.log(`node-redis app client did not reconnect within 20 s after the restart: ${(err as Error).message}`)
          await load.stop()
          return
        }
        throw err
      }
      timings.restarted = { serverStartMs: ms(restarted - restarting), recoveryMs: recovery(load, restarted) }
      t.true(load.since(restarting).every(allowed))

      // 5. Every connection dropped by the server (as a failover or a proxy restart would).
      const dropped = performance.now()
      const count = await server.cli('CLIENT', 'KILL', 'TYPE', 'normal')
      t.true(Number(count) >= 1, `CLIENT KILL dropped ${count} connections`)
      // Recovered: every browser's last three requests were acknowledged.
      await until('three 200s in a row after CLIENT KILL', () =>
        load.browsers.every((_, b) => {
          const last = load.since(dropped).filter((r) => r.browser === b)
          return last.length >= 3 && last.slice(-3).every((r) => r.status === 200)
        }),
      )
      const dropFailures = load.since(dropped).filter((r) => r.status !== 200)
      timings.droppedConnection = {
        failed: dropFailures.length,
        outageMs: dropFailures.length === 0 ? 0 : ms(Math.max(...dropFailures.map((r) => r.end)) - dropped),
      }
      t.true(load.since(dropped).every(allowed))

      await load.stop()
      // Every acknowledged write is still in its session.
      let checked = 0
      for (const [b, client] of load.browsers.entries()) {
        const keys = new Set((await client.get<string[]>('/read')).body)
        const lost = [...(load.acked[b] ?? [])].filter((key) => !keys.has(key))
        t.deepEqual(lost, [], `browser ${b} lost acknowledged writes`)
        checked += load.acked[b]?.size ?? 0
      }
      t.true(checked > 20, `${checked} acknowledged writes checked`)
      const statuses: Record<number, number> = {}
      for (const r of load.records) statuses[r.status] = (statuses[r.status] ?? 0) + 1
      t.false(0 in statuses, 'no request hung')
      t.log(`${kind}, ${mode}, storeTimeout ${STORE_TIMEOUT} ms:`, JSON.stringify({ ...timings, statuses, checked }))
    })
  }
}
