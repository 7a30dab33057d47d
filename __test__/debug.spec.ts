/**
 * Diagnostics under `NODE_DEBUG=keycard` (src/lib/debug.ts), on the backend of this run: which
 * backend and why, every refused session cookie with its code, cleared cookies, a Set-Cookie
 * skipped and why, store failures and timeouts; and nothing at all without NODE_DEBUG. Node reads
 * NODE_DEBUG once at start-up, so each case runs in a child process.
 *
 * Then the reason given when the native backend is unavailable: "the platform package
 * @keycard/core-<triple> is not installed" when that is so (the usual cause: npm skipped an
 * optional dependency), told apart from a binary that is there and fails to load, and from a
 * platform no binary is published for.
 */

import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { PLATFORM_TRIPLES, platformTriple, unavailableReason } from '../src/backend/native/load'
import { current, SECRET, t_ } from './helpers/backends'

const root = join(__dirname, '..')

/** Runs `code` (TypeScript through tsx) in a child process; NODE_DEBUG only when given. */
function run(code: string, env: Record<string, string> = {}, cwd = root) {
  const { KEYCARD_BACKEND, PATH } = process.env
  const out = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
    cwd,
    env: { PATH: PATH ?? '', NODE_ENV: 'test', ...(KEYCARD_BACKEND ? { KEYCARD_BACKEND } : {}), SECRET, ...env },
    encoding: 'utf8',
  })
  if (out.status !== 0) throw new Error(`child exited ${out.status}: ${out.stderr}`)
  return { stdout: out.stdout.trim(), stderr: out.stderr }
}

/** The debug lines of a child's stderr, without the `KEYCARD <pid>: ` prefix. */
function debugLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((line) => /^KEYCARD \d+: (.*)$/.exec(line)?.[1])
    .filter((line): line is string => line !== undefined)
}

/**
 * Sessions doing each thing that is logged; prints the codes onInvalid received and the error
 * codes thrown, as JSON, so that the test can hold the log to what really happened.
 */
const SESSIONS = `
const http = require('node:http')
const { SessionManager } = require('./src/sessions/manager.ts')
const { memoryStore } = require('./src/sessions/stores/memory.ts')
const secret = process.env.SECRET
const first = (lines) => lines[0].split(';')[0]
;(async () => {
  // Keeps the process up while a store call hangs (storeCall's own timer does not).
  const alive = setInterval(() => {}, 1000)
  const invalid = []
  const thrown = []
  const onInvalid = (code) => invalid.push(code)

  // Refused by the cookie transport: garbage, then a sealed cookie altered by one character.
  const cookies = new SessionManager({ secret, onInvalid })
  await cookies.load('keycard=not-a-sealed-value')
  const made = await cookies.load(undefined)
  made.n = 1
  const sealed = first(await cookies.commit(made))
  // One character of the tag changed, not the last (whose spare bits strict base64 refuses): ERR_DECRYPT.
  const i = sealed.length - 8
  await cookies.load(sealed.slice(0, i) + (sealed[i] === 'A' ? 'B' : 'A') + sealed.slice(i + 1))

  // A session over two chunks, then smaller: the stale chunk is cleared.
  const big = await cookies.load(undefined)
  big.blob = 'x'.repeat(6000)
  const chunks = (await cookies.commit(big)).map((l) => l.split(';')[0]).join('; ')
  const smaller = await cookies.load(chunks)
  smaller.blob = 'small'
  await cookies.commit(smaller)

  // Refused by the manager: expired (the clock moved past the idle timeout); its cookie is cleared.
  let clock = Date.now()
  const memory = new SessionManager({ secret, store: memoryStore(), ttl: '1h', now: () => clock, onInvalid })
  const s = await memory.load(undefined)
  s.user = 'ada'
  const id = first(await memory.commit(s))
  clock += 2 * 3600 * 1000
  await memory.commit(await memory.load(id))

  // Lost meanwhile: one request destroys the session, a concurrent one writes and gets no Set-Cookie.
  clock = Date.now()
  const t = await memory.load(undefined)
  t.user = 'ada'
  const tid = first(await memory.commit(t))
  const [a, b] = [await memory.load(tid), await memory.load(tid)]
  a.destroy()
  await memory.commit(a)
  b.lastSeen = 1
  const skipped = await memory.commit(b)

  // A store that stops answering, and one that fails.
  let hang = false
  const records = new Map()
  const slow = {
    kind: 'server',
    get: (key) => (hang ? new Promise(() => {}) : records.get(key)),
    set: async (key, value) => void records.set(key, value),
    destroy: async (key) => void records.delete(key),
  }
  const slowManager = new SessionManager({ secret, store: slow, storeTimeout: 50 })
  const u = await slowManager.load(undefined)
  u.n = 1
  const uid = first(await slowManager.commit(u))
  hang = true
  await slowManager.load(uid).catch((err) => thrown.push(err.code))
  const failing = { ...slow, get: async () => { throw new Error('connection refused') } }
  await new SessionManager({ secret, store: failing }).load(uid).catch((err) => thrown.push(err.code))

  // Express: headers sent before the commit, so its Set-Cookie cannot go.
  const app = require('express')()
  app.use(require('./src/sessions/adapters/express.ts').session({ secret }))
  app.get('/', (req, res) => {
    req.session.n = 1
    res.write('streamed')
    res.end()
  })
  const server = http.createServer(app).listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const setCookie = await new Promise((resolve) =>
    http.get({ host: '127.0.0.1', port: server.address().port, path: '/' }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.headers['set-cookie'] ?? []))
    }),
  )
  server.close()
  clearInterval(alive)
  console.log(JSON.stringify({ invalid, thrown, skipped, streamedCookies: setCookie.length }))
})().catch((err) => { console.error(err); process.exit(1) })
`

test(
  t_(
    'debug: NODE_DEBUG=keycard logs the backend, refused cookies with their codes, cleared and skipped Set-Cookie, store failures',
  ),
  (t) => {
    const { stdout, stderr } = run(SESSIONS, { NODE_DEBUG: 'keycard' })
    const result = JSON.parse(stdout)
    // What happened, as the API reports it...
    t.deepEqual(result, {
      invalid: ['ERR_BAD_FORMAT', 'ERR_DECRYPT', 'ERR_EXPIRED'],
      thrown: ['ERR_STORE_UNAVAILABLE', 'ERR_STORE_UNAVAILABLE'],
      skipped: [],
      streamedCookies: 0,
    })
    // ...and what the log says about it, in order.
    const lines = debugLines(stderr)
    const expectedBackend = process.env.KEYCARD_BACKEND ? `KEYCARD_BACKEND=${current}` : 'native binding loaded'
    t.true(lines[0]?.startsWith(`backend: ${current} (${expectedBackend}`), lines[0])
    const expected = [
      'session cookie keycard refused: ERR_BAD_FORMAT',
      'session cookie keycard refused: ERR_DECRYPT',
      'clearing cookies keycard.1, keycard.2: the session needs fewer chunks now',
      'session cookie keycard refused: ERR_EXPIRED',
      'clearing cookies keycard: the session was destroyed, or its cookie refused, and nothing replaces it',
      'no Set-Cookie for session cookie keycard: another request regenerated or destroyed this session meanwhile; its newer cookie must stand',
      'session store did not answer within 50 ms (storeTimeout): ERR_STORE_UNAVAILABLE',
      'session store failed: connection refused: ERR_STORE_UNAVAILABLE',
      'Set-Cookie for keycard skipped: the response headers were already sent (call commitSession before the first write)',
    ]
    // Every line above, in this order, among the log's (the destroy of the "lost" case logs its clearing too).
    let at = 0
    for (const line of lines.slice(1)) if (line === expected[at]) at++
    t.is(at, expected.length, `missing from the log: ${expected[at]}\n${lines.join('\n')}`)
    t.false(
      lines.some((l) => l.includes('ERR_BAD_SIGNATURE')),
      'only what happened is logged',
    )
  },
)

test(t_('debug: without NODE_DEBUG nothing is logged, and the sessions behave the same'), (t) => {
  const { stdout, stderr } = run(SESSIONS)
  t.deepEqual(JSON.parse(stdout).invalid, ['ERR_BAD_FORMAT', 'ERR_DECRYPT', 'ERR_EXPIRED'])
  t.is(stderr, '')
  // Another section named in NODE_DEBUG does not turn keycard's on.
  t.deepEqual(debugLines(run(SESSIONS, { NODE_DEBUG: 'http2' }).stderr), [])
})

// --- Why the native backend is unavailable --------------------------------------------------------

test(
  t_('backend reason: a missing platform package, an unpublished platform and a binary that fails are three sentences'),
  (t) => {
    t.is(
      unavailableReason('linux-x64-gnu', false),
      'the platform package @keycard/core-linux-x64-gnu is not installed ' +
        '(installed without optional dependencies, or from a lockfile made on another platform? reinstall keycard here)',
    )
    t.regex(unavailableReason('darwin-arm64', false), /^the platform package @keycard\/core-darwin-arm64 is not installed /)
    t.is(unavailableReason('linux-s390x-gnu', false), 'no prebuilt binary for this platform (linux-s390x-gnu)')
    t.is(unavailableReason('freebsd-x64', false), 'no prebuilt binary for this platform (freebsd-x64)')
    t.is(unavailableReason('linux-x64-gnu', true), 'the native binary failed to load')
    t.is(platformTriple('linux', 'x64', false), 'linux-x64-gnu')
    t.is(platformTriple('linux', 'arm64', true), 'linux-arm64-musl')
    t.is(platformTriple('darwin', 'arm64'), 'darwin-arm64')
    t.is(platformTriple('win32', 'x64'), 'win32-x64-msvc')
  },
)

test(t_('backend reason: the published triples are the npm/ packages and the napi targets of package.json'), (t) => {
  const npm = readdirSync(join(root, 'npm')).sort()
  t.deepEqual([...PLATFORM_TRIPLES].sort(), npm)
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { napi: { targets: string[] } }
  // x86_64-unknown-linux-gnu → linux-x64-gnu, aarch64-apple-darwin → darwin-arm64, x86_64-pc-windows-msvc → win32-x64-msvc
  const triples = pkg.napi.targets.map((target) => {
    const [cpu, , os, abi] = target.split('-') as [string, string, string, string | undefined]
    const arch = cpu === 'x86_64' ? 'x64' : cpu === 'aarch64' ? 'arm64' : cpu
    const platform = os === 'darwin' ? 'darwin' : os === 'windows' ? 'win32' : os
    return platformTriple(platform, arch, abi === 'musl')
  })
  t.deepEqual(triples.sort(), npm)
})

/** A copy of the sources without any native binary: the loader finds nothing, as after an install that skipped it. */
function projectWithoutBinary(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'keycard-debug-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true })
  cpSync(join(root, 'native.cjs'), join(dir, 'native.cjs'))
  cpSync(join(root, 'package.json'), join(dir, 'package.json'))
  // The dependencies (tsx, hash-wasm...), none of which is a @keycard/core-* package.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}

const REPORT = `
const { backend } = require('./src/index.ts')
try { console.log(JSON.stringify(backend())) } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`

const triple = platformTriple()
const published = PLATFORM_TRIPLES.includes(triple)

test(
  t_('backend reason: without the platform package, auto falls back saying "the platform package … is not installed"'),
  (t) => {
    const dir = projectWithoutBinary(t)
    const auto = run(REPORT, { KEYCARD_BACKEND: '', NODE_DEBUG: 'keycard' }, dir)
    const info = JSON.parse(auto.stdout)
    t.is(info.name, 'fallback')
    const why = unavailableReason(triple, false)
    t.is(info.reason, `keycard native backend unavailable: ${why}; using the TypeScript fallback`)
    if (published) t.regex(info.reason, new RegExp(`the platform package @keycard/core-${triple} is not installed`))
    t.notRegex(info.reason, published ? /no prebuilt binary/ : /platform package/)
    const lines = debugLines(auto.stderr)
    t.true(lines.includes(`falling back to TypeScript: keycard native backend unavailable: ${why}`), lines.join('\n'))
    t.true(lines.includes(`backend: fallback (${info.reason})`), lines.join('\n'))
    // KEYCARD_BACKEND=native throws the same sentence.
    const forced = JSON.parse(run(REPORT, { KEYCARD_BACKEND: 'native' }, dir).stdout)
    t.deepEqual(forced, { code: 'ERR_NATIVE_UNAVAILABLE', message: `keycard native backend unavailable: ${why}` })
  },
)

test(t_('backend reason: an installed platform package that fails to load is "the native binary failed to load"'), (t) => {
  if (!published) return t.pass(`no package is published for ${triple}`)
  const dir = projectWithoutBinary(t)
  // Installed where Node looks for global modules (NODE_PATH), with an entry point that throws, as a corrupt binary does.
  const pkg = join(dir, 'global', '@keycard', `core-${triple}`)
  mkdirSync(pkg, { recursive: true })
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: `@keycard/core-${triple}`, version: '0.1.0', main: 'index.js' }),
  )
  writeFileSync(join(pkg, 'index.js'), "throw new Error('invalid ELF header')")
  const auto = run(REPORT, { KEYCARD_BACKEND: '', NODE_DEBUG: 'keycard', NODE_PATH: join(dir, 'global') }, dir)
  const info = JSON.parse(auto.stdout)
  t.is(info.name, 'fallback')
  t.is(info.reason, 'keycard native backend unavailable: the native binary failed to load; using the TypeScript fallback')
  // The loader's own error is in the log, under the reason.
  t.regex(auto.stderr, /invalid ELF header/)
})
