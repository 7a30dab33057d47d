import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { loadNative } from '../src/backend/native/load'
import { fromNativeError } from '../src/errors'
import { BackendError, backend, KeyError, sign } from '../src/index'
import { both, current, SECRET, t_, testNative } from './helpers/backends'

const root = join(__dirname, '..')

/** Runs a CommonJS snippet against the built package in `dir`, returning parsed JSON output. */
function probe(dir: string, env: Record<string, string>, code: string) {
  const out = spawnSync(process.execPath, ['-e', code], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  })
  return { json: out.stdout.trim() ? JSON.parse(out.stdout) : undefined, stderr: out.stderr, status: out.status }
}

const REPORT = `
const kc = require('./dist/index.js')
try { const b = kc.backend(); console.log(JSON.stringify({ ok: true, ...b, signed: kc.sign('v', '${SECRET}') })) }
catch (e) { console.log(JSON.stringify({ ok: false, code: e.code, name: e.name, message: e.message, cause: e.cause && (e.cause.code || e.cause.message) })) }`

/** A copy of the built package without (or with a broken) native binary. */
function packageCopy(t: { teardown(fn: () => void): void }, brokenBinary: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'keycard-backend-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true })
  cpSync(join(root, 'native.cjs'), join(dir, 'native.cjs'))
  cpSync(join(root, 'package.json'), join(dir, 'package.json'))
  if (brokenBinary) writeFileSync(join(dir, `keycard.${process.platform}-${process.arch}-gnu.node`), 'not an ELF file')
  return dir
}

test(t_('backend: reports the backend KEYCARD_BACKEND asked for, with reason and version'), (t) => {
  const info = backend()
  t.is(info.name, current)
  t.is(info.name, process.env.KEYCARD_BACKEND === 'fallback' ? 'fallback' : 'native')
  t.regex(info.version, /^\d+\.\d+\.\d+/)
  t.true(info.reason.length > 0)
  if (process.env.KEYCARD_BACKEND) t.is(info.reason, `KEYCARD_BACKEND=${process.env.KEYCARD_BACKEND}`)
})

test(t_('backend: an invalid KEYCARD_BACKEND is a configuration error'), (t) => {
  const { json } = probe(root, { KEYCARD_BACKEND: 'rust' }, REPORT)
  t.like(json, { ok: false, code: 'ERR_BAD_CONFIG', name: 'ParameterError' })
})

test(t_('backend: without a binary, auto falls back quietly and native throws ERR_NATIVE_UNAVAILABLE'), (t) => {
  const dir = packageCopy(t, false)
  const auto = probe(dir, {}, REPORT)
  t.like(auto.json, { ok: true, name: 'fallback' })
  t.regex(auto.json.reason, /the platform package @keycard\/core-\S+ is not installed/)
  t.is(auto.stderr, '', 'falling back is silent by default')
  // The fallback signs exactly what the native backend of the main checkout signs.
  t.is(auto.json.signed, sign('v', SECRET))

  const debug = probe(dir, { NODE_DEBUG: 'keycard' }, REPORT)
  t.regex(debug.stderr, /KEYCARD \d+: falling back to TypeScript/)

  const forced = probe(dir, { KEYCARD_BACKEND: 'native' }, REPORT)
  t.like(forced.json, { ok: false, code: 'ERR_NATIVE_UNAVAILABLE', name: 'BackendError' })
  t.truthy(forced.json.cause, 'the loader error is kept as cause')

  const fallbackOnly = probe(dir, { KEYCARD_BACKEND: 'fallback' }, REPORT)
  t.like(fallbackOnly.json, { ok: true, name: 'fallback', reason: 'KEYCARD_BACKEND=fallback' })
})

test(t_('backend: a binary that exists but cannot load is reported, not hidden'), (t) => {
  const dir = packageCopy(t, true)
  const auto = probe(dir, {}, REPORT)
  t.like(auto.json, { ok: true, name: 'fallback' })
  t.regex(auto.json.reason, /failed to load/)
  const forced = probe(dir, { KEYCARD_BACKEND: 'native' }, REPORT)
  t.like(forced.json, { ok: false, code: 'ERR_NATIVE_UNAVAILABLE' })
})

test(t_('backend: native failures arrive as the same typed codes as the fallback'), (t) => {
  for (const be of both) {
    const err = t.throws(() => be.createMacKeys([Buffer.alloc(31)], null, false), { instanceOf: KeyError })
    t.is(err?.code, 'ERR_KEY_TOO_SHORT', be.name)
    t.throws(() => be.hkdfSha256(Buffer.alloc(32), Buffer.alloc(0), Buffer.alloc(0), 8161), { code: 'ERR_PARAMS_OUT_OF_RANGE' })
    t.throws(() => be.randomId(8), { code: 'ERR_PARAMS_OUT_OF_RANGE' })
  }
})

testNative(t_('backend: a Rust panic becomes ERR_INTERNAL and Node keeps running'), (t) => {
  const loaded = loadNative()
  if (!loaded.ok) return t.fail(`native binding must be built for this test: ${loaded.error.message}`)
  const err = t.throws(() => {
    try {
      loaded.binding.__panicForTests()
    } catch (e) {
      throw fromNativeError(e)
    }
  })
  t.true(err instanceof BackendError)
  t.is((err as BackendError).code, 'ERR_INTERNAL')
  // Still alive, and the native backend still works after the panic.
  t.is(sign('v', SECRET).split('.')[0], 'v')
  // The same in a separate process: it exits normally, not with SIGABRT.
  const out = execFileSync(
    process.execPath,
    ['-e', `try { require('./native.cjs').__panicForTests() } catch (e) { console.log('caught') }`],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
  t.is(out.trim(), 'caught')
})
