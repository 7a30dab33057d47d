/**
 * Which backend this run tests, and both backends for cross-backend tests.
 *
 * The suite runs twice: `KEYCARD_BACKEND=native ava` and `KEYCARD_BACKEND=fallback ava`. Public
 * API tests use the env-selected backend and put its name in their titles via `t_()`.
 * Cross-backend tests load both explicitly; they fail (not skip) when the native binding is
 * missing, because CI always builds it.
 *
 * The one exception is a machine without Rust: `KEYCARD_SKIP_NATIVE_BUILD=1` (what `npm test`
 * honours to run the fallback suite only) with no addon built. There `both` is the fallback
 * alone, tests registered with `testNative` are skipped (`# SKIP`, counted as skipped by
 * scripts/test.mjs), and one `KEYCARD-SKIP:` line says so. `native` is then a stand-in that
 * throws on first use, so a test that needs native but was registered with plain `test` fails
 * loudly instead of passing without having compared anything.
 */

import anyTest, { type TestFn } from 'ava'
import { loadBackend, withBackend } from '../../src/backend'
import type { Backend } from '../../src/backend/types'
import { createError } from '../../src/errors'
import { backend } from '../../src/index'

/** Name of the backend under test in this run. */
export const current = backend().name

/** A test title prefixed with the backend under test: `native: sign: round trips`. */
export const t_ = (title: string) => `${current}: ${title}`

export const fallback: Backend = loadBackend('fallback')

/**
 * The native backend, or undefined on a fallback-only machine (KEYCARD_SKIP_NATIVE_BUILD=1 and
 * the addon not built). Without that variable a missing addon throws here, as it always did:
 * every cross-backend spec fails to load, which is what CI (which always builds it) must see.
 */
function loadNativeUnlessSkipped(): Backend | undefined {
  try {
    return loadBackend('native')
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (process.env.KEYCARD_SKIP_NATIVE_BUILD !== '1' || code !== 'ERR_NATIVE_UNAVAILABLE') throw err
    // A marker line: scripts/test.mjs prints each distinct one once in its summary.
    console.error(
      'KEYCARD-SKIP: native-only and cross-backend comparisons skipped (`both` is the fallback alone): ' +
        'KEYCARD_SKIP_NATIVE_BUILD=1 and no native addon is built; build it: npm run build:native',
    )
    return undefined
  }
}

const loaded = loadNativeUnlessSkipped()

/** Whether the native addon is loaded (always true unless KEYCARD_SKIP_NATIVE_BUILD=1). */
export const nativeAvailable = loaded !== undefined

/**
 * A backend that throws ERR_NATIVE_UNAVAILABLE on any use: what `native` is when the addon is
 * absent on a fallback-only machine, so a test that reaches for it fails instead of passing.
 */
function absentNative(): Backend {
  return new Proxy({} as Backend, {
    get(_target, property) {
      throw createError(
        'ERR_NATIVE_UNAVAILABLE',
        `native.${String(property)}: the native addon is not built (KEYCARD_SKIP_NATIVE_BUILD=1); ` +
          'register tests that need it with testNative() so they are skipped here',
      )
    },
  })
}

/**
 * The native backend. On a fallback-only machine without the addon, a stand-in that throws on use.
 * @example
 * on(native, () => sign('v', SECRET)) === on(fallback, () => sign('v', SECRET))
 */
export const native: Backend = loaded ?? absentNative()

/** Both backends, native first; the fallback alone on a fallback-only machine without the addon. */
export const both: readonly Backend[] = loaded ? [loaded, fallback] : [fallback]

/**
 * ava's `test` for tests that need the native backend itself (a comparison with the fallback, a
 * call only the native core has): registered as skipped when the addon is absent on a
 * fallback-only machine, and ava's own `test` everywhere else (CI fails without the addon).
 * @example
 * testNative(t_('sign: native and fallback agree'), (t) => {
 *   t.is(on(native, () => sign('v', SECRET)), on(fallback, () => sign('v', SECRET)))
 * })
 */
export const testNative: TestFn = nativeAvailable ? anyTest : skipping(anyTest)

/** A `test` whose registrations are all ava's `.skip` twins (hooks never run). */
function skipping(test: TestFn): TestFn {
  const noop = Object.assign(() => {}, { always: () => {}, skip: () => {} })
  const serial = Object.assign((...args: Parameters<TestFn['skip']>) => test.serial.skip(...args), test.serial, {
    skip: test.serial.skip,
    only: test.serial.skip,
  })
  return Object.assign((...args: Parameters<TestFn['skip']>) => test.skip(...args), test, {
    skip: test.skip,
    only: test.skip,
    serial,
    before: noop,
    after: noop,
    beforeEach: noop,
    afterEach: noop,
  }) as unknown as TestFn
}

/** Runs a synchronous public-API call on a given backend. */
export const on = withBackend

/** A 32-byte (and longer) secret, as a string and as bytes. */
export const SECRET = 'test-secret-0123456789abcdef-0123456789'
export const SECRET_2 = 'second-secret-0123456789abcdef-0123456789'
export const SECRET_BYTES = Buffer.from('3e46fdb0235c0c4906dfaa163c54775bb48efb53ec2f8018784cc93874b9c8f5', 'hex')
