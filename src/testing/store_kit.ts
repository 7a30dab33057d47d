/**
 * The machinery of `testStore` (keycard/testing): its options, report and errors, how a
 * store's answers are described in messages, and the `Check` context every contract check runs in.
 */

import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { createError } from '../errors'
import { changesBetween, dataToFields, dataToJson, fieldsToJson } from '../sessions/serialize'
import { checkedRecord } from '../sessions/stores/record'
import type { ServerStore, SessionMeta, StoredSession } from '../sessions/stores/types'

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
export class Stop extends Error {
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(what)
  }
}

// --- Describing what a store did, for messages -----------------------------------------------------

export const cut = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max)}…` : text)
/** An id as messages show it: quoted, escaped, shortened. */
export const idText = (id: string) => cut(JSON.stringify(id), 24)

export function describe(value: unknown): string {
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

export function messageOf(err: unknown): string {
  return cut(err instanceof Error ? `${err.name}: ${err.message}` : String(err), 200)
}

/** JSON with object keys sorted: equal for equal JSON values, whatever the key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>
    const keys = Object.keys(object).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(object[key])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'undefined'
}

// --- The context a check runs in ----------------------------------------------------------------

export interface Settings {
  partial: boolean
  ttl: number
  slack: number
  now: () => number
  advance: ((ms: number) => void | Promise<void>) | undefined
  largeBytes: number
  timeout: number
  signal: AbortSignal | undefined
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown }

export class Check {
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
export const newId = () => randomBytes(32).toString('base64url')

/**
 * Runs a logout and a write at once, in the order `round` picks: the logout first, the write
 * first, or the write first and the logout once the write has yielded to I/O (inside a
 * check-then-write window, if the store has one).
 */
export async function race(round: number, logout: () => Promise<unknown>, write: () => Promise<unknown>): Promise<void> {
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
export function awkwardData(): Record<string, unknown> {
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
export const richMeta = (): Partial<SessionMeta> => ({
  f: { notice: ['Saved ✓', { n: 1 }], error: [] },
  u: 'user:Zoë/42',
  g: 7,
})

export function checkTime(ms: unknown, name: string): asserts ms is number {
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
    throw createError('ERR_INVALID_ARGUMENT', `${name} must be a whole number of ms >= 0`)
  }
}
