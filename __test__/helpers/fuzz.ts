/**
 * The machinery of the differential fuzz suite (__test__/fuzz_differential.spec.ts): time budgets,
 * what a call did on each backend (`Outcome`) and the comparison of the two, and fast-check
 * arbitraries for hostile input.
 *
 * Budget: `KEYCARD_FUZZ_SECONDS` (default 15) is the wall time of the whole spec file in one ava
 * run, shared between its properties by weight; `KEYCARD_FUZZ_SECONDS=300` is the long run.
 * A failure prints fast-check's report: the seed, the path and the shrunk counterexample. Replay
 * it with `KEYCARD_FUZZ_SEED=<seed> KEYCARD_FUZZ_PATH=<path> npx ava __test__/fuzz_differential.spec.ts
 * --match '*<title>*'`.
 *
 * Hostile values that cannot be printed or reused safely (proxies, detached buffers, 1 MB
 * strings) are generated as small descriptions (`Odd`, `Huge`) and built fresh inside the
 * property by `realize`, so a counterexample reads `odd(throwingProxy)` rather than dumping it.
 *
 * Run as a script, this file is also the child process of the AbortSignal property (see `child`
 * at the end): a hostile signal that crashes the process must not take the ava worker with it.
 */

import { inspect, isDeepStrictEqual } from 'node:util'
import type { ExecutionContext } from 'ava'
import fc from 'fast-check'
import { withBackend } from '../../src/backend'
import type { Backend } from '../../src/backend/types'
import { KeycardError } from '../../src/errors'

// --- Budget -------------------------------------------------------------------------------------

const DEFAULT_SECONDS = 15

/** KEYCARD_FUZZ_SECONDS, validated: the whole file's budget in seconds. */
export function fuzzSeconds(): number {
  const raw = process.env.KEYCARD_FUZZ_SECONDS
  if (raw === undefined || raw.trim() === '') return DEFAULT_SECONDS
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`KEYCARD_FUZZ_SECONDS must be a positive number of seconds, not ${JSON.stringify(raw)}`)
  }
  return seconds
}

const weights: number[] = []

/**
 * Registers a property of `weight` and returns its budget in ms, read when the property runs (by
 * then every property of the file has registered, so the shares add up to the file's budget).
 */
export function share(weight: number): () => number {
  weights.push(weight)
  return () => (fuzzSeconds() * 1000 * weight) / weights.reduce((a, b) => a + b, 0)
}

function envInteger(name: string): number | undefined {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return undefined
  const value = Number(raw)
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, not ${JSON.stringify(raw)}`)
  return value
}

/** fast-check parameters: run until `ms` have passed; replay KEYCARD_FUZZ_SEED / _PATH when set. */
export function fcParams<T>(ms: number): fc.Parameters<T> {
  const seed = envInteger('KEYCARD_FUZZ_SEED')
  const path = process.env.KEYCARD_FUZZ_PATH
  return {
    numRuns: 2 ** 31 - 1,
    includeErrorInReport: true,
    plugins: [fc.interruptAfterTimeLimit(Math.max(1, Math.round(ms)))],
    markInterruptAsFailure: false,
    ...(seed === undefined ? {} : { seed }),
    ...(path ? { path, endOnFailure: true } : {}),
  }
}

/**
 * Checks a property within `ms`: a failure fails the test with fast-check's report (seed, path,
 * counterexample, error); a pass logs how many runs fitted, at least one.
 */
export async function checkProperty<Ts>(t: ExecutionContext, property: fc.IRawProperty<Ts>, ms: number): Promise<void> {
  let details = await fc.check(property, fcParams<Ts>(ms))
  // fast-check reports a property interrupted before its first run as failed ("interrupted after
  // 0 tests"): that is the budget, not a counterexample.
  if (details.numRuns === 0 && (!details.failed || (details.interrupted && details.counterexample === null))) {
    // The budget ran out during the first run (a worker pool starting on a busy machine): one
    // run without the time limit, so a property never passes having checked nothing.
    details = await fc.check(property, { ...fcParams<Ts>(ms), plugins: [], numRuns: 1 })
  }
  if (details.failed) {
    t.fail(await fc.asyncDefaultReportMessage(details))
    return
  }
  t.log(`${details.numRuns} runs in ${Math.round(ms)} ms`)
  t.true(details.numRuns > 0, `no run completed within ${Math.round(ms)} ms`)
}

// --- Outcomes -----------------------------------------------------------------------------------

/**
 * What hostile input throws on its own (a proxy trap, a getter, a toString): propagating the
 * caller's own exception is fine; anything else that is not a KeycardError is a bug.
 */
export const SENTINEL = new Error('hostile input threw its own error (expected to propagate)')

/** What a call did: returned `ok`, threw a KeycardError `code`, or threw something `foreign`. */
export type Outcome = { ok: unknown } | { code: string } | { foreign: string }

/** Both backends, as one argument. */
export type Backends = { native: Backend; fallback: Backend }

function classify(err: unknown): Outcome {
  if (err === SENTINEL) return { code: 'SENTINEL' }
  if (err instanceof KeycardError) return { code: err.code }
  return { foreign: describe(err) }
}

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.constructor.name}: ${err.message}\n${err.stack?.split('\n').slice(1, 4).join('\n')}`
  return `non-Error thrown: ${show(err)}`
}

export function outcome(fn: () => unknown): Outcome {
  try {
    return { ok: fn() }
  } catch (err) {
    return classify(err)
  }
}

export async function outcomeAsync(fn: () => unknown): Promise<Outcome> {
  try {
    return { ok: await fn() }
  } catch (err) {
    return classify(err)
  }
}

export const isOk = (o: Outcome): o is { ok: unknown } => 'ok' in o
export const codeOf = (o: Outcome): string | undefined => ('code' in o ? o.code : undefined)

/** A comparable form: bytes as hex, Maps and Sets as arrays, objects without their prototype. */
export function normalise(value: unknown, seen = new Set<unknown>()): unknown {
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') }
  if (typeof value !== 'object' || value === null) return value
  if (seen.has(value)) return '[cycle]'
  seen.add(value)
  if (Array.isArray(value)) return value.map((v) => normalise(v, seen))
  if (value instanceof Map) return { map: [...value].map((e) => normalise(e, seen)) }
  if (value instanceof Set) return { set: [...value].map((e) => normalise(e, seen)) }
  const out: Record<string, unknown> = Object.create(null)
  for (const key of Object.keys(value)) out[key] = normalise((value as Record<string, unknown>)[key], seen)
  return out
}

export function sameOutcome(a: Outcome, b: Outcome): boolean {
  return isDeepStrictEqual(normalise(a), normalise(b))
}

/** Short, safe printing for failure messages (never triggers proxy traps; long strings cut). */
export function show(value: unknown): string {
  return inspect(value, { depth: 4, maxStringLength: 160, maxArrayLength: 24, breakLength: Number.POSITIVE_INFINITY })
}

/** Fails the current fast-check run with a message and the values that matter. */
export function fail(message: string, details: Record<string, unknown> = {}): never {
  const lines = Object.entries(details).map(([k, v]) => `  ${k}: ${show(v)}`)
  throw new Error([message, ...lines].join('\n'))
}

/** Fails unless `o` is a return or a KeycardError (or the hostile input's own SENTINEL). */
export function typed(label: string, o: Outcome, details: Record<string, unknown> = {}): Outcome {
  if ('foreign' in o) fail(`${label}: threw something other than a KeycardError`, { ...details, thrown: o.foreign })
  return o
}

/** Fails unless both outcomes are typed and the same. Returns the first. */
export function agree(label: string, a: Outcome, b: Outcome, details: Record<string, unknown> = {}): Outcome {
  typed(`${label} (native)`, a, details)
  typed(`${label} (fallback)`, b, details)
  if (!sameOutcome(a, b)) fail(`${label}: the backends disagree`, { ...details, native: a, fallback: b })
  return a
}

/** Runs a synchronous call on both backends; they must agree. */
export function onBoth(backends: Backends, label: string, fn: () => unknown, details: Record<string, unknown> = {}): Outcome {
  const a = outcome(() => withBackend(backends.native, fn))
  const b = outcome(() => withBackend(backends.fallback, fn))
  return agree(label, a, b, details)
}

/**
 * Runs an async call on both backends: `withBackend` selects the backend for the call's
 * synchronous part, which is where every keycard function looks its backend up (the password
 * functions call `activeBackend()` before their first await).
 */
export async function onBothAsync(
  backends: Backends,
  label: string,
  fn: () => Promise<unknown>,
  details: Record<string, unknown> = {},
): Promise<Outcome> {
  const a = await outcomeAsync(() => withBackend(backends.native, fn))
  const b = await outcomeAsync(() => withBackend(backends.fallback, fn))
  return agree(label, a, b, details)
}

/** Fails when a prototype was polluted by anything the suite fed in (`"polluted": true`). */
export function checkNoPollution(where: string): void {
  const probe: Record<string, unknown> = {}
  if (probe.polluted !== undefined || Object.hasOwn(Object.prototype, 'polluted')) {
    fail(`${where}: Object.prototype was polluted`)
  }
}

// --- Hostile values, described then built ---------------------------------------------------------

/** A typed array whose buffer was transferred away: it reports 0 bytes and holds nothing. */
export function detachedBytes(): Uint8Array {
  const buffer = new ArrayBuffer(8)
  const view = new Uint8Array(buffer)
  structuredClone(buffer, { transfer: [buffer] })
  return view
}

/** A fixed-length view past the end of a resizable buffer that shrank. */
function outOfBoundsBytes(): Uint8Array {
  const buffer = new ArrayBuffer(8, { maxByteLength: 16 })
  const view = new Uint8Array(buffer, 0, 8)
  buffer.resize(2)
  return view
}

const throwing = () => {
  throw SENTINEL
}

/** Every trap throws: reading anything of it is the caller's exception. */
const hostileTraps: ProxyHandler<object> = {
  get: throwing,
  has: throwing,
  ownKeys: throwing,
  getOwnPropertyDescriptor: throwing,
  getPrototypeOf: throwing,
  set: throwing,
  defineProperty: throwing,
  deleteProperty: throwing,
  apply: throwing,
  construct: throwing,
}

/** Builders of odd values, by name; each call builds a fresh one. */
export const ODD = {
  null: () => null,
  undefined: () => undefined,
  NaN: () => Number.NaN,
  zero: () => 0,
  negZero: () => -0,
  minusOne: () => -1,
  half: () => 0.5,
  infinity: () => Number.POSITIVE_INFINITY,
  negInfinity: () => Number.NEGATIVE_INFINITY,
  unsafeInteger: () => 2 ** 53 + 2,
  hugeNumber: () => 1e308,
  true: () => true,
  false: () => false,
  emptyString: () => '',
  numericString: () => '100',
  bigint: () => 10n,
  symbol: () => Symbol('odd'),
  object: () => ({}),
  nullProto: () => Object.create(null) as object,
  array: () => [],
  stringArray: () => ['a', 'b'],
  numberArray: () => [1],
  boxedString: () => new String('boxed'),
  boxedNumber: () => new Number(7),
  date: () => new Date(0),
  invalidDate: () => new Date(Number.NaN),
  map: () => new Map([['a', 1]]),
  set: () => new Set([1]),
  regexp: () => /x/g,
  error: () => new Error('odd'),
  fn: () => () => 'fn',
  bytes: () => new Uint8Array([1, 2, 3]),
  emptyBytes: () => new Uint8Array(0),
  detached: detachedBytes,
  outOfBounds: outOfBoundsBytes,
  arrayBuffer: () => new ArrayBuffer(4),
  dataView: () => new DataView(new ArrayBuffer(4)),
  uint16: () => new Uint16Array([0xd800]),
  float64: () => new Float64Array([Number.NaN]),
  /** Keys that pollute a prototype if merged carelessly. */
  protoJson: () => JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as object,
  throwingProxy: () => new Proxy({}, hostileTraps),
  throwingConversions: () => ({ toString: throwing, valueOf: throwing, toJSON: throwing, [Symbol.toPrimitive]: throwing }),
  throwingGetter: () => Object.defineProperty({}, 'purpose', { get: throwing, enumerable: true }) as Record<string, unknown>,
  fakeSignal: () => ({ aborted: false, addEventListener() {}, removeEventListener() {} }),
  cyclic: () => {
    const o: Record<string, unknown> = { a: 1 }
    o.self = o
    return o
  },
} satisfies Record<string, () => unknown>

export type OddName = keyof typeof ODD
export const ODD_NAMES = Object.keys(ODD) as OddName[]

/** A description of an odd value; built fresh by `realize`. Prints as `odd(name)`. */
export class Odd {
  constructor(readonly name: OddName) {}
  [fc.toStringMethod](): string {
    return `odd(${this.name})`
  }
}

/** A description of a long string: `head` then `fill` repeated to `length` UTF-16 units. */
export class Huge {
  constructor(
    readonly length: number,
    readonly fill: string,
    readonly head: string,
  ) {}
  [fc.toStringMethod](): string {
    return `huge(${this.length}, fill ${JSON.stringify(this.fill)}, head ${JSON.stringify(this.head)})`
  }
}

/** Builds the value a description stands for, recursively through arrays and plain objects. */
export function realize(spec: unknown): unknown {
  if (spec instanceof Odd) return ODD[spec.name]()
  if (spec instanceof Huge) return (spec.head + spec.fill.repeat(Math.ceil(spec.length / spec.fill.length))).slice(0, spec.length)
  if (Array.isArray(spec)) return spec.map(realize)
  if (typeof spec === 'object' && spec !== null && !(spec instanceof Uint8Array) && isPlain(spec)) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(spec)) {
      // defineProperty, so a "__proto__" key stays an own data property.
      Object.defineProperty(out, key, {
        value: realize((spec as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }
  return spec
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

// --- Arbitraries --------------------------------------------------------------------------------

/** Characters that mean something in the formats under test, or to a decoder. */
const SPECIALS = [
  '.',
  '=',
  ';',
  ',',
  '"',
  '\\',
  ' ',
  '\t',
  '\0',
  '\r',
  '\n',
  '+',
  '/',
  '-',
  '_',
  '$',
  '*',
  '%',
  '&',
  'é',
  '€',
  '𝄞',
  '\uFFFD',
  '\uFEFF',
  '\u2028',
  '\u00a0',
  '\u0085',
  '\u212a',
]

export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c))

/** One unit of well-formed text: mostly ASCII, some specials, some BMP and astral characters. */
export const wellFormedUnit = fc.oneof(
  { weight: 8, arbitrary: printable },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIALS) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xd7ff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
)

/** One unit of possibly ill-formed text: a lone surrogate now and then. */
export const anyUnit = fc.oneof({ weight: 12, arbitrary: wellFormedUnit }, { weight: 1, arbitrary: loneSurrogate })

export const text = (maxLength = 40, minLength = 0) => fc.string({ unit: anyUnit, minLength, maxLength })
export const wellFormedText = (maxLength = 40, minLength = 0) => fc.string({ unit: wellFormedUnit, minLength, maxLength })

/** A long string, described (see `Huge`): around the 4 KiB, 8 KiB and 64 KiB limits, and 1 MiB. */
export const huge = fc
  .record({
    length: fc.oneof(
      fc.constantFrom(4095, 4096, 4097, 8192, 8193, 65_536, 65_537, 1 << 20),
      fc.integer({ min: 257, max: 70_000 }),
    ),
    fill: fc.string({ unit: anyUnit, minLength: 1, maxLength: 3 }),
    head: text(8),
  })
  .map(({ length, fill, head }) => new Huge(length, fill, head))

export const odd = fc.constantFrom(...ODD_NAMES).map((name) => new Odd(name))

// --- Mutations ----------------------------------------------------------------------------------

/**
 * One edit of a string, as data (so a counterexample shows it). Positions are taken modulo the
 * length; negative ones count from the end, where tags and padding live.
 */
export type Mutation =
  | { flip: number; bit: number }
  | { cut: number }
  | { drop: number }
  | { del: number; len: number }
  | { ins: number; text: string }
  | { dup: string }
  | { swap: 'url-to-std' | 'std-to-url' }
  | { lone: number; unit: string }
  | { pad: string }
  | { upper: number }

const position = fc.integer({ min: -48, max: 4096 })

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      flip: position,
      bit: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 6 }) }, fc.integer({ min: 7, max: 15 })),
    }),
  },
  fc.record({ cut: position }),
  fc.record({ drop: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ del: position, len: fc.integer({ min: 1, max: 4 }) }),
  { weight: 2, arbitrary: fc.record({ ins: position, text: text(3, 1) }) },
  fc.record({ dup: fc.constantFrom('', '.', ',', ';', '$', '*') }),
  fc.record({ swap: fc.constantFrom('url-to-std' as const, 'std-to-url' as const) }),
  fc.record({ lone: position, unit: loneSurrogate }),
  fc.record({ pad: fc.constantFrom('=', '==', '.', '\n', ' ', '\0') }),
  fc.record({ upper: position }),
)

export const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 })

function at(s: string, pos: number): number {
  const n = s.length + 1
  return ((pos % n) + n) % n
}

export function mutate(s: string, ops: readonly Mutation[]): string {
  let out = s
  for (const op of ops) {
    if ('flip' in op) {
      const i = Math.min(at(out, op.flip), out.length - 1)
      if (i >= 0) out = out.slice(0, i) + String.fromCharCode(out.charCodeAt(i) ^ (1 << op.bit)) + out.slice(i + 1)
    } else if ('cut' in op) out = out.slice(0, at(out, op.cut))
    else if ('drop' in op) out = out.slice(op.drop)
    else if ('del' in op) out = out.slice(0, at(out, op.del)) + out.slice(at(out, op.del) + op.len)
    else if ('ins' in op) out = out.slice(0, at(out, op.ins)) + op.text + out.slice(at(out, op.ins))
    else if ('dup' in op) out = out + op.dup + out
    else if ('swap' in op)
      out = op.swap === 'url-to-std' ? out.replace(/-/g, '+').replace(/_/g, '/') : out.replace(/\+/g, '-').replace(/\//g, '_')
    else if ('lone' in op) out = out.slice(0, at(out, op.lone)) + op.unit + out.slice(at(out, op.lone) + 1)
    else if ('pad' in op) out += op.pad
    else {
      const i = at(out, op.upper)
      const c = out.charAt(i)
      const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()
      out = out.slice(0, i) + flipped + out.slice(i + 1)
    }
  }
  return out
}

// --- Secrets ------------------------------------------------------------------------------------

/**
 * Whether `bytes` repeat with a period p <= length / 2 (what keycard calls a weak secret),
 * decided the naive way, independently of the library's own check.
 */
export function isRepetitive(bytes: Uint8Array): boolean {
  const n = bytes.length
  for (let p = 1; 2 * p <= n; p++) {
    let periodic = true
    for (let i = p; i < n && periodic; i++) periodic = bytes[i] === bytes[i - p]
    if (periodic) return true
  }
  return false
}

const utf8 = (s: string) => Buffer.from(s, 'utf8')

/** Strong secrets: random bytes or base64url text of 32..64 bytes, never repetitive. */
export const strongBytes = fc.noBias(fc.uint8Array({ minLength: 32, maxLength: 64 })).filter((b) => !isRepetitive(b))
export const strongString = fc
  .noBias(
    fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
      minLength: 32,
      maxLength: 64,
    }),
  )
  .filter((s) => !isRepetitive(utf8(s)))

/** A weak secret: a phrase (text or bytes) repeated at least twice and to at least 32 bytes. */
export const weakSecret = fc
  .oneof(
    fc.string({ unit: wellFormedUnit, minLength: 1, maxLength: 16 }).map((phrase) => {
      const times = Math.max(2, Math.ceil(32 / utf8(phrase).length))
      return phrase.repeat(times)
    }),
    fc.uint8Array({ minLength: 1, maxLength: 16 }).map((phrase) => {
      const times = Math.max(2, Math.ceil(32 / phrase.length))
      return new Uint8Array(Array.from({ length: phrase.length * times }, (_, i) => phrase[i % phrase.length] as number))
    }),
  )
  .filter((s) => (typeof s === 'string' ? utf8(s).length : s.length) >= 32)

/** A secret that is too short: 0..31 bytes. */
export const shortSecret = fc.oneof(fc.string({ unit: printable, maxLength: 31 }), fc.uint8Array({ maxLength: 31 }))

/** What keycard must say about one secret: 'ok', or the code of its refusal. */
export function secretVerdict(secret: string | Uint8Array): 'ok' | 'ERR_KEY_TOO_SHORT' | 'ERR_KEY_WEAK' {
  const bytes = typeof secret === 'string' ? utf8(secret) : secret
  if (bytes.length < 32) return 'ERR_KEY_TOO_SHORT'
  return isRepetitive(bytes) ? 'ERR_KEY_WEAK' : 'ok'
}

// --- Hostile AbortSignals, in a child process ---------------------------------------------------

/**
 * A `signal` option: a real AbortSignal in some state, or something else (a fake with its own
 * members, a proxy of a real one, a primitive). Described, and built fresh for each call.
 */
export type SignalSpec =
  | { real: 'fresh' | 'aborted' | 'abortSoon' | 'hostileOwnMethods' }
  | { fake: 'null' | 'zero' | 'string' | 'true' | 'protoObject' | 'eventTarget' | 'proxyOfReal' | 'throwingProxy' }
  | { shape: { aborted: 'false' | 'true' | 'undefined' | 'string' | 'throws'; add: Member; remove: Member } }
type Member = 'none' | 'noop' | 'throws' | 'notFunction' | 'callsAtOnce'

const member = fc.constantFrom<Member>('none', 'noop', 'throws', 'notFunction', 'callsAtOnce')

export const signalSpec: fc.Arbitrary<SignalSpec> = fc.oneof(
  fc.record({ real: fc.constantFrom('fresh' as const, 'aborted' as const, 'abortSoon' as const, 'hostileOwnMethods' as const) }),
  fc.record({
    fake: fc.constantFrom(
      'null' as const,
      'zero' as const,
      'string' as const,
      'true' as const,
      'protoObject' as const,
      'eventTarget' as const,
      'proxyOfReal' as const,
      'throwingProxy' as const,
    ),
  }),
  {
    weight: 2,
    arbitrary: fc.record({
      shape: fc.record({
        aborted: fc.constantFrom('false' as const, 'true' as const, 'undefined' as const, 'string' as const, 'throws' as const),
        add: member,
        remove: member,
      }),
    }),
  },
)

function memberOf(kind: Member): unknown {
  if (kind === 'none') return undefined
  if (kind === 'noop') return () => {}
  if (kind === 'throws') return throwing
  if (kind === 'notFunction') return 'not a function'
  return (_type: string, listener: () => void) => listener()
}

export function buildSignal(spec: SignalSpec): unknown {
  if ('real' in spec) {
    const controller = new AbortController()
    if (spec.real === 'aborted') controller.abort()
    if (spec.real === 'abortSoon') setTimeout(() => controller.abort(), 1)
    if (spec.real === 'hostileOwnMethods') {
      // A genuine signal whose own members were overwritten: keycard must not call them.
      Object.assign(controller.signal, { addEventListener: throwing, removeEventListener: throwing })
    }
    return controller.signal
  }
  if ('fake' in spec) {
    switch (spec.fake) {
      case 'null':
        return null
      case 'zero':
        return 0
      case 'string':
        return 'signal'
      case 'true':
        return true
      case 'protoObject':
        return Object.create(AbortSignal.prototype)
      case 'eventTarget':
        return new EventTarget()
      case 'proxyOfReal':
        return new Proxy(new AbortController().signal, {})
      case 'throwingProxy':
        return new Proxy({}, hostileTraps)
    }
  }
  const { aborted, add, remove } = spec.shape
  const fake: Record<string, unknown> = {}
  if (aborted === 'throws') Object.defineProperty(fake, 'aborted', { get: throwing })
  else if (aborted !== 'undefined') fake.aborted = aborted === 'true' ? true : aborted === 'false' ? false : 'no'
  if (add !== 'none') fake.addEventListener = memberOf(add)
  if (remove !== 'none') fake.removeEventListener = memberOf(remove)
  return fake
}

export type PasswordOp = 'hash' | 'verifyArgon2id' | 'verifyBcrypt' | 'verifyAndRehash'

/**
 * The hostile-signal property: every password call with `signal` set, on both backends. Fakes
 * must be refused with a KeycardError, real signals honoured (ERR_ABORTED once aborted), and
 * nothing may escape: no foreign error, no unhandled rejection or uncaught exception afterwards
 * (`strays`, filled by the child's process handlers), which is how a hostile signal used to take
 * the whole process down.
 */
export async function signalsProperty(strays: string[]) {
  const { loadBackend } = await import('../../src/backend')
  const { hashPassword, hashPasswordWithSalt, verifyAndRehash, verifyPassword } = await import('../../src/password')
  const bcrypt = (await import('bcryptjs')).default
  const backends = [loadBackend('native'), loadBackend('fallback')] as const
  const CHEAP = { memoryKiB: 8, passes: 1 }
  const argon2idHash = await withBackend(backends[1], () => hashPasswordWithSalt('password', new Uint8Array(16), CHEAP))
  const bcryptHash = bcrypt.hashSync('password', 4)
  const call = (op: PasswordOp, signal: unknown) => {
    const options = { ...CHEAP, signal: signal as AbortSignal }
    if (op === 'hash') return hashPassword('password', options)
    if (op === 'verifyArgon2id') return verifyPassword(argon2idHash, 'password', options)
    if (op === 'verifyBcrypt') return verifyPassword(bcryptHash, 'password', options)
    return verifyAndRehash(argon2idHash, 'password', options)
  }
  return fc.asyncProperty(
    signalSpec,
    fc.constantFrom<PasswordOp>('hash', 'verifyArgon2id', 'verifyBcrypt', 'verifyAndRehash'),
    async (spec, op) => {
      if (strays.length > 0) fail('a stray error from an earlier run', { strays: strays.splice(0) })
      const results: Outcome[] = []
      for (const backend of backends) {
        const signal = buildSignal(spec)
        const result = await outcomeAsync(() => withBackend(backend, () => call(op, signal)))
        typed(`${op} on ${backend.name}`, result, { spec })
        results.push(result)
      }
      // A hash the race no longer waits for still finishes on its pool; give it time to report.
      await new Promise((resolve) => setTimeout(resolve, 25))
      if (strays.length > 0)
        fail(`${op}: an error escaped as an unhandled rejection or exception`, { spec, strays: strays.splice(0) })
      const [a, b] = results as [Outcome, Outcome]
      // Hashes differ by their random salts: compare what happened, not the strings. A signal that
      // aborts mid-way may catch one backend's work and not the other's.
      if (!('real' in spec && spec.real === 'abortSoon') && codeOf(a) !== codeOf(b))
        fail(`${op}: the backends disagree`, { spec, native: a, fallback: b })
      if ('fake' in spec || 'shape' in spec) {
        if (codeOf(a) === undefined) fail(`${op}: a fake signal was accepted`, { spec, native: a, fallback: b })
      } else if (spec.real === 'aborted') {
        if (codeOf(a) !== 'ERR_ABORTED') fail(`${op}: an aborted signal did not abort`, { spec, native: a })
      } else if (spec.real === 'fresh' || spec.real === 'hostileOwnMethods') {
        if (!isOk(a)) fail(`${op}: a live signal refused the call`, { spec, native: a, fallback: b })
      }
    },
  )
}

/**
 * `node --import tsx __test__/helpers/fuzz.ts signals`: runs `signalsProperty` for
 * KEYCARD_FUZZ_CHILD_MS in a process of its own, so that a crash fails one test instead of ending
 * the ava worker. Prints `fuzz child: N runs` and exits 0, or prints fast-check's report (or the
 * stray errors) and exits 1.
 */
async function child(which: string | undefined): Promise<void> {
  if (which !== 'signals') throw new Error(`unknown fuzz child ${JSON.stringify(which)}`)
  const strays: string[] = []
  process.on('unhandledRejection', (reason) => strays.push(`unhandled rejection: ${describe(reason)}`))
  process.on('uncaughtException', (err) => strays.push(`uncaught exception: ${describe(err)}`))
  const ms = Number(process.env.KEYCARD_FUZZ_CHILD_MS ?? 2000)
  const details = await fc.check(await signalsProperty(strays), fcParams(ms))
  // Work still running on the pools (a hash nobody waits for any more) may report late.
  await new Promise((resolve) => setTimeout(resolve, 300))
  if (details.failed) {
    console.log(await fc.asyncDefaultReportMessage(details))
    process.exitCode = 1
  } else if (strays.length > 0) {
    console.log(`stray errors after the last run:\n${strays.join('\n')}`)
    process.exitCode = 1
  } else {
    console.log(`fuzz child: ${details.numRuns} runs`)
  }
  // The fallback's worker pool would keep the process alive.
  process.exit()
}

if (require.main === module) {
  child(process.argv[2]).catch((err) => {
    console.log(describe(err))
    process.exit(1)
  })
}
