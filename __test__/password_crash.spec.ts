/**
 * No input to the password API takes the process down: hostile limits and stored parameters
 * (natively a 4 TiB allocation aborted the process) and objects passed as an AbortSignal (an
 * unhandled rejection from a listener removal ended it). The crash cases run in child processes,
 * since an abort or an unhandled rejection would end the test worker itself; the same inputs run
 * in-process too, for their error codes.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import vm from 'node:vm'
import test from 'ava'
import { activeBackend } from '../src/backend'
import type { Backend } from '../src/backend/types'
import { hashPassword, KeycardError, verifyAndRehash, verifyPassword } from '../src/index'
import { both, current, on, t_, testNative } from './helpers/backends'

const ROOT = join(__dirname, '..')
const CHEAP = { memoryKiB: 64, passes: 1 } as const

/**
 * Runs `script` (CommonJS, from the repository root, on the backend under test) in a child Node
 * and returns its exit status, its last line of output parsed as JSON, and its stderr.
 */
function child(script: string): { status: number | null; signal: string | null; result: unknown; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, KEYCARD_BACKEND: current },
    timeout: 120_000,
  })
  const last = run.stdout.trim().split('\n').at(-1) ?? ''
  let result: unknown
  try {
    result = JSON.parse(last)
  } catch {
    result = `no result: ${JSON.stringify(run.stdout.slice(-500))}`
  }
  return { status: run.status, signal: run.signal, result, stderr: run.stderr }
}

/** Child preamble: an unhandled rejection is reported and exits 3 (Node's default would exit 1). */
const PREAMBLE = `
const { hashPassword, verifyPassword } = require('./src/index.ts')
process.on('unhandledRejection', (err) => { console.error('unhandled rejection:', err); process.exit(3) })
const outcome = (promise) => promise.then((value) => typeof value, (err) => err.code ?? String(err))
const CHEAP = { memoryKiB: 64, passes: 1 }
`

// --- limits and parameters -----------------------------------------------------------------------

testNative(t_('password crash: hostile limits and m=2^32-1 are typed errors in a child process that exits 0'), (t) => {
  const run = child(`${PREAMBLE}
const binding = require('./native.cjs')
const salt = Buffer.alloc(16, 0x5a)
const b64 = (bytes) => bytes.toString('base64').replace(/=+$/, '')
const huge = '$argon2id$v=19$m=4294967295,t=1,p=1$' + b64(salt) + '$' + b64(Buffer.alloc(32, 0xa5))
;(async () => {
  const result = {
    undefinedLimit: await outcome(verifyPassword(huge, 'pw', { limits: { maxMemoryKiB: undefined } })),
    nanLimit: await outcome(verifyPassword(huge, 'pw', { limits: { maxMemoryKiB: Number.NaN } })),
    hugeLimit: await outcome(verifyPassword(huge, 'pw', { limits: { maxMemoryKiB: 2 ** 40 } })),
    hashHuge: await outcome(hashPassword('pw', { memoryKiB: 2 ** 32 - 1, limits: { maxMemoryKiB: undefined } })),
    // The binding itself, past every TypeScript check: -2 is ERR_PARAMS_OUT_OF_RANGE.
    binding: await binding.argon2idTag(Buffer.from('pw'), salt, { m: 2 ** 32 - 1, t: 1, p: 1, tagLength: 32 }),
    raw: (() => {
      try {
        binding.__argon2idRawForTests(Buffer.from('pw'), salt, Buffer.alloc(0), Buffer.alloc(0), 2 ** 32 - 1, 1, 1, 32)
        return 'returned'
      } catch {
        return 'threw'
      }
    })(),
  }
  console.log(JSON.stringify(result))
})()
`)
  t.is(run.signal, null, run.stderr)
  t.is(run.status, 0, run.stderr)
  t.deepEqual(run.result, {
    undefinedLimit: 'ERR_PARAMS_OUT_OF_RANGE',
    nanLimit: 'ERR_INVALID_ARGUMENT',
    hugeLimit: 'ERR_PARAMS_OUT_OF_RANGE',
    hashHuge: 'ERR_PARAMS_OUT_OF_RANGE',
    binding: -2,
    raw: 'threw',
  })
})

// --- AbortSignal ---------------------------------------------------------------------------------

/** Values that are not AbortSignals, however much they look like one. */
function fakeSignals(): [string, unknown][] {
  const real = () => new AbortController().signal
  return [
    ['{ aborted, addEventListener }', { aborted: false, addEventListener() {} }],
    ['{}', {}],
    [
      'a complete duck type',
      {
        aborted: false,
        reason: undefined,
        onabort: null,
        addEventListener() {},
        removeEventListener() {},
        dispatchEvent: () => true,
        throwIfAborted() {},
      },
    ],
    ['Object.create(AbortSignal.prototype)', Object.create(AbortSignal.prototype)],
    ['a Proxy of a real signal', new Proxy(real(), {})],
    ['an EventTarget', new EventTarget()],
    ['an AbortController', new AbortController()],
    ['null', null],
    ['false', false],
    ['42', 42],
    ["'signal'", 'signal'],
  ]
}

/** The backend under test, with its password calls recorded. */
function spy(): { backend: Backend; calls: string[] } {
  const base = activeBackend()
  const calls: string[] = []
  const backend: Backend = {
    ...base,
    argon2id(job, signal) {
      calls.push('argon2id')
      return base.argon2id(job, signal)
    },
    bcryptVerify(stored, password, signal) {
      calls.push('bcrypt')
      return base.bcryptVerify(stored, password, signal)
    },
  }
  return { backend, calls }
}

test(t_('password crash: a value that is not an AbortSignal rejects with ERR_INVALID_ARGUMENT before any work'), async (t) => {
  const stored = await hashPassword('pw', CHEAP)
  const bcryptStored = '$2b$04$.QLDX2kpxc981JoWbjOwC./MjbJbpy2UwvijM7XYfGhSmKbEJqH7W'
  const expected = { code: 'ERR_INVALID_ARGUMENT', instanceOf: KeycardError } as const
  for (const [label, value] of fakeSignals()) {
    const signal = value as AbortSignal
    const { backend, calls } = spy()
    const calling: [string, () => Promise<unknown>][] = [
      ['hashPassword', () => hashPassword('pw', { ...CHEAP, signal })],
      ['verifyPassword', () => verifyPassword(stored, 'pw', { signal })],
      ['verifyPassword (bcrypt)', () => verifyPassword(bcryptStored, 'pw', { signal })],
      ['verifyPassword (unknown user)', () => verifyPassword(null, 'pw', { ...CHEAP, signal })],
      ['verifyAndRehash', () => verifyAndRehash(stored, 'pw', { ...CHEAP, signal })],
    ]
    for (const [name, call] of calling) await t.throwsAsync(on(backend, call), expected, `${name}: ${label}`)
    t.deepEqual(calls, [], label)
    // The backends check on their own too (a rejection, never a synchronous throw).
    for (const b of both) {
      const job = { password: Buffer.from('pw'), salt: Buffer.alloc(16), m: 64, t: 1, p: 1, tagLength: 32, pepper: null }
      await t.throwsAsync(b.argon2id(job, signal), expected, `${b.name} argon2id: ${label}`)
      await t.throwsAsync(b.bcryptVerify(bcryptStored, Buffer.from('pw'), signal), expected, `${b.name} bcrypt: ${label}`)
    }
  }
})

test(t_('password crash: real signals are accepted, from another vm context and with hostile own methods'), async (t) => {
  // A vm context has no AbortSignal of its own: one made there from ours is ours.
  const foreign = vm.runInNewContext('new AbortController().signal', { AbortController }) as AbortSignal
  t.regex(await hashPassword('pw', { ...CHEAP, signal: foreign }), /^\$argon2id\$/)
  // Own members that throw are never called: keycard uses EventTarget.prototype's methods.
  const hostile = new AbortController()
  const signal = hostile.signal
  const thrower = () => {
    throw new Error('hostile')
  }
  Object.assign(signal, { addEventListener: thrower, removeEventListener: thrower })
  const stored = await hashPassword('pw', { ...CHEAP, signal })
  t.true(await verifyPassword(stored, 'pw', { signal }))
  // ...and it still aborts.
  const pending = hashPassword('pw', { memoryKiB: 16_384, passes: 4, signal })
  hostile.abort()
  await t.throwsAsync(pending, { code: 'ERR_ABORTED' })
})

// Before: the listener removal ran in a `.then` of the finished work and threw, an unhandled
// rejection that exits Node (on both backends); natively `{}` was handed to napi as a signal.
testNative(t_('password crash: fake signals leave no unhandled rejection in a child process that exits 0'), (t) => {
  const run = child(`${PREAMBLE}
const fakes = {
  partial: { aborted: false, addEventListener() {} },
  empty: {},
  duck: { aborted: false, addEventListener() {}, removeEventListener() {}, dispatchEvent: () => true },
  prototype: Object.create(AbortSignal.prototype),
}
;(async () => {
  const stored = await hashPassword('pw', CHEAP)
  const result = {}
  for (const [name, signal] of Object.entries(fakes)) {
    result[name] = await Promise.all([
      outcome(hashPassword('pw', { ...CHEAP, signal })),
      outcome(verifyPassword(stored, 'pw', { signal })),
      outcome(verifyPassword(null, 'pw', { ...CHEAP, signal })),
    ])
  }
  const hostile = new AbortController().signal
  hostile.addEventListener = hostile.removeEventListener = () => { throw new Error('hostile') }
  result.hostile = await Promise.all([
    outcome(hashPassword('pw', { ...CHEAP, signal: hostile })),
    outcome(verifyPassword(stored, 'pw', { signal: hostile })),
  ])
  // Anything started above has finished once a later hash has, and its callbacks have run.
  await hashPassword('pw', CHEAP)
  await new Promise((resolve) => setTimeout(resolve, 50))
  console.log(JSON.stringify(result))
})()
`)
  const refused = ['ERR_INVALID_ARGUMENT', 'ERR_INVALID_ARGUMENT', 'ERR_INVALID_ARGUMENT']
  t.is(run.signal, null, run.stderr)
  t.is(run.status, 0, run.stderr)
  t.notRegex(run.stderr, /unhandled/i)
  t.deepEqual(run.result, { partial: refused, empty: refused, duck: refused, prototype: refused, hostile: ['string', 'boolean'] })
})
