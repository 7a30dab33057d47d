/**
 * keycard/testing: what tests need and apps never should.
 *
 * - `testStore(createStore)`: the whole session store contract (docs/STORES.md), run against any
 *   `ServerStore`, every violation reported at once in one `AggregateError`. keycard's own stores
 *   are tested with it; a third-party store needs one line of test.
 * - `manualClock()`: a clock tests move by hand, for `new Cache({ now })`, for stores that take a
 *   clock, and for `testStore` (which then advances it instead of sleeping).
 * - Test hooks that used to sit beside the public API: `withBackend`, `sealWithNonce`,
 *   `setCacheClockForTests`. The `keycard` entry point does not export them.
 */

import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadBackend, withBackend as withBackendInternal } from './backend'
import { signalOf } from './backend/abort'
import type { Backend, BackendName } from './backend/types'
import { createError, KeycardError } from './errors'
import { changesBetween, dataToFields, dataToJson, fieldsToJson } from './sessions/serialize'
import { checkedRecord } from './sessions/stores/record'
import type { ServerStore, SessionMeta, StoredSession } from './sessions/stores/types'

export { setCacheClockForTests } from './cache'
export { sealWithNonce } from './seal'

// --- Test hooks ---------------------------------------------------------------------------------

/**
 * Runs `fn` with one backend active ('native' or 'fallback', whatever KEYCARD_BACKEND selected),
 * for comparing both backends in one process. For synchronous calls: the backend is put back
 * when `fn` returns, so work after an `await` inside `fn` runs on the selected backend again.
 * A `Cache` created inside keeps the backend it was created on.
 * @example
 * const a = withBackend('native', () => sealWithNonce('x', secret, { now: 0 }, nonce))
 * const b = withBackend('fallback', () => sealWithNonce('x', secret, { now: 0 }, nonce))
 * assert.equal(a, b)
 */
export function withBackend<T>(backend: BackendName | Backend, fn: () => T): T {
  if (typeof fn !== 'function') throw createError('ERR_INVALID_ARGUMENT', 'withBackend needs a function')
  let chosen: Backend
  if (backend === 'native' || backend === 'fallback') {
    chosen = loadBackend(backend)
  } else {
    // Only keycard's own backends: a look-alike object would run keycard's calls on foreign code.
    const name = typeof backend === 'object' && backend !== null ? backend.name : undefined
    if ((name !== 'native' && name !== 'fallback') || loadBackend(name) !== backend) {
      throw createError('ERR_INVALID_ARGUMENT', "backend must be 'native' or 'fallback'")
    }
    chosen = backend
  }
  return withBackendInternal(chosen, fn)
}

/**
 * A clock moved by hand: see `manualClock`.
 * @example
 * const clock: ManualClock = manualClock(0)
 * clock.advance(1000) // clock.now() === 1000
 */
export interface ManualClock {
  /** The time, in ms. Bound: pass it around as a function (`new Cache({ now: clock.now })`). */
  readonly now: () => number
  /** Moves the clock forward by `ms`. */
  readonly advance: (ms: number) => void
  /** Sets the clock to `ms`. */
  readonly set: (ms: number) => void
}

function checkTime(ms: unknown, name: string): asserts ms is number {
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
    throw createError('ERR_INVALID_ARGUMENT', `${name} must be a whole number of ms >= 0`)
  }
}

/**
 * A clock that moves only when told to: tests of expiry that never sleep. Its `now` drives a
 * `Cache` (the `now` option), a store that takes a clock, and `testStore` (given `now` and
 * `advance`, it moves the clock instead of waiting for TTLs to pass).
 * @example
 * const clock = manualClock()
 * const cache = new Cache({ maxSize: 100, now: clock.now })
 * cache.set('otp', '123456', { ttl: '30s' })
 * clock.advance(30_000)
 * cache.get('otp') // undefined
 *
 * await testStore(() => fileStore(dir, { now: clock.now }), clock)
 */
export function manualClock(start: number = Date.now()): ManualClock {
  checkTime(start, 'start')
  let t = start
  return {
    now: () => t,
    advance: (ms: number) => {
      checkTime(ms, 'advance(ms)')
      checkTime(t + ms, 'the clock')
      t += ms
    },
    set: (ms: number) => {
      checkTime(ms, 'set(ms)')
      t = ms
    },
  }
}

// --- testStore: options, report, errors -----------------------------------------------------------

/**
 * Options of `testStore`; all optional.
 * @example
 * // A store that counts TTLs in whole seconds, and a fresh key prefix per check, closed after it.
 * await testStore(() => myStore({ prefix: randomUUID() }), { ttlSlackMs: 1000, dispose: (store) => store.close() })
 */
export interface TestStoreOptions {
  /** Whether the store must declare `partial: true`. Default: whatever the store declares. */
  partial?: boolean
  /** TTL, in ms, of the sessions whose expiry is checked. Default 200. */
  ttlMs?: number
  /**
   * How long after its TTL a session may still be returned, in ms (the store's clock resolution:
   * 1000 for a store that counts TTLs in seconds). Default 100.
   */
  ttlSlackMs?: number
  /** The clock the store reads, in ms since the epoch; the metadata's times come from it. Default Date.now. */
  now?: () => number
  /**
   * Moves that clock forward by `ms`: given, the checks run one after the other and never sleep.
   * Default: the checks run concurrently and wait `ttlMs + ttlSlackMs` of real time.
   */
  advance?: (ms: number) => void | Promise<void>
  /** Size of the large value, in bytes of UTF-8. Default 1 MiB. */
  largeValueBytes?: number
  /** Longest a store call may take before it is a violation, in ms. Default 10000. */
  callTimeoutMs?: number
  /** Stops the run: testStore rejects with an `AbortError` (`ERR_ABORTED`). */
  signal?: AbortSignal
  /** Called with each store `createStore` made, once its check is done (close it, remove its files). */
  dispose?: (store: ServerStore) => void | Promise<void>
}

/**
 * What `testStore` resolves with when the store keeps the whole contract.
 * @example
 * const { passed, skipped, notes } = await testStore(() => memoryStore())
 * // skipped: [{ check: 'touch keeps meta', reason: 'the store has no touch (…)' }, …]
 */
export interface StoreTestReport {
  /** The checks that ran, all passed. */
  passed: string[]
  /** The checks that did not apply, and why (a store without `update` or `touch`, not `partial`). */
  skipped: Array<{ check: string; reason: string }>
  /**
   * Steps whose result could not be judged: a write and a read slower than `ttlMs` cannot tell a
   * short TTL from a late call, so they are noted here rather than failed. Empty on a quick store.
   */
  notes: string[]
}

/**
 * One rule of the store contract the store broke: which check found it, and what was expected
 * and seen instead. `testStore` rejects with an `AggregateError` of these.
 * @example
 * try { await testStore(() => myStore()) } catch (err) {
 *   for (const v of (err as AggregateError).errors as StoreContractError[]) console.log(v.check, v.expected, v.actual)
 * }
 */
export class StoreContractError extends Error {
  override readonly name = 'StoreContractError'
  constructor(
    readonly check: string,
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${check}: ${what}: expected ${expected}, got ${actual}`)
  }
}

/** A violation that ends its check (a call that rejected or hung: nothing after it can be checked). */
class Stop extends Error {
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(what)
  }
}

// --- Describing what a store did, for messages -----------------------------------------------------

const cut = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max)}…` : text)
/** An id as messages show it: quoted, escaped, shortened. */
const idText = (id: string) => cut(JSON.stringify(id), 24)

function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  try {
    if (typeof value === 'object' && value !== null && 'meta' in value) {
      const { meta, dataJson } = value as { meta?: { id?: unknown }; dataJson?: unknown }
      const id = typeof meta?.id === 'string' ? idText(meta.id) : String(meta?.id)
      return `a session (meta.id ${id}, data ${typeof dataJson === 'string' ? cut(dataJson) : typeof dataJson})`
    }
    return cut(JSON.stringify(value) ?? String(value))
  } catch {
    return 'an unreadable value'
  }
}

function messageOf(err: unknown): string {
  return cut(err instanceof Error ? `${err.name}: ${err.message}` : String(err), 200)
}

/** JSON with object keys sorted: equal for equal JSON values, whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>
    const keys = Object.keys(object).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(object[key])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'undefined'
}

// --- The context a check runs in ----------------------------------------------------------------

interface Settings {
  partial: boolean
  ttl: number
  slack: number
  now: () => number
  advance: ((ms: number) => void | Promise<void>) | undefined
  largeBytes: number
  timeout: number
  signal: AbortSignal | undefined
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown }

class Check {
  readonly violations: StoreContractError[] = []
  readonly notes: string[] = []

  constructor(
    readonly name: string,
    readonly store: ServerStore,
    readonly settings: Settings,
  ) {}

  get partial(): boolean {
    return this.settings.partial
  }

  /** A TTL no session outlives by accident while a check runs: 10 minutes, or far more than the checks' ttl. */
  get long(): number {
    return Math.max(10 * 60_000, 100 * (this.settings.ttl + this.settings.slack))
  }

  /**
   * Whether less than the ttl has passed on the store's clock since `start`, so that what was
   * written then must still be there. When more has (a slow store, a busy machine), the check
   * cannot tell a short TTL from a late call: it is noted in the report, never failed.
   */
  fresh(start: number, what: string): boolean {
    const { ttl } = this.settings
    if (this.settings.now() - start < ttl) return true
    this.notes.push(`${this.name}: ${what} took ${ttl} ms or more, so its result was not checked (raise ttlMs)`)
    return false
  }

  /** A violation; the check goes on. */
  fail(what: string, expected: string, actual: string): void {
    this.violations.push(new StoreContractError(this.name, what, expected, actual))
  }

  aborted(): void {
    const { signal } = this.settings
    if (signal?.aborted) throw createError('ERR_ABORTED', 'testStore was aborted', signal.reason)
  }

  /** A store call, bounded in time: its value, or `{ error }` when it rejected (a hang is a violation). */
  async attempt<T>(label: string, call: () => T | Promise<T>): Promise<Outcome<T>> {
    this.aborted()
    let timer: NodeJS.Timeout | undefined
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Stop(label, 'to settle', `nothing within ${this.settings.timeout} ms`)),
        this.settings.timeout,
      )
    })
    try {
      // Inside an async function: a method that throws instead of rejecting is caught too.
      return { ok: true, value: await Promise.race([(async () => call())(), hang]) }
    } catch (error) {
      if (error instanceof Stop) throw error
      return { ok: false, error }
    } finally {
      clearTimeout(timer)
    }
  }

  /** A store call that must succeed: a rejection ends the check. */
  async call<T>(label: string, call: () => T | Promise<T>): Promise<T> {
    const outcome = await this.attempt(label, call)
    if (!outcome.ok) throw new Stop(label, 'to resolve', `a rejection (${messageOf(outcome.error)})`)
    return outcome.value
  }

  get(id: string): Promise<StoredSession | undefined> {
    return this.call(`get(${idText(id)})`, () => this.store.get(id))
  }

  set(session: StoredSession, ttl: number, id = session.meta.id): Promise<void> {
    return this.call(`set(${idText(id)})`, () => this.store.set(id, session, ttl))
  }

  update(session: StoredSession, ttl: number, id = session.meta.id): Promise<boolean> {
    const { store } = this
    return this.call(`update(${idText(id)})`, () =>
      (store.update as NonNullable<ServerStore['update']>).call(store, id, session, ttl),
    )
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: what the contract lets touch resolve to
  touch(session: StoredSession, ttl: number, id = session.meta.id): Promise<boolean | void> {
    const { store } = this
    return this.call(`touch(${idText(id)})`, () =>
      (store.touch as NonNullable<ServerStore['touch']>).call(store, id, session, ttl),
    )
  }

  destroy(id: string): Promise<void> {
    return this.call(`destroy(${idText(id)})`, () => this.store.destroy(id))
  }

  /** Lets `ms` pass on the store's clock: advances it when the caller gave `advance`, else sleeps. */
  async wait(ms: number): Promise<void> {
    this.aborted()
    const { advance, signal } = this.settings
    if (advance) {
      await advance(ms)
      return
    }
    try {
      await sleep(ms, undefined, { signal })
    } catch {
      this.aborted()
    }
  }

  /** A session as the core writes it: meta with times from the store's clock, data serialised by the core's own code. */
  session(
    id: string,
    data: Record<string, unknown>,
    options: { ttl?: number; meta?: Partial<SessionMeta>; loaded?: ReadonlyMap<string, string> } = {},
  ): StoredSession {
    const now = this.settings.now()
    const meta: SessionMeta = { v: 1, id, c: now, e: now + (options.ttl ?? this.long), ...options.meta }
    if (!this.partial) return { meta, dataJson: dataToJson(data) }
    const fields = dataToFields(data)
    // As the core: a new session lists every key as set; a loaded one only what changed.
    return { meta, dataJson: fieldsToJson(fields), fields, changes: changesBetween(options.loaded ?? null, fields) }
  }

  /**
   * Why `got` is not `want` as the core would load it (null when it is): the record must pass the
   * core's own check (`checkedRecord`), carry the metadata as written, and the data as written
   * (the exact text; partial stores: the same fields, and data JSON of the same value).
   */
  difference(got: unknown, want: StoredSession, id: string | undefined = want.meta.id): string | null {
    if (got === undefined) return 'undefined (no session)'
    try {
      const checked = checkedRecord(got, { id, now: this.settings.now(), partial: this.partial })
      if (checked === null) return `${describe(got)}, which the core refuses (checkedRecord: shape, id, times, fields)`
      if (canonical(checked.meta) !== canonical(want.meta)) {
        return `meta ${cut(canonical(checked.meta), 160)} instead of ${cut(canonical(want.meta), 160)}`
      }
      if (this.partial) {
        const fields = checked.fields as ReadonlyMap<string, string>
        const wanted = want.fields as ReadonlyMap<string, string>
        const wrong = [...wanted].filter(([key, json]) => fields.get(key) !== json).map(([key]) => key)
        const extra = [...fields.keys()].filter((key) => !wanted.has(key))
        if (wrong.length > 0 || extra.length > 0) {
          return `fields wrong or missing: ${cut(JSON.stringify(wrong))}, unexpected: ${cut(JSON.stringify(extra))}`
        }
        if (canonical(JSON.parse(checked.dataJson)) !== canonical(JSON.parse(want.dataJson))) {
          return `dataJson ${cut(checked.dataJson)} (not the data of its fields)`
        }
      } else if (checked.dataJson !== want.dataJson) {
        return `dataJson ${cut(checked.dataJson)} instead of the exact text ${cut(want.dataJson)}`
      }
      return null
    } catch (err) {
      return `an unreadable record (${messageOf(err)})`
    }
  }

  /** `got` must be `want` (or nothing, for `want` undefined). */
  compare(what: string, got: unknown, want: StoredSession | undefined): void {
    if (want === undefined) {
      if (got !== undefined) this.fail(what, 'undefined (no session)', describe(got))
    } else {
      const difference = this.difference(got, want)
      if (difference !== null) this.fail(what, describe(want), difference)
    }
  }

  /** `get(id)` must return `want` (or nothing, for `want` undefined). */
  async expectSession(what: string, id: string, want: StoredSession | undefined): Promise<StoredSession | undefined> {
    const got = await this.get(id)
    this.compare(what, got, want)
    return got
  }
}

/** A fresh session id, as the core makes them: 256 random bits, base64url (43 characters). */
const newId = () => randomBytes(32).toString('base64url')

/**
 * Runs a logout and a write at once, in the order `round` picks: the logout first, the write
 * first, or the write first and the logout once the write has yielded to I/O (inside a
 * check-then-write window, if the store has one).
 */
async function race(round: number, logout: () => Promise<unknown>, write: () => Promise<unknown>): Promise<void> {
  if (round % 3 === 0) {
    await Promise.all([logout(), write()])
  } else if (round % 3 === 1) {
    await Promise.all([write(), logout()])
  } else {
    const writing = write()
    writing.catch(() => {}) // awaited below; not an unhandled rejection meanwhile
    await new Promise((resolve) => setImmediate(resolve))
    await Promise.all([writing, logout()])
  }
}

/** Data with what JSON and stores find awkward: unicode, escapes, and keys that look like syntax or prototypes. */
function awkwardData(): Record<string, unknown> {
  const data: Record<string, unknown> = JSON.parse('{"__proto__":{"polluted":true}}')
  Object.assign(data, {
    userId: 42,
    name: 'Zoë 🔑 \u2028 "quoted" \\ \u0000',
    lone: '\ud800',
    nested: { list: [1, 2.5, -0.125, true, null, 'x'], empty: {} },
    '': 'empty key',
    '\u0000': 'nul key',
    '\u0000meta': 'looks like an escape',
    '\ud800': 'lone surrogate key',
    constructor: 'c',
    'a.b': ':*?[]{}',
  })
  return data
}

/** Metadata with every optional field the core writes. */
const richMeta = (): Partial<SessionMeta> => ({
  f: { notice: ['Saved ✓', { n: 1 }], error: [] },
  u: 'user:Zoë/42',
  g: 7,
})

// --- The checks ------------------------------------------------------------------------------------

interface CheckSpec {
  name: string
  needs?: 'update' | 'touch' | 'partial'
  /** Waits for a TTL: run after the others, so their load does not slow its short-TTL steps. */
  timed?: true
  run(c: Check): Promise<void>
}

const CHECKS: CheckSpec[] = [
  {
    name: 'round trip',
    async run(c) {
      const id = newId()
      await c.expectSession('get of an id never stored', id, undefined)
      const rich = c.session(id, awkwardData(), { meta: richMeta() })
      await c.set(rich, c.long)
      await c.expectSession('get after set (metadata with flash and user, awkward keys and unicode data)', id, rich)
      const plain = c.session(newId(), {})
      await c.set(plain, c.long)
      await c.expectSession('get of an empty session', plain.meta.id, plain)
      await c.expectSession('get after set of another id', id, rich)
    },
  },
  {
    name: 'overwrite',
    async run(c) {
      const id = newId()
      await c.set(c.session(id, { a: 1, b: 2, c: 3 }, { meta: richMeta() }), c.long)
      const second = c.session(id, { a: 'one' })
      await c.set(second, c.long)
      await c.expectSession('set replaces the whole session (keys and flash it no longer has are gone)', id, second)
    },
  },
  {
    name: 'isolation',
    async run(c) {
      const id = newId()
      const written = c.session(id, { cart: [1, 2] }, { meta: richMeta() })
      const want = c.session(id, { cart: [1, 2] }, { meta: { ...richMeta(), c: written.meta.c, e: written.meta.e } })
      await c.set(written, c.long)
      // The core's objects are its own: what it changes after a write must not reach the store.
      written.meta.e += 1
      written.meta.f?.notice?.push('later')
      ;(written.fields as Map<string, string> | undefined)?.set('cart', '[]')
      written.dataJson = '{"cart":[]}'
      const got = await c.expectSession('get after the written objects were changed', id, want)
      if (got !== undefined) {
        try {
          got.meta.e += 1
          got.meta.f?.notice?.push('later')
        } catch {
          // A frozen record is fine.
        }
      }
      await c.expectSession('get after the returned record was changed', id, want)
    },
  },
  {
    name: 'ttl',
    timed: true,
    async run(c) {
      const { ttl, slack } = c.settings
      const short = c.session(newId(), { n: 1 }, { ttl })
      const start = c.settings.now()
      await c.set(short, ttl)
      const got = await c.get(short.meta.id)
      if (c.fresh(start, 'set and get')) c.compare(`get right after set with a ${ttl} ms ttl`, got, short)
      // A second set with a longer ttl replaces the first one's.
      const renewedId = newId()
      await c.set(c.session(renewedId, { n: 1 }, { ttl }), ttl)
      const renewed = c.session(renewedId, { n: 2 })
      await c.set(renewed, c.long)
      await c.wait(ttl + slack)
      await c.expectSession(`get ${ttl + slack} ms after set with a ${ttl} ms ttl`, short.meta.id, undefined)
      await c.expectSession(`get after a set with a ${ttl} ms ttl was replaced by one with a long ttl`, renewedId, renewed)
    },
  },
  {
    name: 'destroy',
    async run(c) {
      const a = c.session(newId(), { a: 1 })
      const b = c.session(newId(), { b: 1 })
      await c.set(a, c.long)
      await c.set(b, c.long)
      await c.destroy(a.meta.id)
      await c.expectSession('get after destroy', a.meta.id, undefined)
      await c.expectSession('get of another session after destroy', b.meta.id, b)
      await c.destroy(a.meta.id)
      await c.destroy(newId())
      const again = c.session(a.meta.id, { a: 2 })
      await c.set(again, c.long)
      await c.expectSession('set after destroy', a.meta.id, again)
    },
  },
  {
    name: 'update',
    needs: 'update',
    timed: true,
    async run(c) {
      const id = newId()
      const first = c.session(id, { a: 1, b: 1 })
      await c.set(first, c.long)
      const next = c.session(id, { a: 2, c: [3] }, { meta: richMeta(), loaded: first.fields })
      const wrote = await c.update(next, c.long)
      if (wrote !== true) c.fail('update of a stored session', 'true', describe(wrote))
      await c.expectSession('get after update', id, next)
      // The ttl of the update replaces the set's.
      const { ttl, slack } = c.settings
      const shortId = newId()
      const short = c.session(shortId, { n: 1 }, { ttl })
      const start = c.settings.now()
      await c.set(short, ttl)
      const longer = c.session(shortId, { n: 2 }, { loaded: short.fields })
      const renewed = await c.update(longer, c.long)
      if (!c.fresh(start, 'set and update')) return
      if (renewed !== true) c.fail(`update right after set with a ${ttl} ms ttl`, 'true', describe(renewed))
      await c.wait(ttl + slack)
      await c.expectSession(`get ${ttl + slack} ms after update with a long ttl`, shortId, longer)
    },
  },
  {
    name: 'update only if the session exists',
    needs: 'update',
    timed: true,
    async run(c) {
      const never = c.session(newId(), { a: 1 })
      const wrote = await c.update(never, c.long)
      if (wrote !== false) c.fail('update of an id never stored', 'false', describe(wrote))
      await c.expectSession('get after update of an id never stored', never.meta.id, undefined)
      // Logout: a request that loaded the session before it was destroyed must not write it back.
      const destroyed = c.session(newId(), { userId: 42 })
      await c.set(destroyed, c.long)
      await c.destroy(destroyed.meta.id)
      const late = c.session(destroyed.meta.id, { userId: 42, cart: [1] }, { loaded: destroyed.fields })
      const afterLogout = await c.update(late, c.long)
      if (afterLogout !== false) c.fail('update after destroy (a logout)', 'false', describe(afterLogout))
      await c.expectSession('get after update of a destroyed session', destroyed.meta.id, undefined)
      const { ttl, slack } = c.settings
      const expiring = c.session(newId(), { a: 1 }, { ttl })
      await c.set(expiring, ttl)
      await c.wait(ttl + slack)
      const expired = await c.update(c.session(expiring.meta.id, { a: 2 }, { loaded: expiring.fields }), c.long)
      if (expired !== false) c.fail(`update ${ttl + slack} ms after set with a ${ttl} ms ttl`, 'false', describe(expired))
      await c.expectSession('get after update of an expired session', expiring.meta.id, undefined)
    },
  },
  {
    name: 'touch keeps meta',
    needs: 'touch',
    timed: true,
    async run(c) {
      const id = newId()
      const stored = c.session(id, awkwardData())
      await c.set(stored, c.long)
      // The core touches with new metadata (a later expiry, maybe flash or a generation) and the data as loaded.
      const touched = c.session(id, awkwardData(), { meta: { ...richMeta(), c: stored.meta.c }, loaded: stored.fields })
      const result = await c.touch(touched, c.long)
      if (result === false) c.fail('touch of a stored session', 'true or undefined', 'false')
      await c.expectSession('get after touch (its metadata, the data as it was)', id, touched)
      const { ttl, slack } = c.settings
      const short = c.session(newId(), { n: 1 }, { ttl })
      const start = c.settings.now()
      await c.set(short, ttl)
      const renewed = c.session(short.meta.id, { n: 1 }, { meta: { c: short.meta.c }, loaded: short.fields })
      const touchedShort = await c.touch(renewed, c.long)
      if (!c.fresh(start, 'set and touch')) return
      if (touchedShort === false) c.fail(`touch right after set with a ${ttl} ms ttl`, 'true or undefined', 'false')
      await c.wait(ttl + slack)
      await c.expectSession(`get ${ttl + slack} ms after touch with a long ttl`, short.meta.id, renewed)
    },
  },
  {
    name: 'touch only if the session exists',
    needs: 'touch',
    async run(c) {
      const never = c.session(newId(), { a: 1 })
      const result = await c.touch(never, c.long)
      if (result === true) c.fail('touch of an id never stored', 'false or undefined', 'true')
      await c.expectSession('get after touch of an id never stored', never.meta.id, undefined)
      const destroyed = c.session(newId(), { a: 1 })
      await c.set(destroyed, c.long)
      await c.destroy(destroyed.meta.id)
      if ((await c.touch(destroyed, c.long)) === true) c.fail('touch after destroy', 'false or undefined', 'true')
      await c.expectSession('get after touch of a destroyed session', destroyed.meta.id, undefined)
    },
  },
  {
    name: 'partial writes',
    needs: 'partial',
    async run(c) {
      const id = newId()
      const first = c.session(id, { a: 1, b: 1, c: 1, ...awkwardData() })
      await c.set(first, c.long)
      const { c: _dropped, ...rest } = JSON.parse(first.dataJson) as Record<string, unknown>
      const second = c.session(id, { ...rest, b: 2 }, { loaded: first.fields })
      if ((await c.update(second, c.long)) !== true) c.fail('update of a stored session', 'true', 'false')
      await c.expectSession('get after an update that set one key and deleted another', id, second)
      // Two requests that loaded the same session and changed different keys: both changes persist,
      // so the store writes only `changes`, not `fields` (which still hold the other key's old value).
      const one = c.session(id, { ...rest, b: 2, a: 'one' }, { loaded: second.fields })
      const two = c.session(id, { ...rest, b: 'two' }, { loaded: second.fields })
      await c.update(one, c.long)
      await c.update(two, c.long)
      const both = c.session(id, { ...rest, a: 'one', b: 'two' }, { meta: { c: two.meta.c, e: two.meta.e } })
      await c.expectSession('get after two updates of different keys (each writes only its `changes`)', id, both)
    },
  },
  {
    name: 'concurrency',
    async run(c) {
      const sessions = Array.from({ length: 30 }, (_, i) => c.session(newId(), { i }))
      await Promise.all(sessions.map((s) => c.set(s, c.long)))
      await Promise.all(sessions.map((s) => c.expectSession('get after 30 concurrent sets of different ids', s.meta.id, s)))
      if (c.store.update) {
        // A logout racing a request's write, started in either order and a moment apart: whichever
        // the store runs first, the session stays gone (an update that checks, then writes later, revives it).
        for (let i = 0; i < 6; i++) {
          const s = c.session(newId(), { userId: i })
          await c.set(s, c.long)
          const write = c.session(s.meta.id, { userId: i, cart: [i] }, { loaded: s.fields })
          await race(
            i,
            () => c.destroy(s.meta.id),
            () => c.update(write, c.long),
          )
          await c.expectSession('get after destroy and update ran concurrently', s.meta.id, undefined)
        }
        // Writes and reads of one session at once: every read is one whole written version.
        const id = newId()
        const base = c.session(id, { v: -1, pad: 'x'.repeat(10_000) })
        await c.set(base, c.long)
        const versions = Array.from({ length: 10 }, (_, v) =>
          c.session(id, { v, pad: 'x'.repeat(10_000) }, { loaded: base.fields }),
        )
        const reads: Array<Promise<StoredSession | undefined>> = []
        await Promise.all(
          versions.map((version) => {
            reads.push(c.get(id))
            return c.update(version, c.long)
          }),
        )
        for (const got of await Promise.all(reads)) {
          if ([base, ...versions].every((version) => c.difference(got, version) !== null)) {
            c.fail('get while 10 updates of the session ran', 'one of the written versions', describe(got))
          }
        }
        if (c.partial) {
          // Concurrent requests that each set a key of their own: all of them persist.
          const keyed = c.session(newId(), { base: 0 })
          await c.set(keyed, c.long)
          const writes = Array.from({ length: 10 }, (_, k) =>
            c.session(keyed.meta.id, { base: 0, [`k${k}`]: k }, { loaded: keyed.fields }),
          )
          await Promise.all(writes.map((w) => c.update(w, c.long)))
          const all = Object.fromEntries([['base', 0], ...writes.map((_, k) => [`k${k}`, k])])
          const got = await c.get(keyed.meta.id)
          const want = c.session(keyed.meta.id, all, { meta: got?.meta })
          const difference = c.difference(got, want)
          if (difference !== null) c.fail('get after 10 concurrent updates, each of its own key', 'all 10 keys', difference)
        }
      }
      if (c.store.touch) {
        for (let i = 0; i < 6; i++) {
          const s = c.session(newId(), { userId: i })
          await c.set(s, c.long)
          const touch = c.session(s.meta.id, { userId: i }, { loaded: s.fields })
          await race(
            i,
            () => c.destroy(s.meta.id),
            () => c.touch(touch, c.long),
          )
          await c.expectSession('get after destroy and touch ran concurrently', s.meta.id, undefined)
        }
      }
    },
  },
  {
    name: 'large values',
    async run(c) {
      const bytes = c.settings.largeBytes
      // Two-byte characters and a four-byte one: the size is bytes of UTF-8, not characters.
      const big = `${'é'.repeat(Math.floor(bytes / 2) - 2)}🔑`
      const data: Record<string, unknown> = { big }
      for (let k = 0; k < 2000; k++) data[`key${k}`] = k
      const id = newId()
      const large = c.session(id, data)
      await c.set(large, c.long)
      await c.expectSession(`get after set of ${bytes} bytes and 2000 keys`, id, large)
      if (c.store.update) {
        const changed = c.session(id, { ...data, big: `${big}!`, key0: 'zero' }, { loaded: large.fields })
        await c.update(changed, c.long)
        await c.expectSession('get after update of the large session', id, changed)
      }
    },
  },
  {
    name: 'hostile ids',
    async run(c) {
      // Ids the core makes: ones that differ only in case, or in '-' and '_', are different sessions.
      const stem = newId().slice(0, 41)
      const alike = [`${stem}a-`, `${stem}A-`, `${stem}a_`, `${stem}A_`].map((id, i) => c.session(id, { i }))
      for (const s of alike) await c.set(s, c.long)
      for (const s of alike) await c.expectSession('get of ids that differ only in case or in -/_', s.meta.id, s)

      // Ids the core never passes: a store may reject them, but never hangs, never returns or
      // changes a session of another id, and never lets one name something else (a path, a pattern).
      const base = c.session(newId(), { mine: true })
      await c.set(base, c.long)
      const id = base.meta.id
      const hostile = [
        `../${id}`,
        `${id}/../${id}`,
        '..',
        '.',
        '',
        '/',
        '\\',
        '*',
        '?',
        '%',
        '\u0000',
        `${id}\u0000`,
        `${id}\n`,
        ` ${id}`,
        id.slice(0, 42),
        `${id}A`,
        id.toLowerCase(),
        '__proto__',
        'constructor',
        'toString',
        "'; DROP TABLE sessions; --",
        '☃ 🔑',
        '\ud800',
        'k'.repeat(10_000),
      ].filter((h) => h !== id)
      // One violation per method, listing the ids it failed for: one bug, one line.
      const wrong = { get: [] as string[], update: [] as string[], touch: [] as string[] }
      const seen = { get: '', update: '', touch: '' }
      const store = c.store as Required<ServerStore>
      for (const h of hostile) {
        const label = idText(h)
        const got = await c.attempt(`get(${label})`, () => store.get(h))
        if (got.ok && got.value !== undefined) {
          wrong.get.push(label)
          seen.get = describe(got.value)
        }
        if (store.update) {
          const wrote = await c.attempt(`update(${label})`, () => store.update(h, c.session(newId(), { evil: 1 }), c.long))
          if (wrote.ok && wrote.value !== false) {
            wrong.update.push(label)
            seen.update = describe(wrote.value)
          }
        }
        if (store.touch) {
          const touched = await c.attempt(`touch(${label})`, () => store.touch(h, c.session(newId(), { evil: 1 }), c.long))
          if (touched.ok && touched.value === true) {
            wrong.touch.push(label)
            seen.touch = 'true'
          }
        }
        await c.attempt(`destroy(${label})`, () => store.destroy(h))
      }
      const expected = {
        get: 'undefined or a rejection',
        update: 'false or a rejection',
        touch: 'false, undefined or a rejection',
      }
      for (const method of ['get', 'update', 'touch'] as const) {
        const ids = wrong[method]
        if (ids.length > 0)
          c.fail(`${method} of ids never stored (${ids.length}: ${cut(ids.join(', '), 120)})`, expected[method], seen[method])
      }
      await c.expectSession('get of a session after get/update/touch/destroy of hostile ids', id, base)

      // Set under a hostile id: rejected, or kept apart from every other id.
      const kept: Array<[string, StoredSession]> = []
      for (const h of hostile) {
        if (h === '\ud800') continue // a lone surrogate may be stored as U+FFFD: never an id the core makes
        const s = c.session(newId(), { hostile: h })
        if ((await c.attempt(`set(${idText(h)})`, () => c.store.set(h, s, c.long))).ok) kept.push([h, s])
      }
      for (const [h, s] of kept) {
        const got = await c.attempt(`get(${idText(h)})`, () => c.store.get(h))
        const difference = got.ok ? c.difference(got.value, s, undefined) : `a rejection (${messageOf(got.error)})`
        if (difference !== null) c.fail(`get(${idText(h)}) after set(${idText(h)}) resolved`, describe(s), difference)
      }
      await c.expectSession('get of a session after set of hostile ids', id, base)
      for (const [h] of kept) await c.attempt(`destroy(${idText(h)})`, () => c.store.destroy(h))
      await c.expectSession('get of a session after destroy of hostile ids', id, base)
    },
  },
]

// --- testStore ---------------------------------------------------------------------------------------

function positive(value: unknown, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw createError('ERR_INVALID_ARGUMENT', `${name} must be an integer >= ${min}`)
  }
  return value
}

function settingsOf(options: TestStoreOptions): Omit<Settings, 'partial'> {
  if (typeof options !== 'object' || options === null) throw createError('ERR_INVALID_ARGUMENT', 'options must be an object')
  const { now, advance } = options
  if (now !== undefined && typeof now !== 'function') throw createError('ERR_INVALID_ARGUMENT', 'now must be a function')
  if (advance !== undefined && typeof advance !== 'function')
    throw createError('ERR_INVALID_ARGUMENT', 'advance must be a function')
  // Advancing a clock the metadata is not read from would make every expiry check meaningless.
  if (advance !== undefined && now === undefined)
    throw createError('ERR_INVALID_ARGUMENT', 'advance needs now (the clock it moves)')
  if (options.dispose !== undefined && typeof options.dispose !== 'function') {
    throw createError('ERR_INVALID_ARGUMENT', 'dispose must be a function')
  }
  if (options.partial !== undefined && typeof options.partial !== 'boolean') {
    throw createError('ERR_INVALID_ARGUMENT', 'partial must be a boolean')
  }
  const clock = now ?? Date.now
  return {
    ttl: positive(options.ttlMs, 'ttlMs', 200),
    slack: positive(options.ttlSlackMs, 'ttlSlackMs', 100, 0),
    now: () => {
      const ms = clock()
      checkTime(ms, 'now()')
      return ms
    },
    advance,
    largeBytes: positive(options.largeValueBytes, 'largeValueBytes', 1024 * 1024, 16),
    timeout: positive(options.callTimeoutMs, 'callTimeoutMs', 10_000),
    signal: signalOf(options.signal),
  }
}

/** What is wrong with the store's shape (kind, methods, `partial`), as violations. */
function shapeViolations(store: unknown, partial: boolean | undefined): StoreContractError[] {
  const found: StoreContractError[] = []
  const fail = (what: string, expected: string, actual: string) =>
    found.push(new StoreContractError('shape', what, expected, actual))
  if (typeof store !== 'object' || store === null) {
    fail('createStore()', 'a store object', describe(store))
    return found
  }
  const s = store as Record<string, unknown>
  if (s.kind !== 'server') fail('kind', "'server'", describe(s.kind))
  for (const method of ['get', 'set', 'destroy']) {
    if (typeof s[method] !== 'function') fail(method, 'a method', describe(s[method]))
  }
  for (const method of ['update', 'touch']) {
    if (s[method] !== undefined && typeof s[method] !== 'function') fail(method, 'a method or absent', describe(s[method]))
  }
  if (s.partial !== undefined && typeof s.partial !== 'boolean') fail('partial', 'a boolean or absent', describe(s.partial))
  if (partial !== undefined && (s.partial === true) !== partial) fail('partial', String(partial), describe(s.partial))
  return found
}

async function runCheck(
  spec: CheckSpec,
  createStore: () => ServerStore | Promise<ServerStore>,
  settings: Settings,
  dispose: TestStoreOptions['dispose'],
): Promise<{ violations: StoreContractError[]; notes: string[] }> {
  let store: ServerStore
  try {
    store = await createStore()
  } catch (err) {
    return {
      violations: [new StoreContractError(spec.name, 'createStore()', 'a store', `a throw (${messageOf(err)})`)],
      notes: [],
    }
  }
  const check = new Check(spec.name, store, settings)
  try {
    await spec.run(check)
  } catch (err) {
    // keycard's own errors are the run's, not the store's (the store's go through attempt()):
    // an aborted signal, a clock that returned no time.
    if (err instanceof KeycardError) throw err
    if (err instanceof Stop) check.fail(err.what, err.expected, err.actual)
    else check.fail('the check', 'to run', `an error (${messageOf(err)})`)
  } finally {
    if (dispose) {
      try {
        await dispose(store)
      } catch (err) {
        check.fail('dispose(store)', 'to resolve', `a rejection (${messageOf(err)})`)
      }
    }
  }
  return { violations: check.violations, notes: check.notes }
}

/**
 * Runs the whole session store contract (docs/STORES.md) against the stores `createStore` makes,
 * a fresh one per check: round trip (metadata, exact data text, unicode and awkward keys), set
 * replacing, isolation from the caller's objects, TTL, destroy, `update` (writes, and only if the
 * session exists: what makes logout safe), `touch` (stores the new metadata, keeps the data, only
 * if the session exists), partial writes, concurrency (logout racing a write, torn reads), large
 * values, and hostile ids. Every record a store returns must also pass the core's own check.
 *
 * Resolves with the checks that passed and those that did not apply; rejects with one
 * `AggregateError` whose `errors` are a `StoreContractError` per violation (check, expected, got),
 * or with `ERR_INVALID_ARGUMENT` for bad options and `ERR_ABORTED` when `signal` aborts.
 *
 * The checks run concurrently, waiting `ttlMs + ttlSlackMs` of real time; given `now` and
 * `advance` (a `manualClock` the store also reads), they run one by one and never sleep. No
 * check fails for being slow: a step slower than `ttlMs` is noted in the report instead.
 * @example
 * test('my store keeps the contract', async () => {
 *   await testStore(() => myStore({ prefix: `test:${randomUUID()}:` }))
 * })
 */
export async function testStore(
  createStore: () => ServerStore | Promise<ServerStore>,
  options: TestStoreOptions = {},
): Promise<StoreTestReport> {
  if (typeof createStore !== 'function')
    throw createError('ERR_INVALID_ARGUMENT', 'testStore needs a function that creates a store')
  const base = settingsOf(options)
  base.now() // a clock that returns no time is the caller's error, before any check runs
  const dispose = options.dispose

  // The shape first: without get/set/destroy no check can run.
  let first: unknown
  try {
    first = await createStore()
  } catch (err) {
    throw new AggregateError(
      [new StoreContractError('shape', 'createStore()', 'a store', `a throw (${messageOf(err)})`)],
      'createStore failed',
    )
  }
  const shape = shapeViolations(first, options.partial)
  if (dispose && typeof first === 'object' && first !== null) await dispose(first as ServerStore)
  const store = first as ServerStore
  if (shape.some((v) => v.what !== 'partial')) throw aggregate(shape)

  const settings: Settings = { ...base, partial: store.partial === true }
  const skipped: StoreTestReport['skipped'] = []
  const runnable = CHECKS.filter((spec) => {
    const reason =
      spec.needs === 'update' && !store.update
        ? 'the store has no update: a request that loaded a session before a concurrent logout can write it back'
        : spec.needs === 'touch' && !store.touch
          ? 'the store has no touch (the core rewrites unchanged sessions with update or set)'
          : spec.needs === 'partial' && !settings.partial
            ? 'the store is not partial'
            : spec.needs === 'partial' && !store.update
              ? 'the store has no update (the core writes every session whole with set)'
              : null
    if (reason !== null) skipped.push({ check: spec.name, reason })
    return reason === null
  })

  const results: Array<{ violations: StoreContractError[]; notes: string[] }> = []
  const run = (spec: CheckSpec) => runCheck(spec, createStore, settings, dispose)
  if (settings.advance) {
    // One clock moved by every check: they take turns.
    for (const spec of runnable) results.push(await run(spec))
  } else {
    // Concurrently, the checks that wait for a TTL last: the others' load would slow their short steps.
    results.push(...(await Promise.all(runnable.filter((spec) => !spec.timed).map(run))))
    results.push(...(await Promise.all(runnable.filter((spec) => spec.timed).map(run))))
  }
  const violations = [...shape, ...results.flatMap((r) => r.violations)]
  if (violations.length > 0) throw aggregate(violations)
  return { passed: runnable.map((spec) => spec.name), skipped, notes: results.flatMap((r) => r.notes) }
}

function aggregate(violations: StoreContractError[]): AggregateError {
  const lines = violations.map((v) => `- ${v.message}`).join('\n')
  const count = violations.length === 1 ? '1 violation' : `${violations.length} violations`
  return new AggregateError(violations, `the store breaks the session store contract (${count}):\n${lines}`)
}
