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

import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
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
  next: {
    what: 'the Next.js example suite (next: next build and next start of examples/next)',
    how: 'npm ci (next, react and react-dom are devDependencies)',
  },
  // Runtimes installed from npm: pass `found` (see `findRuntime`).
  bun: {
    what: 'the Bun interop suite (runtimes_bun)',
    how: 'npm ci (bun is a devDependency; its binary comes in the optional package @oven/bun-<platform>-<arch>)',
  },
  deno: {
    what: 'the Deno interop suite (runtimes_deno)',
    how: 'npm ci (deno is a devDependency; its binary comes in the optional package @deno/<platform>-<arch>)',
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

/**
 * Where the npm packages `bun` and `deno` put their binary, most likely first: the platform
 * package itself (what `npm ci --ignore-scripts` leaves), then the main package, into which their
 * postinstall moves (bun) or hard-links (deno) the binary. Never PATH: the suites test the
 * versions pinned in package.json, not whatever the machine has.
 */
function runtimeCandidates(name: 'bun' | 'deno'): string[] {
  const { platform, arch } = process
  const exe = platform === 'win32' ? '.exe' : ''
  // `report.header.glibcVersionRuntime` is set on glibc Linux only.
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
  const musl = platform === 'linux' && header?.glibcVersionRuntime === undefined
  if (name === 'bun') {
    const os = platform === 'win32' ? 'windows' : platform
    const cpu = arch === 'arm64' ? 'aarch64' : arch
    return [
      [`@oven/bun-${os}-${cpu}${musl ? '-musl' : ''}/package.json`, `bin/bun${exe}`],
      ['bun/package.json', `bin/bun${exe}`],
      ['bun/package.json', 'bin/bun.exe'], // the postinstall's name on every platform
    ].flatMap(([pkg, file]) => inPackage(pkg as string, file as string))
  }
  const target = platform === 'linux' ? `${platform}-${arch}-glibc` : `${platform}-${arch}`
  return [
    [`@deno/${target}/package.json`, `deno${exe}`],
    ['deno/package.json', `deno${exe}`],
  ].flatMap(([pkg, file]) => inPackage(pkg as string, file as string))
}

/** `file` inside the installed package whose package.json is `pkg`, or nothing. */
function inPackage(pkg: string, file: string): string[] {
  const manifest = findModule(pkg)
  return manifest === undefined ? [] : [join(dirname(manifest), file)]
}

/**
 * The binary of the `bun` or `deno` devDependency, resolved from node_modules (never PATH), or
 * undefined: the `found` of `requires` for the runtime suites. A candidate counts once it runs:
 * bun's package ships a placeholder `bin/bun.exe` that only its postinstall replaces.
 * @example
 * const test = requires('bun', findRuntime('bun'))
 */
export function findRuntime(name: 'bun' | 'deno'): string | undefined {
  for (const path of runtimeCandidates(name)) {
    if (findProgram(path) === undefined) continue
    const probe = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 })
    if (probe.status === 0) return path
  }
  return undefined
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
 * ava's `test` when `program` (a name on PATH or an absolute path) is installed, or when `found`
 * (given: the path a lookup found, or undefined) is not undefined; otherwise a `test` that skips
 * everything it is given, after printing one line saying what and why.
 */
export function requires<Context = unknown>(
  program: keyof typeof PROGRAMS,
  ...given: [found?: string | undefined]
): TestFn<Context> {
  // Only an omitted `found` searches PATH: an explicit undefined (a package or runtime looked up
  // in node_modules and not there) is missing, not a reason to run whatever PATH holds.
  const found = given.length > 0 ? given[0] : findProgram(program)
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
