/** `testStore` itself: checks the options, runs every contract check, and reports all violations at once. */

import { signalOf } from '../backend/abort'
import { createError, KeycardError } from '../errors'
import type { ServerStore } from '../sessions/stores/types'
import { CHECKS, type CheckSpec } from './store_checks'
import {
  Check,
  checkTime,
  describe,
  messageOf,
  type Settings,
  Stop,
  StoreContractError,
  type StoreTestReport,
  type TestStoreOptions,
} from './store_kit'

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
  for (const method of ['update', 'touch', 'listByUser', 'ping']) {
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
 * values, hostile ids, and, for stores with `listByUser`, a user's sessions (moved, taken out,
 * destroyed, expired, hostile user ids). Every record a store returns must also pass the core's own check.
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
          : spec.needs === 'listByUser' && typeof store.listByUser !== 'function'
            ? 'the store has no listByUser (manager.listSessions and destroySessions need it)'
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
