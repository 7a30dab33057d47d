/**
 * Shared by the runtime suites (runtimes_workerd, runtimes_edge): a tiny worker that calls keycard
 * as an app on that runtime would (`import { … } from 'keycard'`, resolved through package.json's
 * conditions from the built package), bundled with esbuild, and the interop checks every runtime
 * must pass against Node on both backends.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { ExecutionContext } from 'ava'
import { build } from 'esbuild'
import { createCsrfToken, seal, sign, signToken, unseal, verifyCsrfToken, verifyToken } from '../../src/index'
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
