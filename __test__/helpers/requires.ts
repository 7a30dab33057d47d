/**
 * Suites that need a program the machine may lack (redis-server, chromium) import their `test`
 * from here instead of from ava:
 *
 *   const test = requires('redis-server')
 *
 * When the program is found, this is ava's own `test`. When it is not, every test of the file is
 * registered as skipped (`ok … # SKIP` in TAP, counted as skipped by scripts/test.mjs) and one line
 * says what was skipped, why and how to install the program. With `KEYCARD_REQUIRE_ALL=1` (set by
 * .ci/run) a missing program is a failing test instead, so CI never skips silently.
 */

import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import anyTest, { type TestFn } from 'ava'

/** Each program the suites may need: which suites, and how to install it. */
const PROGRAMS = {
  'redis-server': {
    what: 'the Redis suites (Redis store, cluster, faults, connect-redis, the Redis example)',
    how: 'apt-get install redis-server (Debian/Ubuntu) or brew install redis (macOS)',
  },
  chromium: {
    what: 'the demo browser test',
    how: 'apt-get install chromium (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary',
  },
  // npm packages rather than programs: pass `found` (see `findModule`).
  miniflare: {
    what: 'the workerd interop suite (runtimes_workerd)',
    how: 'npm ci (miniflare is a devDependency; it brings the workerd binary for this platform)',
  },
  'edge-runtime': {
    what: 'the Edge runtime interop suite (runtimes_edge)',
    how: 'npm ci (edge-runtime is a devDependency)',
  },
} as const

/**
 * The resolved path of an installed npm package, or undefined: the `found` of `requires` for
 * suites that need a package rather than a program.
 * @example
 * const test = requires('miniflare', findModule('miniflare'))
 */
export function findModule(name: string): string | undefined {
  try {
    return require.resolve(name)
  } catch {
    return undefined
  }
}

/** The absolute path of an executable: `name` itself when absolute, else searched on PATH. */
export function findProgram(name: string): string | undefined {
  const candidates = name.includes('/') ? [name] : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name))
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not here; try the next directory
    }
  }
  return undefined
}

/**
 * ava's `test` when `program` (a name on PATH or an absolute path) is installed; otherwise a
 * `test` that skips everything it is given, after printing one line saying what and why.
 */
export function requires<Context = unknown>(program: keyof typeof PROGRAMS, found = findProgram(program)): TestFn<Context> {
  const test = anyTest as TestFn<Context>
  if (found !== undefined) return test
  const { what, how } = PROGRAMS[program]
  if (process.env.KEYCARD_REQUIRE_ALL === '1') {
    test(`${program} is installed (KEYCARD_REQUIRE_ALL=1)`, (t) => {
      t.fail(`${program} not found, so ${what} cannot run; install it: ${how}`)
    })
    return skipping(test)
  }
  // A marker line: scripts/test.mjs prints each distinct one once in its summary.
  console.error(`KEYCARD-SKIP: ${what} skipped: ${program} not found; install it: ${how}`)
  return skipping(test)
}

/** A `test` whose every registration is ava's `.skip` twin, and whose hooks never run. */
function skipping<Context>(test: TestFn<Context>): TestFn<Context> {
  const noop = () => {}
  const skip = test.skip
  const serial = Object.assign((...args: Parameters<typeof skip>) => test.serial.skip(...args), test.serial, {
    skip: test.serial.skip,
    only: test.serial.skip,
    before: noop,
    after: noop,
    beforeEach: noop,
    afterEach: noop,
  })
  return Object.assign((...args: Parameters<typeof skip>) => skip(...args), test, {
    skip,
    only: skip,
    serial,
    before: Object.assign(noop, { always: noop, skip: noop }),
    after: Object.assign(noop, { always: noop, skip: noop }),
    beforeEach: Object.assign(noop, { always: noop, skip: noop }),
    afterEach: Object.assign(noop, { always: noop, skip: noop }),
  }) as unknown as TestFn<Context>
}
