/**
 * Shared by the runtime suites (runtimes_workerd, runtimes_edge; runtimes_bun and runtimes_deno
 * use the app and checks at the end of this file): a tiny worker that calls keycard
 * as an app on that runtime would (`import { … } from 'keycard'`, resolved through package.json's
 * conditions from the built package), bundled with esbuild, and the interop checks every runtime
 * must pass against Node on both backends.
 */
import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { ExecutionContext } from 'ava'
import { build } from 'esbuild'
import { createCsrfToken, seal, sign, signToken, unseal, verifyCsrfToken, verifyToken } from '../../src/index'
import { sealWithNonce } from '../../src/seal'
import { session } from '../../src/sessions/adapters/fetch'
import { both, on, SECRET, SECRET_2 } from './backends'

const ROOT = resolve(__dirname, '../..')

/** The worker: one call per request, `{ fn, args }` in, `{ value }` or `{ code }` out, bytes as `{ $bytes }`. */
const WORKER = `
import {
  createCsrfTokenAsync, sealAsync, sign, signAsync, signTokenAsync, unsealAsync, unsealOrThrowAsync,
  unsignAsync, unsignOrThrowAsync, verifyCsrfTokenAsync, verifyTokenAsync, verifyTokenOrThrowAsync,
} from 'keycard'
const fns = {
  createCsrfTokenAsync, sealAsync, sign, signAsync, signTokenAsync, unsealAsync, unsealOrThrowAsync,
  unsignAsync, unsignOrThrowAsync, verifyCsrfTokenAsync, verifyTokenAsync, verifyTokenOrThrowAsync,
}
const revive = (_k, v) => (v !== null && typeof v === 'object' && Array.isArray(v.$bytes) ? new Uint8Array(v.$bytes) : v)
const dress = (v) => (v instanceof Uint8Array ? { $bytes: Array.from(v) } : v)
async function call(text) {
  const { fn, args } = JSON.parse(text, revive)
  try {
    return JSON.stringify({ value: dress(await fns[fn](...args)) })
  } catch (err) {
    return JSON.stringify({ code: err && err.code ? err.code : String(err), family: err && err.name })
  }
}
globalThis.__keycardCall = call
export default { async fetch(request) { return new Response(await call(await request.text())) } }
`

/**
 * The worker bundled as a runtime's bundler would: `keycard` resolved through the package's
 * conditions (a node_modules/keycard link to this checkout, so its package.json "exports" apply).
 * @example
 * const code = await bundleWorker(['workerd', 'worker', 'browser'], 'esm')
 */
export async function bundleWorker(conditions: string[], format: 'esm' | 'iife'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'keycard-worker-'))
  try {
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(ROOT, join(dir, 'node_modules', 'keycard'), 'dir')
    const result = await build({
      stdin: { contents: WORKER, resolveDir: dir, sourcefile: 'worker.js', loader: 'js' },
      bundle: true,
      write: false,
      format,
      platform: 'neutral',
      conditions,
      target: 'es2022',
      logLevel: 'silent',
    })
    return (result.outputFiles[0] as { text: string }).text
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** What one call in the runtime returned. */
export type Reply = { value?: unknown; code?: string; family?: string }
/** Runs `fn(...args)` in the runtime under test. */
export type Call = (fn: string, args: unknown[]) => Promise<Reply>

/**
 * JSON for the worker, bytes tagged so they arrive as a Uint8Array.
 * @example
 * encodeCall('sealAsync', [new Uint8Array([1]), secret])
 */
export function encodeCall(fn: string, args: unknown[]): string {
  return JSON.stringify({ fn, args }, (_k, v) => (v instanceof Uint8Array ? { $bytes: Array.from(v) } : v))
}

/** A reply's value, bytes back to a Uint8Array. */
const replyValue = (reply: Reply): unknown => {
  const v = reply.value as { $bytes?: number[] } | undefined
  return v !== null && typeof v === 'object' && Array.isArray(v.$bytes) ? new Uint8Array(v.$bytes) : reply.value
}

const NOW = Date.UTC(2030, 0, 1, 12)
const DATA = { uid: 42, name: 'Zoë 🌍', roles: ['admin'] }
const BYTES = new Uint8Array([0, 1, 2, 250, 255])

/**
 * The bundle must not reach the native loader or anything from Node.
 * @example
 * checkBundle(t, await bundleWorker(['workerd'], 'esm'))
 */
export function checkBundle(t: ExecutionContext, code: string): void {
  t.false(code.includes('native.cjs'), 'the native loader is not in the bundle')
  t.false(/["']node:/.test(code), 'no node: import in the bundle')
  t.false(/\brequire\s*\(/.test(code), 'no require() in the bundle')
}

/**
 * Values made on Node (each backend) open in the runtime, with the same refusals.
 * @example
 * await nodeToRuntime(t, call)
 */
export async function nodeToRuntime(t: ExecutionContext, call: Call): Promise<void> {
  for (const backend of both) {
    const name = backend.name
    const signed = on(backend, () => sign('user-42', SECRET, { purpose: 'uid' }))
    const sealed = on(backend, () => seal(DATA, SECRET, { purpose: 'session' }))
    const sealedBytes = on(backend, () => seal(BYTES, SECRET))
    const token = on(backend, () => signToken({ uid: 42 }, SECRET, { purpose: 'api', audience: 'web' }))
    const csrf = on(backend, () => createCsrfToken('sid-1', SECRET))

    t.deepEqual(await call('unsignAsync', [signed, SECRET, { purpose: 'uid' }]), { value: 'user-42' }, `${name}: signed`)
    t.deepEqual(
      await call('unsealAsync', [sealed, [SECRET_2, SECRET], { purpose: 'session' }]),
      { value: DATA },
      `${name}: sealed`,
    )
    t.deepEqual(replyValue(await call('unsealAsync', [sealedBytes, SECRET])), BYTES, `${name}: sealed bytes`)
    const claims = (await call('verifyTokenAsync', [token, SECRET, { purpose: 'api', audience: 'web' }])).value as Record<
      string,
      unknown
    >
    t.is(claims?.uid, 42, `${name}: token`)
    t.deepEqual(await call('verifyCsrfTokenAsync', [csrf, 'sid-1', SECRET]), { value: true }, `${name}: csrf`)
    // Refusals keep their codes and families across the boundary.
    t.deepEqual(
      await call('unsealOrThrowAsync', [sealed, SECRET, { purpose: 'cart' }]),
      { code: 'ERR_WRONG_PURPOSE', family: 'ClaimError' },
      `${name}: wrong purpose`,
    )
    t.deepEqual(
      await call('unsignOrThrowAsync', [signed, SECRET_2, { purpose: 'uid' }]),
      { code: 'ERR_BAD_SIGNATURE', family: 'VerificationError' },
      `${name}: other key`,
    )
    t.deepEqual(
      await call('verifyTokenOrThrowAsync', [`${token.slice(0, -2)}AA`, SECRET, { purpose: 'api', audience: 'web' }]),
      { code: 'ERR_BAD_SIGNATURE', family: 'VerificationError' },
      `${name}: forged token`,
    )
    t.deepEqual(await call('verifyCsrfTokenAsync', [csrf, 'sid-2', SECRET]), { value: false }, `${name}: csrf of another session`)
  }
}

/**
 * Values made in the runtime open on Node (each backend), and are byte-identical where the
 * format is deterministic (signed values, tokens at a fixed clock).
 * @example
 * await runtimeToNode(t, call)
 */
export async function runtimeToNode(t: ExecutionContext, call: Call): Promise<void> {
  const signed = (await call('signAsync', ['user-42', SECRET, { purpose: 'uid' }])).value as string
  const cookieSig = (await call('signAsync', ['s:abc', SECRET, { format: 'cookie-signature' }])).value as string
  const sealed = (await call('sealAsync', [DATA, SECRET, { purpose: 'session' }])).value as string
  const sealedBytes = (await call('sealAsync', [BYTES, [SECRET_2, SECRET]])).value as string
  const token = (await call('signTokenAsync', [{ uid: 42 }, SECRET, { purpose: 'api', now: NOW }])).value as string
  const csrf = (await call('createCsrfTokenAsync', ['sid-1', SECRET])).value as string
  for (const backend of both) {
    const name = backend.name
    t.is(
      signed,
      on(backend, () => sign('user-42', SECRET, { purpose: 'uid' })),
      `${name}: signed, byte-identical`,
    )
    t.is(
      cookieSig,
      on(backend, () => sign('s:abc', SECRET, { format: 'cookie-signature' })),
      `${name}: cookie-signature`,
    )
    t.deepEqual(
      on(backend, () => unseal(sealed, SECRET, { purpose: 'session' })),
      DATA,
      `${name}: sealed`,
    )
    t.deepEqual(new Uint8Array(on(backend, () => unseal(sealedBytes, SECRET_2)) as Uint8Array), BYTES, `${name}: sealed bytes`)
    t.is(
      token,
      on(backend, () => signToken({ uid: 42 }, SECRET, { purpose: 'api', now: NOW })),
      `${name}: token, byte-identical`,
    )
    t.is(on(backend, () => verifyToken(token, SECRET, { purpose: 'api', now: NOW }))?.uid, 42, `${name}: token verifies`)
    t.true(
      on(backend, () => verifyCsrfToken(csrf, 'sid-1', SECRET)),
      `${name}: csrf`,
    )
  }
  // The synchronous primitive is refused there, naming its twin.
  t.deepEqual(await call('sign', ['v', SECRET]), { code: 'ERR_UNSUPPORTED_RUNTIME', family: 'BackendError' })
}

// --- Runtimes that resolve the Node entries (Bun, Deno) ----------------------------------------

/**
 * The app that runs in Bun or Deno: `keycard`, `keycard/fetch` and `keycard/testing` imported as an
 * app there would, served by the runtime's own server (Bun.serve, Deno.serve). POST /call runs one
 * call as the worker above does (sync primitives, async twins, `backend`, `sealWithNonce`); GET
 * /views is a keycard/fetch handler on the default cookie store that counts views.
 */
const SERVER = `
import * as keycard from 'keycard'
import { session } from 'keycard/fetch'
import { sealWithNonce } from 'keycard/testing'
const fns = { ...keycard, sealWithNonce }
const revive = (_k, v) => (v !== null && typeof v === 'object' && Array.isArray(v.$bytes) ? new Uint8Array(v.$bytes) : v)
const dress = (v) => (v instanceof Uint8Array ? { $bytes: Array.from(v) } : v)
async function call(text) {
  const { fn, args } = JSON.parse(text, revive)
  try {
    return JSON.stringify({ value: dress(await fns[fn](...args)) })
  } catch (err) {
    return JSON.stringify({ code: err && err.code ? err.code : String(err), family: err && err.name })
  }
}
const sessions = session({ secret: process.env.KEYCARD_TEST_SECRET })
async function handle(request) {
  const { pathname } = new URL(request.url)
  if (pathname === '/call') return new Response(await call(await request.text()))
  if (pathname === '/views') {
    const s = await sessions.load(request)
    s.views = (s.views ?? 0) + 1
    return sessions.commit(s, new Response(String(s.views)))
  }
  return new Response('not found', { status: 404 })
}
const listen = { hostname: '127.0.0.1', port: 0 }
const port = typeof Bun !== 'undefined'
  ? Bun.serve({ ...listen, fetch: handle }).port
  : Deno.serve({ ...listen, onListen() {} }, handle).addr.port
const runtime = typeof Bun !== 'undefined' ? 'bun ' + Bun.version : 'deno ' + Deno.version.deno
console.log(JSON.stringify({ port, runtime }))
`

/**
 * A new app directory with keycard installed as npm installs it: a copy of the files the package
 * publishes and runs (package.json, native.cjs, dist/: `npm run build:ts` first), its dependencies
 * linked from this checkout, and the platform package `@keycard/core-<triple>` with the binary
 * built here when there is one. A copy, not a link to the checkout: Deno follows a link to its
 * real path, outside any node_modules, and then loads dist/*.js as ES modules. Also a deno.json
 * (`nodeModulesDir: "manual"`: use this node_modules as it is) and the server above, server.mjs.
 * Remove it with `rmSync(dir, { recursive: true, force: true })`.
 * @example
 * const dir = installKeycardApp()
 * spawn(bunPath, ['server.mjs'], { cwd: dir })
 */
export function installKeycardApp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keycard-app-'))
  const modules = join(dir, 'node_modules')
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string
    dependencies?: Record<string, string>
  }
  const pkg = join(modules, 'keycard')
  mkdirSync(pkg, { recursive: true })
  for (const file of ['package.json', 'native.cjs', 'dist']) cpSync(join(ROOT, file), join(pkg, file), { recursive: true })
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    mkdirSync(dirname(join(modules, name)), { recursive: true })
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir')
  }
  const binary = readdirSync(ROOT).find((name) => /^keycard\..+\.node$/.test(name))
  if (binary !== undefined) {
    const triple = binary.slice('keycard.'.length, -'.node'.length)
    const platform = join(modules, '@keycard', `core-${triple}`)
    mkdirSync(platform, { recursive: true })
    cpSync(join(ROOT, 'npm', triple, 'package.json'), join(platform, 'package.json'))
    cpSync(join(ROOT, binary), join(platform, binary))
  }
  const app = { name: 'keycard-runtime-app', private: true, type: 'module', dependencies: { keycard: manifest.version } }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(app))
  writeFileSync(join(dir, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual' }))
  writeFileSync(join(dir, 'server.mjs'), SERVER)
  return dir
}

/** The app's server running in a runtime: its origin, a `Call` into it, and how to stop it. */
export interface RuntimeServer {
  /** `http://127.0.0.1:<port>` */
  origin: string
  /** What the runtime says it is: `bun 1.4.5`, `deno 2.9.6`. */
  runtime: string
  call: Call
  stop(): Promise<void>
}

/**
 * Starts the app of `installKeycardApp` with `argv` (the runtime and its flags; server.mjs is
 * appended) in `dir`. The environment is this one without keycard's or Node's settings, plus
 * `env` (e.g. `KEYCARD_BACKEND`). Rejects with the runtime's stderr when it does not come up.
 * @example
 * const server = await startRuntime([bunPath], dir, { KEYCARD_BACKEND: 'native' })
 * await server.call('backend', []) // { value: { name: 'native', … } }
 */
export async function startRuntime(argv: string[], dir: string, env: Record<string, string>): Promise<RuntimeServer> {
  const base: Record<string, string | undefined> = { ...process.env }
  for (const name of Object.keys(base)) if (name.startsWith('KEYCARD_') || name.startsWith('NODE_')) delete base[name]
  const child = spawn(argv[0] as string, [...argv.slice(1), 'server.mjs'], {
    cwd: dir,
    env: { ...base, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', KEYCARD_TEST_SECRET: SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  const ready = await new Promise<{ port: number; runtime: string }>((done, fail) => {
    let stdout = ''
    const failed = (why: string) => fail(new Error(`${argv.join(' ')} server.mjs: ${why}\n${stderr}`))
    const timer = setTimeout(() => failed('no port after 30 s'), 30_000)
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const line = stdout.split('\n')[0] as string
      if (stdout.includes('\n')) {
        clearTimeout(timer)
        done(JSON.parse(line))
      }
    })
    child.once('error', (err) => failed(err.message))
    child.once('exit', (code) => failed(`exited with ${code}`))
  }).catch(async (err) => {
    child.kill()
    await exited
    throw err
  })
  const origin = `http://127.0.0.1:${ready.port}`
  return {
    origin,
    runtime: ready.runtime,
    async call(fn, args) {
      const response = await fetch(`${origin}/call`, { method: 'POST', body: encodeCall(fn, args) })
      return JSON.parse(await response.text()) as Reply
    },
    async stop() {
      child.kill()
      await exited
    },
  }
}

const NONCE = new Uint8Array(12).fill(7)

/**
 * For runtimes on the Node entries, where the sync primitives run too: what Node makes (each
 * backend) opens there through the sync primitives, with the same refusals.
 * @example
 * await nodeToNodeEntry(t, server.call)
 */
export async function nodeToNodeEntry(t: ExecutionContext, call: Call): Promise<void> {
  for (const backend of both) {
    const name = backend.name
    const signed = on(backend, () => sign('user-42', SECRET, { purpose: 'uid' }))
    const sealed = on(backend, () => seal(DATA, SECRET, { purpose: 'session' }))
    const sealedBytes = on(backend, () => seal(BYTES, SECRET))
    const token = on(backend, () => signToken({ uid: 42 }, SECRET, { purpose: 'api', now: NOW }))
    const csrf = on(backend, () => createCsrfToken('sid-1', SECRET))
    t.deepEqual(await call('unsign', [signed, SECRET, { purpose: 'uid' }]), { value: 'user-42' }, `${name}: signed`)
    t.deepEqual(await call('unseal', [sealed, [SECRET_2, SECRET], { purpose: 'session' }]), { value: DATA }, `${name}: sealed`)
    t.deepEqual(replyValue(await call('unseal', [sealedBytes, SECRET])), BYTES, `${name}: sealed bytes`)
    const claims = (await call('verifyToken', [token, SECRET, { purpose: 'api', now: NOW }])).value as Record<string, unknown>
    t.is(claims?.uid, 42, `${name}: token`)
    t.deepEqual(await call('verifyCsrfToken', [csrf, 'sid-1', SECRET]), { value: true }, `${name}: csrf`)
    t.deepEqual(
      await call('unsealOrThrow', [sealed, SECRET, { purpose: 'cart' }]),
      { code: 'ERR_WRONG_PURPOSE', family: 'ClaimError' },
      `${name}: wrong purpose`,
    )
    t.deepEqual(
      await call('verifyTokenOrThrow', [`${token.slice(0, -2)}AA`, SECRET, { purpose: 'api', now: NOW }]),
      { code: 'ERR_BAD_SIGNATURE', family: 'VerificationError' },
      `${name}: forged token`,
    )
  }
}

/**
 * For runtimes on the Node entries: what the runtime makes, with the sync primitives and the async
 * twins, opens on Node (each backend) and is byte-identical where deterministic: signed values,
 * tokens at a fixed clock, and seals with a given nonce (`sealWithNonce` of keycard/testing).
 * @example
 * await nodeEntryToNode(t, server.call)
 */
export async function nodeEntryToNode(t: ExecutionContext, call: Call): Promise<void> {
  const made = async (fn: string, args: unknown[]) => (await call(fn, args)).value as string
  const signed = await made('sign', ['user-42', SECRET, { purpose: 'uid' }])
  const signedAsync = await made('signAsync', ['user-42', SECRET, { purpose: 'uid' }])
  const cookieSig = await made('sign', ['s:abc', SECRET, { format: 'cookie-signature' }])
  const fixedOptions = { purpose: 'session', now: NOW, ttl: 3_600_000 }
  const sealedFixed = await made('sealWithNonce', [DATA, SECRET, fixedOptions, NONCE])
  const sealed = await made('seal', [DATA, SECRET, { purpose: 'session' }])
  const sealedAsync = await made('sealAsync', [BYTES, [SECRET_2, SECRET]])
  const token = await made('signToken', [{ uid: 42 }, SECRET, { purpose: 'api', now: NOW }])
  const tokenAsync = await made('signTokenAsync', [{ uid: 42 }, SECRET, { purpose: 'api', now: NOW }])
  const csrf = await made('createCsrfToken', ['sid-1', SECRET])
  for (const backend of both) {
    const name = backend.name
    t.is(
      signed,
      on(backend, () => sign('user-42', SECRET, { purpose: 'uid' })),
      `${name}: signed, byte-identical`,
    )
    t.is(signedAsync, signed, `${name}: signAsync, byte-identical`)
    t.is(
      cookieSig,
      on(backend, () => sign('s:abc', SECRET, { format: 'cookie-signature' })),
      `${name}: cookie-signature`,
    )
    t.is(
      sealedFixed,
      on(backend, () => sealWithNonce(DATA, SECRET, fixedOptions, NONCE)),
      `${name}: sealed with a given nonce, byte-identical`,
    )
    t.deepEqual(
      on(backend, () => unseal(sealed, SECRET, { purpose: 'session' })),
      DATA,
      `${name}: sealed`,
    )
    t.deepEqual(new Uint8Array(on(backend, () => unseal(sealedAsync, SECRET_2)) as Uint8Array), BYTES, `${name}: sealAsync`)
    t.is(
      token,
      on(backend, () => signToken({ uid: 42 }, SECRET, { purpose: 'api', now: NOW })),
      `${name}: token, byte-identical`,
    )
    t.is(tokenAsync, token, `${name}: signTokenAsync, byte-identical`)
    t.true(
      on(backend, () => verifyCsrfToken(csrf, 'sid-1', SECRET)),
      `${name}: csrf`,
    )
  }
}

/** The `name=value` of the session cookie a response sets, or undefined. */
function sessionCookie(response: Response): string | undefined {
  const set = response.headers.getSetCookie().find((cookie) => cookie.startsWith('keycard='))
  return set?.split(';')[0]
}

/**
 * A keycard/fetch session cookie (the default cookie store) goes both ways between the runtime's
 * server and keycard/fetch on Node (the backend of this run): each side reads the other's
 * `views` and sets the next. A cookie one byte off is a new session there, not an error.
 * @example
 * await sessionInterop(t, server.origin)
 */
export async function sessionInterop(t: ExecutionContext, origin: string): Promise<void> {
  const sessions = session<{ views?: number }>({ secret: SECRET })
  const inRuntime = async (cookie?: string) => {
    const response = await fetch(`${origin}/views`, { headers: cookie === undefined ? {} : { cookie } })
    return { views: await response.text(), cookie: sessionCookie(response) }
  }
  const onNode = async (cookie?: string) => {
    const s = await sessions.load(new Request('http://127.0.0.1/views', { headers: cookie === undefined ? {} : { cookie } }))
    s.views = (s.views ?? 0) + 1
    const response = await sessions.commit(s, new Response(String(s.views)))
    return { views: await response.text(), cookie: sessionCookie(response) }
  }
  const first = await inRuntime()
  t.is(first.views, '1', 'a request with no cookie: a new session there')
  t.truthy(first.cookie, 'the runtime sets the session cookie')
  const second = await onNode(first.cookie)
  t.is(second.views, '2', "Node reads the runtime's cookie")
  t.is((await inRuntime(second.cookie)).views, '3', "the runtime reads Node's cookie")
  const fresh = await onNode()
  t.is((await inRuntime(fresh.cookie)).views, '2', 'a session begun on Node goes on there')
  const cookie = first.cookie as string
  const tampered = `${cookie.slice(0, -1)}${cookie.endsWith('A') ? 'B' : 'A'}`
  t.is((await inRuntime(tampered)).views, '1', 'a tampered cookie: a new session, not an error')
}

// --- Sessions on the Web Crypto bundles (runtimes_sessions_workerd, runtimes_sessions_edge) -------

/**
 * A worker with keycard/fetch (cookie store at /fetch/*, memory store at /memory/*) and
 * keycard/hono (/hono/*) sessions, resolved through the package's web conditions. Each path's
 * last part is what the request does to its session. `__keycardFetch` is for the Edge runtime's
 * VM (no HTTP there): the same handler, the response as JSON.
 */
const SESSION_WORKER = `
import { Hono } from 'hono'
import { session } from 'keycard/fetch'
import { session as honoSession } from 'keycard/hono'
import { memoryStore } from 'keycard/sessions'
const SECRET = __SECRET__
const cookieSessions = session({ secret: SECRET })
const memorySessions = session({ secret: SECRET, store: memoryStore(), cookie: { name: 'kcmem' } })
async function act(s, action) {
  if (action === 'views') s.views = (s.views ?? 0) + 1
  else if (action === 'destroy') s.destroy()
  else if (action === 'big') s.big = 'x'.repeat(6000)
  else if (action === 'ttl') { s.setTtl('2h'); s.views = s.views ?? 0 }
  else if (action === 'browser') { s.setPersistent(false); s.views = s.views ?? 0 }
  return JSON.stringify({ views: s.views ?? 0, big: s.big === undefined ? 0 : s.big.length })
}
const app = new Hono()
app.use('/hono/*', honoSession({ secret: SECRET }))
app.all('/hono/:action', async (c) => c.text(await act(c.get('session'), c.req.param('action'))))
/** What the web bundles refuse, as the error code each gives. */
function refusals(s) {
  const codeOf = (fn) => { try { fn(); return 'none' } catch (err) { return err.code } }
  return JSON.stringify({
    csrfToken: codeOf(() => s.csrfToken()),
    noSecret: codeOf(() => session({})),
    shortSecret: codeOf(() => session({ secret: 'short' })),
    migrateFrom: codeOf(() => session({ secret: SECRET, migrateFrom: { expressSession: { store: {}, secret: 'x'.repeat(32) } } })),
  })
}
async function handle(request) {
  const [, kind, action] = new URL(request.url).pathname.split('/')
  try {
    if (kind === 'refusals') return new Response(refusals(await cookieSessions.load(request)))
    if (kind === 'hono') return await app.fetch(request)
    const sessions = kind === 'memory' ? memorySessions : cookieSessions
    const s = await sessions.load(request)
    return await sessions.commit(s, new Response(await act(s, action)))
  } catch (err) {
    return new Response(JSON.stringify({ code: err && err.code ? err.code : String(err) }), { status: 500 })
  }
}
globalThis.__keycardFetch = async (url, cookie) => {
  const response = await handle(new Request(url, { headers: cookie ? { cookie } : {} }))
  return JSON.stringify({ status: response.status, body: await response.text(), setCookie: response.headers.getSetCookie() })
}
export default { fetch: handle }
`

/**
 * SESSION_WORKER bundled as a runtime's bundler would (keycard and hono linked into a temporary
 * node_modules, so keycard's package.json "exports" apply).
 * @example
 * const code = await bundleSessionWorker(['workerd', 'worker', 'browser'], 'esm')
 */
export async function bundleSessionWorker(conditions: string[], format: 'esm' | 'iife'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'keycard-session-worker-'))
  try {
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(ROOT, join(dir, 'node_modules', 'keycard'), 'dir')
    symlinkSync(join(ROOT, 'node_modules', 'hono'), join(dir, 'node_modules', 'hono'), 'dir')
    const result = await build({
      stdin: {
        contents: SESSION_WORKER.replace('__SECRET__', JSON.stringify(SECRET)),
        resolveDir: dir,
        sourcefile: 'worker.js',
        loader: 'js',
      },
      bundle: true,
      write: false,
      format,
      platform: 'neutral',
      conditions,
      target: 'es2022',
      logLevel: 'silent',
    })
    return (result.outputFiles[0] as { text: string }).text
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * An app directory as `installKeycardApp` makes it, hono linked in too, whose server.mjs serves
 * SESSION_WORKER's handler with the runtime's own server (Deno.serve, Bun.serve): the same
 * session behaviour on the runtimes that resolve the Node entries.
 * @example
 * const dir = installSessionApp()
 * const server = await startRuntime([denoPath, 'run', ...permissions], dir, {})
 */
export function installSessionApp(): string {
  const dir = installKeycardApp()
  symlinkSync(join(ROOT, 'node_modules', 'hono'), join(dir, 'node_modules', 'hono'), 'dir')
  const serve = `
const listen = { hostname: '127.0.0.1', port: 0 }
const port = typeof Bun !== 'undefined'
  ? Bun.serve({ ...listen, fetch: handle }).port
  : Deno.serve({ ...listen, onListen() {} }, handle).addr.port
const runtime = typeof Bun !== 'undefined' ? 'bun ' + Bun.version : 'deno ' + Deno.version.deno
console.log(JSON.stringify({ port, runtime }))
`
  const source = SESSION_WORKER.replace('__SECRET__', JSON.stringify(SECRET)).replace('export default { fetch: handle }', serve)
  writeFileSync(join(dir, 'server.mjs'), source)
  return dir
}

/** A response of the session worker: its status, body and Set-Cookie lines. */
export interface SessionReply {
  status: number
  body: string
  setCookie: string[]
}

/** One request to the session worker at `path` (e.g. `/fetch/views`) with a Cookie header. */
export type SessionSend = (path: string, cookie: string | undefined) => Promise<SessionReply>

/**
 * A browser's cookie jar, enough for these tests: Set-Cookie lines applied (an empty value or
 * Max-Age=0 deletes), and the Cookie header sent back.
 * @example
 * const jar = new Jar(); jar.apply(reply.setCookie); await send('/fetch/views', jar.header())
 */
export class Jar {
  readonly cookies = new Map<string, string>()

  apply(lines: readonly string[]): void {
    for (const line of lines) {
      const pair = line.split(';')[0] as string
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      if (value === '' || /;\s*max-age=0(;|$)/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  header(): string | undefined {
    if (this.cookies.size === 0) return undefined
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

/** `send`, through `jar`, with the reply's JSON body parsed. */
async function through(send: SessionSend, jar: Jar, path: string): Promise<{ reply: SessionReply; views: number; big: number }> {
  const reply = await send(path, jar.header())
  jar.apply(reply.setCookie)
  const body = reply.status === 200 ? (JSON.parse(reply.body) as { views: number; big: number }) : { views: -1, big: -1 }
  return { reply, ...body }
}

/**
 * The session behaviour of one adapter in the runtime (`kind`: fetch, hono or memory): a counter
 * round trip, destroy, a tampered cookie, a chunked ~6 KB session, setTtl and setPersistent.
 * @example
 * await sessionBehaviour(t, send, 'fetch')
 */
export async function sessionBehaviour(t: ExecutionContext, send: SessionSend, kind: string): Promise<void> {
  const name = kind === 'memory' ? 'kcmem' : 'keycard'
  const jar = new Jar()
  const views: number[] = []
  for (let i = 0; i < 3; i++) views.push((await through(send, jar, `/${kind}/views`)).views)
  t.deepEqual(views, [1, 2, 3], `${kind}: a counter round trip`)

  const destroyed = await through(send, jar, `/${kind}/destroy`)
  t.true(
    destroyed.reply.setCookie.some((line) => line.startsWith(`${name}=;`)),
    `${kind}: destroy clears the cookie`,
  )
  t.is((await through(send, jar, `/${kind}/views`)).views, 1, `${kind}: after destroy, a new session`)
  t.is((await through(send, jar, `/${kind}/views`)).views, 2)

  const value = jar.cookies.get(name) as string
  const tampered = new Jar()
  tampered.cookies.set(name, `${value.slice(0, 20)}${value[20] === 'A' ? 'B' : 'A'}${value.slice(21)}`)
  const refused = await through(send, tampered, `/${kind}/views`)
  t.is(refused.reply.status, 200, `${kind}: a tampered cookie is no error`)
  t.is(refused.views, 1, `${kind}: a tampered cookie gives a fresh session`)

  const big = await through(send, jar, `/${kind}/big`)
  if (kind !== 'memory') t.true(jar.cookies.has(`${name}.1`), `${kind}: a ~6 KB session is chunked over cookies`)
  t.true(
    big.reply.setCookie.every((line) => line.length <= 4096),
    `${kind}: every Set-Cookie line fits 4096 bytes`,
  )
  const back = await through(send, jar, `/${kind}/views`)
  t.is(back.big, 6000, `${kind}: the chunked session comes back whole`)
  t.is(back.views, 3, `${kind}: with the rest of its data`)

  const ttl = await through(send, jar, `/${kind}/ttl`)
  t.regex(ttl.reply.setCookie[0] ?? '', /; Max-Age=7200;/, `${kind}: setTtl('2h') sets Max-Age 7200`)
  const browser = await through(send, jar, `/${kind}/browser`)
  t.notRegex(browser.reply.setCookie[0] ?? '', /Max-Age|Expires/, `${kind}: setPersistent(false) is a browser-session cookie`)
  t.is((await through(send, jar, `/${kind}/views`)).views, 4, `${kind}: and the session goes on`)
}

/**
 * What the web bundles cannot do is a typed error, never a crash or a silent acceptance:
 * `session.csrfToken()` (a synchronous HMAC) and `migrateFrom` are ERR_UNSUPPORTED_RUNTIME; a
 * missing or short secret fails at `session()` with Node's codes.
 * @example
 * await sessionRefusals(t, send)
 */
export async function sessionRefusals(t: ExecutionContext, send: SessionSend): Promise<void> {
  const reply = await send('/refusals/', undefined)
  t.deepEqual(JSON.parse(reply.body), {
    csrfToken: 'ERR_UNSUPPORTED_RUNTIME',
    noSecret: 'ERR_NO_SECRET',
    shortSecret: 'ERR_KEY_TOO_SHORT',
    migrateFrom: 'ERR_UNSUPPORTED_RUNTIME',
  })
}

/**
 * A cookie session crosses between the runtime and keycard/fetch on Node, on each Node backend,
 * both ways and back: Node (backend) -> runtime -> Node. The runtime's fetch and Hono adapters
 * share the cookie, so the Hono side is crossed too.
 * @example
 * await sessionCrossing(t, send)
 */
export async function sessionCrossing(t: ExecutionContext, send: SessionSend): Promise<void> {
  const sessions = session<{ views?: number }>({ secret: SECRET })
  // On Node the cookie store is synchronous: loadMaybeSync/commitMaybeSync run inside on(backend).
  const onNode = (backend: (typeof both)[number], cookie: string | undefined) =>
    on(backend, () => {
      const s = sessions.manager.loadMaybeSync(cookie) as Awaited<ReturnType<typeof sessions.load>>
      s.views = (s.views ?? 0) + 1
      const lines = sessions.manager.commitMaybeSync(s) as string[]
      return { views: s.views, cookie: lines[0]?.split(';')[0] }
    })
  for (const backend of both) {
    const made = onNode(backend, undefined)
    t.is(made.views, 1)
    const there = await send('/fetch/views', made.cookie)
    t.is(JSON.parse(there.body).views, 2, `${backend.name}: a session made on Node goes on in the runtime (fetch)`)
    const jar = new Jar()
    jar.apply(there.setCookie)
    const hono = await send('/hono/views', jar.header())
    t.is(JSON.parse(hono.body).views, 3, `${backend.name}: and in its Hono app`)
    jar.apply(hono.setCookie)
    const home = onNode(backend, jar.header())
    t.is(home.views, 4, `${backend.name}: the runtime's cookie goes on on Node`)
  }
}
