/**
 * keycard/testing's `testStore`, the store contract kit (docs/STORES.md):
 * - every store keycard ships keeps the contract, one line each: memoryStore, the Redis store
 *   (ioredis and node-redis), fromExpressSessionStore over express-session's MemoryStore and over
 *   connect-redis, and the third-party example examples/stores/file_store.mjs (real time, and a
 *   manual clock that never sleeps);
 * - the kit catches what it is for: stores broken on purpose (update that writes a destroyed
 *   session back, touch that drops the metadata, TTL ignored, get answering for another id...)
 *   make it reject with one AggregateError naming each violation;
 * - its own options: bad ones are ERR_INVALID_ARGUMENT, an aborted signal ERR_ABORTED.
 * The Redis part needs redis-server (skipped cleanly without it; KEYCARD_REQUIRE_ALL=1 fails instead).
 * The file store imports keycard/sessions, so it needs `npm run build:ts`.
 */

import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import test, { type ExecutionContext } from 'ava'
import { RedisStore } from 'connect-redis'
import { MemoryStore } from 'express-session'
import { KeycardError } from '../src/errors'
import { fromExpressSessionStore } from '../src/sessions/stores/express_session'
import { memoryStore } from '../src/sessions/stores/memory'
import { decodeRecord, encodeRecord } from '../src/sessions/stores/record'
import { redisStore } from '../src/sessions/stores/redis'
import type { ServerStore } from '../src/sessions/stores/types'
import { manualClock, StoreContractError, type TestStoreOptions, testStore } from '../src/testing'
import { t_ } from './helpers/backends'
import { CLIENT_KINDS, type ClientKind, type OpenClient, openClient, type RedisServer, startRedis } from './helpers/redis'
import { requires } from './helpers/requires'

// --- A reference store, and the same store broken on purpose -----------------------------------

type Flaw =
  | 'update writes when gone'
  | 'touch drops meta'
  | 'ttl ignored'
  | 'get answers for another id'
  | 'update without ttl'
  | 'shared objects'
  | 'update checks, then writes later'

/** A correct store in a Map (TTL on `clock`), unless told to break one rule. */
function mapStore(flaws: readonly Flaw[] = [], clock: () => number = Date.now): ServerStore {
  const rows = new Map<string, { text: string; expires: number }>()
  const kept = new Map<string, object>()
  let last: string | undefined
  const has = (flaw: Flaw) => flaws.includes(flaw)
  const live = (id: string) => {
    const row = rows.get(id)
    if (row === undefined) return undefined
    if (row.expires > clock() || has('ttl ignored')) return row
    rows.delete(id)
    return undefined
  }
  return {
    kind: 'server',
    async get(id) {
      if (has('shared objects')) return kept.get(id) as never
      const text = has('get answers for another id') ? last : live(id)?.text
      return text === undefined ? undefined : (decodeRecord(text) ?? undefined)
    },
    async set(id, session, ttlMs) {
      last = encodeRecord(session)
      kept.set(id, session)
      rows.set(id, { text: last, expires: clock() + ttlMs })
    },
    async update(id, session, ttlMs) {
      if (has('update checks, then writes later')) {
        if (live(id) === undefined) return false
        await new Promise((resolve) => setImmediate(resolve)) // a round trip to a database, say
        rows.set(id, { text: encodeRecord(session), expires: clock() + ttlMs })
        return true
      }
      const row = live(id)
      if (row === undefined && !has('update writes when gone')) return false
      const expires = has('update without ttl') && row ? row.expires : clock() + ttlMs
      rows.set(id, { text: encodeRecord(session), expires })
      return true
    },
    async touch(id, session, ttlMs) {
      const row = live(id)
      if (row === undefined) return false
      const old = decodeRecord(row.text)
      if (old === null) return false
      const meta = has('touch drops meta') ? old.meta : session.meta
      rows.set(id, { text: encodeRecord({ meta, dataJson: old.dataJson }), expires: clock() + ttlMs })
      return true
    },
    async destroy(id) {
      rows.delete(id)
      kept.delete(id)
    },
  }
}

/** The checks named by the violations `testStore` rejected with (failing the test if it resolved). */
async function violated(t: ExecutionContext, run: Promise<unknown>): Promise<Set<string>> {
  const err = await t.throwsAsync(run, { instanceOf: AggregateError })
  const errors = (err?.errors ?? []) as unknown[]
  t.true(errors.length > 0)
  for (const e of errors) {
    t.true(e instanceof StoreContractError)
    const v = e as StoreContractError
    // Each violation says which check, what was expected and what came instead.
    t.true(v.message.startsWith(`${v.check}: `) && v.message.includes(`expected ${v.expected}, got ${v.actual}`), v.message)
  }
  return new Set(errors.map((e) => (e as StoreContractError).check))
}

// --- keycard's stores keep the contract ----------------------------------------------------------

test(t_('store kit: a correct store passes every check and the report lists them'), async (t) => {
  const report = await testStore(() => mapStore())
  const noList = 'the store has no listByUser (manager.listSessions and destroySessions need it)'
  t.deepEqual(report.skipped, [
    { check: 'partial writes', reason: 'the store is not partial' },
    { check: 'list by user', reason: noList },
    { check: 'list by user: ttl', reason: noList },
  ])
  t.true(report.passed.includes('update only if the session exists') && report.passed.includes('touch keeps meta'))
})

test(t_('store kit: memoryStore keeps the contract'), async (t) => {
  const report = await testStore(() => memoryStore())
  t.false(report.passed.includes('touch keeps meta')) // memoryStore has no touch: the core uses update
  t.true(report.passed.includes('update only if the session exists'))
})

test(t_('store kit: fromExpressSessionStore(express-session MemoryStore) keeps the contract'), async (t) => {
  const report = await testStore(() => fromExpressSessionStore(new MemoryStore()))
  // No update over the callback API: the report says what that costs.
  t.regex(report.skipped.find((s) => s.check === 'update only if the session exists')?.reason ?? '', /concurrent logout/)
})

test(t_('store kit: the file store of examples/stores keeps the contract (real time, then a manual clock)'), async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keycard-file-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const url = pathToFileURL(join(__dirname, '..', 'examples', 'stores', 'file_store.mjs')).href
  const { fileStore } = (await import(url)) as { fileStore: (dir: string, options?: { now?: () => number }) => ServerStore }

  await testStore(() => fileStore(join(dir, randomUUID())))

  const clock = manualClock()
  const started = Date.now()
  await testStore(() => fileStore(join(dir, randomUUID()), { now: clock.now }), { ...clock, ttlMs: 60_000 })
  t.pass(`ran with a manual clock, TTLs of 60 s passed in ${Date.now() - started} ms of real time`)
})

test(t_('store kit: docs/STORES.md shows the file store exactly as examples/stores/file_store.mjs has it'), (t) => {
  const root = join(__dirname, '..')
  const source = readFileSync(join(root, 'examples', 'stores', 'file_store.mjs'), 'utf8')
  const code = source.slice(source.indexOf('import { randomUUID }'))
  t.true(code.length > 1000)
  t.true(readFileSync(join(root, 'docs', 'STORES.md'), 'utf8').includes(`\`\`\`js\n${code}\`\`\``))
})

// --- The kit catches broken stores ----------------------------------------------------------------

test(t_('store kit: a store whose update writes a destroyed session back is caught'), async (t) => {
  const checks = await violated(
    t,
    testStore(() => mapStore(['update writes when gone'])),
  )
  t.true(checks.has('update only if the session exists'))
  t.true(checks.has('concurrency')) // the logout racing a write came back
})

test(t_('store kit: an update that checks the session exists, then writes it in another step, is caught'), async (t) => {
  // The logout lands between the check and the write: the destroyed session is written back.
  t.deepEqual(
    [
      ...(await violated(
        t,
        testStore(() => mapStore(['update checks, then writes later'])),
      )),
    ],
    ['concurrency'],
  )
})

test(t_('store kit: a store whose touch drops the new metadata is caught'), async (t) => {
  const checks = await violated(
    t,
    testStore(() => mapStore(['touch drops meta'])),
  )
  t.deepEqual([...checks], ['touch keeps meta'])
})

test(t_('store kit: a store that ignores the ttl is caught'), async (t) => {
  const checks = await violated(
    t,
    testStore(() => mapStore(['ttl ignored'])),
  )
  t.true(checks.has('ttl'))
  t.true(checks.has('update only if the session exists')) // an expired session was updated
})

test(t_('store kit: a store whose get answers for another id is caught'), async (t) => {
  const checks = await violated(
    t,
    testStore(() => mapStore(['get answers for another id'])),
  )
  t.true(checks.has('round trip'))
  t.true(checks.has('hostile ids'))
})

test(t_('store kit: update that keeps the old ttl, and a store sharing the core objects, are caught'), async (t) => {
  t.true(
    (
      await violated(
        t,
        testStore(() => mapStore(['update without ttl'])),
      )
    ).has('update'),
  )
  t.true(
    (
      await violated(
        t,
        testStore(() => mapStore(['shared objects'])),
      )
    ).has('isolation'),
  )
})

test(t_('store kit: every violation of a store broken four ways is in one AggregateError'), async (t) => {
  const flaws: Flaw[] = ['update writes when gone', 'touch drops meta', 'ttl ignored', 'get answers for another id']
  const checks = await violated(
    t,
    testStore(() => mapStore(flaws)),
  )
  for (const check of ['update only if the session exists', 'touch keeps meta', 'ttl', 'round trip'])
    t.true(checks.has(check), check)
})

test(t_('store kit: with a manual clock the ttl checks never sleep, and still catch an ignored ttl'), async (t) => {
  const clock = manualClock()
  const options: TestStoreOptions = { now: clock.now, advance: clock.advance, ttlMs: 3_600_000 }
  await testStore(() => mapStore([], clock.now), options)
  t.true(
    (
      await violated(
        t,
        testStore(() => mapStore(['ttl ignored'], clock.now), options),
      )
    ).has('ttl'),
  )
})

test(t_('store kit: a partial store that writes whole fields, not changes, is caught'), async (t) => {
  // Partial in name only: it stores `fields` whole, so two requests changing different keys lose one.
  const inner = mapStore()
  const partialInName: ServerStore = {
    kind: 'server',
    partial: true,
    async get(id) {
      const got = await inner.get(id)
      if (got === undefined) return undefined
      const data = JSON.parse(got.dataJson) as Record<string, unknown>
      return { ...got, fields: new Map(Object.keys(data).map((k) => [k, JSON.stringify(data[k])])) }
    },
    set: (id, session, ttl) => inner.set(id, session, ttl),
    update: (id, session, ttl) => (inner.update as NonNullable<ServerStore['update']>)(id, session, ttl),
    destroy: (id) => inner.destroy(id),
  }
  const checks = await violated(
    t,
    testStore(() => partialInName),
  )
  t.true(checks.has('partial writes'))
})

test(t_('store kit: a store of the wrong shape is one shape violation; a hung call is a violation, not a hang'), async (t) => {
  t.deepEqual(
    await violated(
      t,
      testStore(() => ({ kind: 'cookie' }) as unknown as ServerStore),
    ),
    new Set(['shape']),
  )
  t.deepEqual(
    await violated(
      t,
      testStore(() => mapStore(), { partial: true }),
    ),
    new Set(['shape']),
  )
  const hung: ServerStore = { ...mapStore(), destroy: () => new Promise(() => {}) }
  t.true(
    (
      await violated(
        t,
        testStore(() => hung, { callTimeoutMs: 200 }),
      )
    ).has('destroy'),
  )
})

test(t_('store kit: bad options are ERR_INVALID_ARGUMENT; an aborted signal is ERR_ABORTED'), async (t) => {
  const code = async (run: () => Promise<unknown>) =>
    ((await t.throwsAsync(run, { instanceOf: KeycardError })) as KeycardError).code
  t.is(await code(() => testStore('store' as never)), 'ERR_INVALID_ARGUMENT')
  t.is(await code(() => testStore(() => mapStore(), { advance: () => {} })), 'ERR_INVALID_ARGUMENT')
  t.is(await code(() => testStore(() => mapStore(), { ttlMs: 0 })), 'ERR_INVALID_ARGUMENT')
  t.is(await code(() => testStore(() => mapStore(), { signal: {} as AbortSignal })), 'ERR_INVALID_ARGUMENT')
  t.is(await code(() => testStore(() => mapStore(), { now: () => Number.NaN })), 'ERR_INVALID_ARGUMENT')
  t.is(await code(() => testStore(() => mapStore(), { signal: AbortSignal.abort() })), 'ERR_ABORTED')
  // Aborted while it waits for a 2 s TTL to pass: it stops then, not 2 s later.
  const controller = new AbortController()
  const run = testStore(() => mapStore(), { ttlMs: 2000, signal: controller.signal })
  setTimeout(() => controller.abort(), 50)
  t.is(await code(() => run), 'ERR_ABORTED')
})

// --- Redis (needs redis-server) -----------------------------------------------------------------------

const withRedis = requires('redis-server')

let server: RedisServer | undefined
const clients = new Map<ClientKind, OpenClient>()

withRedis.before(async () => {
  server = await startRedis()
  for (const kind of CLIENT_KINDS) clients.set(kind, await openClient(kind, server.url))
})

withRedis.after.always(async () => {
  for (const client of clients.values()) await client.close()
  await server?.stop()
})

/** A key prefix per store: every check gets a store of its own. */
const prefix = () => `kit:${randomUUID()}:`
const clientOf = (kind: ClientKind) => (clients.get(kind) as OpenClient).client

for (const kind of CLIENT_KINDS) {
  withRedis(t_(`store kit: redisStore (${kind}) keeps the contract`), async (t) => {
    const report = await testStore(() => redisStore({ client: clientOf(kind), prefix: prefix() }))
    t.true(report.passed.includes('partial writes') && report.passed.includes('touch keeps meta'))
  })
}

withRedis(t_('store kit: fromExpressSessionStore(connect-redis) keeps the contract'), async (t) => {
  // connect-redis counts TTLs in whole seconds (rounded up): a session may outlive its ttl by up to 1 s.
  const report = await testStore(
    () => fromExpressSessionStore(new RedisStore({ client: clientOf('node-redis') as never, prefix: prefix() })),
    {
      ttlSlackMs: 1000,
    },
  )
  t.true(report.passed.includes('ttl'))
})
