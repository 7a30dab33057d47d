/**
 * Issue 16, items 1, 2 and 7, on the session core driven directly (`SessionManager.load` /
 * `commit`) on a clock the test moves, so every time is asserted exactly: a session's own idle
 * timeout (`setTtl`) and browser-session cookies (`setPersistent`), sessions carried in a header
 * (the `header` option), and key rotation completing (old-key sessions re-sealed or re-signed).
 * Each row runs on the cookie store and on a recording server store, on the backend of the run.
 */

import test, { type ExecutionContext } from 'ava'
import { KeycardError } from '../src/errors'
import { seal, unseal } from '../src/seal'
import { SessionManager } from '../src/sessions/manager'
import type { SessionOptions } from '../src/sessions/options'
import type { Session } from '../src/sessions/session'
import { cookieStore } from '../src/sessions/stores/cookie'
import { memoryStore } from '../src/sessions/stores/memory'
import { checkedRecord, decodeRecord, encodeRecord } from '../src/sessions/stores/record'
import type { ServerStore, StoredSession } from '../src/sessions/stores/types'
import { sign, unsign } from '../src/sign'
import { SECRET, SECRET_2, t_ } from './helpers/backends'

const STORES = ['cookie', 'memory'] as const
type StoreKind = (typeof STORES)[number]
const NAME = 'keycard'
const PURPOSE = `keycard/session/${NAME}`
const SECOND = 1000
const HOUR = 3600 * SECOND
const DAY = 24 * HOUR
/** The test clock starts here: whole seconds, far from the real clock. */
const T0 = 1_900_000_000_000
const HEADER = 'x-session-token'

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary keys
type AnySession = Session<Record<string, any>>

/** A memory store that also records the TTL of every write (what Redis would be given). */
function recordingStore(): ServerStore & { ttls: number[] } {
  const inner = memoryStore()
  const ttls: number[] = []
  /** Records the TTL, then returns what the memory store's call returns. */
  const recorded = <R>(ttl: number, call: () => R): R => {
    ttls.push(ttl)
    return call()
  }
  const store: ServerStore & { ttls: number[] } = {
    kind: 'server',
    ttls,
    get: (id) => inner.get(id),
    set: (id, s, ttl) => recorded(ttl, () => inner.set(id, s, ttl)),
    destroy: (id) => inner.destroy(id),
  }
  const { update, touch } = inner
  if (update) store.update = (id, s, ttl) => recorded(ttl, () => update.call(inner, id, s, ttl))
  if (touch) store.touch = (id, s, ttl) => recorded(ttl, () => touch.call(inner, id, s, ttl))
  return store
}

interface Line {
  value: string
  maxAge: string | undefined
  expires: string | undefined
}

function parse(line: string): Line {
  const [pair = '', ...attributes] = line.split('; ')
  const attribute = (key: string) => attributes.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1)
  return { value: pair.slice(pair.indexOf('=') + 1), maxAge: attribute('Max-Age'), expires: attribute('Expires') }
}

interface Setup {
  manager: SessionManager
  clock: { t: number }
  invalid: string[]
  store: ReturnType<typeof recordingStore> | undefined
  /** The session cookie's value as the browser holds it (undefined: none). */
  jar: { value: string | undefined }
  /** One cookie request: load with the jar, run `handle`, commit, keep what the response set. */
  request(handle?: (s: AnySession) => unknown): Promise<{ session: AnySession; lines: Line[] }>
}

function setup(kind: StoreKind, options: SessionOptions = {}): Setup {
  const clock = { t: T0 }
  const invalid: string[] = []
  const store = kind === 'memory' ? recordingStore() : undefined
  const manager = new SessionManager({
    secret: SECRET,
    store: store ?? cookieStore(),
    ttl: '1h',
    now: () => clock.t,
    onInvalid: (code) => invalid.push(code),
    ...options,
  })
  const jar: { value: string | undefined } = { value: undefined }
  return {
    manager,
    clock,
    invalid,
    store,
    jar,
    async request(handle) {
      const session = (await manager.load(jar.value === undefined ? undefined : `${NAME}=${jar.value}`)) as AnySession
      await handle?.(session)
      const lines = (await manager.commit(session)).map(parse)
      for (const line of lines) jar.value = line.maxAge === '0' ? undefined : line.value
      return { session, lines }
    },
  }
}

function eachStore(title: string, run: (t: ExecutionContext, kind: StoreKind) => Promise<void> | void): void {
  for (const kind of STORES) test(t_(`lifetime, ${kind} store: ${title}`), (t) => run(t, kind))
}

// --- setTtl -------------------------------------------------------------------------------------

eachStore("setTtl('30d'): expiry, Max-Age/Expires, the seal and the store TTL follow it, and it persists", async (t, kind) => {
  const s = setup(kind)
  const { session, lines } = await s.request((x) => {
    x.user = 'alice'
    x.setTtl('30d')
  })
  t.is(session.expiresAt.getTime(), T0 + 30 * DAY)
  t.is(lines[0]?.maxAge, String((30 * DAY) / SECOND))
  t.is(lines[0]?.expires, new Date(T0 + 30 * DAY).toUTCString())
  if (kind === 'memory') t.deepEqual(s.store?.ttls, [30 * DAY], 'the store TTL is the session ttl')
  else {
    // The seal expires with the session, not with the ttl option.
    const sealed = s.jar.value as string
    t.not(unseal(sealed, SECRET, { purpose: PURPOSE, now: T0 + 30 * DAY - 1, maxSize: 12_000 }), null)
    t.is(unseal(sealed, SECRET, { purpose: PURPOSE, now: T0 + 30 * DAY, maxSize: 12_000 }), null)
  }
  // 20 days later, far past the 1 h ttl option: still alive. rolling 'auto' renews at half of
  // *this* session's ttl: 10 days left of 30 is under 15, so it is re-sent with 30 days again.
  s.clock.t = T0 + 20 * DAY
  const later = await s.request()
  t.is(later.session.user, 'alice')
  t.deepEqual(s.invalid, [])
  t.is(later.lines[0]?.maxAge, String((30 * DAY) / SECOND), 'the session keeps its own ttl')
  // 14 days on, 16 of 30 left (over half): not re-sent.
  s.clock.t += 14 * DAY
  t.deepEqual((await s.request()).lines, [])
  // One ms after half is left: re-sent.
  s.clock.t = T0 + 20 * DAY + 15 * DAY + 1
  t.is((await s.request()).lines.length, 1)
})

eachStore('setTtl: absoluteTtl still caps it; regenerate keeps it; destroy drops it', async (t, kind) => {
  const s = setup(kind, { absoluteTtl: '7d' })
  const { lines } = await s.request((x) => {
    x.user = 'alice'
    x.setTtl('30d')
  })
  t.is(lines[0]?.maxAge, String((7 * DAY) / SECOND), 'capped at the absolute lifetime')
  s.clock.t += HOUR
  const regenerated = await s.request((x) => x.regenerate({ keepData: true }))
  // regenerate() starts a new absolute lifetime; the session's own ttl is kept (else 1 h).
  t.is(regenerated.session.expiresAt.getTime(), T0 + HOUR + 7 * DAY, 'regenerate keeps the ttl, still capped')
  const plain = setup(kind)
  await plain.request((x) => {
    x.user = 'bob'
    x.setTtl('30d')
  })
  const fresh = await plain.request((x) => {
    x.destroy()
    x.note = 'logged out'
  })
  t.is(fresh.lines[0]?.maxAge, '3600', 'a destroyed session starts over with the ttl option')
})

eachStore('setTtl on a new session with no data saves it; setTtl marks an unchanged session to be saved', async (t, kind) => {
  const s = setup(kind)
  const { lines } = await s.request((x) => x.setTtl('2h'))
  t.is(lines.length, 1)
  t.is(lines[0]?.maxAge, '7200')
  s.clock.t += 10 * SECOND
  t.deepEqual((await s.request()).lines, [], 'unchanged: nothing sent')
  const again = await s.request((x) => x.setTtl('2h'))
  t.is(again.lines.length, 1, 'setTtl marks it to be saved')
})

test(t_('setTtl refuses junk, under 1 s and past 2106 with ERR_INVALID_ARGUMENT, leaving the session as it was'), async (t) => {
  const s = setup('cookie')
  const bad: unknown[] = [
    'forever',
    '',
    -1,
    999,
    0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1500.5,
    '100000d',
    2 ** 53,
    {},
    null,
    '30 d ago',
  ]
  await s.request((x) => {
    for (const value of bad) {
      const err = t.throws(() => x.setTtl(value as string), { instanceOf: KeycardError }, String(value))
      t.is(err?.code, 'ERR_INVALID_ARGUMENT', String(value))
    }
    x.n = 1
  })
  t.deepEqual((await s.request()).lines, [], 'the refused calls marked nothing: an unchanged session is not re-sent')
  s.clock.t = T0 + HOUR
  t.is((await s.request()).session.isNew, true, 'the ttl option applied: expired after 1 h')
  // Accepted forms.
  await s.request((x) => {
    t.notThrows(() => x.setTtl(1000))
    t.notThrows(() => x.setTtl('1.5h'))
    t.notThrows(() => x.setTtl('50w'))
  })
})

// --- setPersistent ------------------------------------------------------------------------------

eachStore(
  'setPersistent(false): no Max-Age/Expires on this and later commits; the idle timeout still ends it',
  async (t, kind) => {
    const s = setup(kind)
    const first = await s.request((x) => {
      x.user = 'alice'
      x.setPersistent(false)
    })
    t.is(first.lines.length, 1)
    t.is(first.lines[0]?.maxAge, undefined)
    t.is(first.lines[0]?.expires, undefined)
    s.clock.t += 40 * 60 * SECOND // 20 of 60 minutes left: rolling 'auto' re-sends
    const renewed = await s.request()
    t.is(renewed.lines.length, 1)
    t.is(renewed.lines[0]?.maxAge, undefined, 'still a browser-session cookie')
    // Server-side the idle timeout holds: an hour after the last save, the session is over.
    s.clock.t += HOUR
    const expired = await s.request()
    t.true(expired.session.isNew)
    t.deepEqual(s.invalid, ['ERR_EXPIRED'])
    t.is(expired.lines[0]?.maxAge, '0', 'clearing still uses Max-Age=0')
  },
)

eachStore('cookie.persistent: false is the default that setPersistent(true) overrides', async (t, kind) => {
  const s = setup(kind, { cookie: { persistent: false } })
  const { lines } = await s.request((x) => {
    x.n = 1
  })
  t.is(lines[0]?.maxAge, undefined)
  const back = await s.request((x) => x.setPersistent(true))
  t.is(back.lines[0]?.maxAge, '3600')
  t.is((await s.request((x) => x.touch())).lines[0]?.maxAge, '3600', 'persisted with the session')
  const err = await s.request((x) => {
    for (const value of ['false', 0, undefined, null]) {
      t.throws(() => x.setPersistent(value as unknown as boolean), { code: 'ERR_INVALID_ARGUMENT' }, String(value))
    }
  })
  t.deepEqual(err.lines, [], 'refused calls mark nothing')
})

// --- the record's new fields --------------------------------------------------------------------

test(t_('records: t and p are optional, copied when valid, refused when not; old records decode unchanged'), (t) => {
  const base = { v: 1 as const, id: 'A'.repeat(43), c: T0, e: T0 + HOUR }
  const old = encodeRecord({ meta: base, dataJson: '{}' })
  t.is(old, `{"v":1,"id":"${'A'.repeat(43)}","c":${T0},"e":${T0 + HOUR}}\n{}`, 'a record without them is written as before')
  t.deepEqual(decodeRecord(old)?.meta, base)
  const good = { ...base, t: 30 * DAY, p: false }
  t.deepEqual(checkedRecord({ meta: good, dataJson: '{}' }, { now: T0, partial: false })?.meta, good)
  t.deepEqual(decodeRecord(encodeRecord({ meta: good, dataJson: '{}' }))?.meta, good)
  for (const bad of [
    { t: 999 },
    { t: 1.5e3 + 0.5 },
    { t: '30d' },
    { t: -1 },
    { t: 0xffff_ffff * 1000 + 1 },
    { p: 'no' },
    { p: 0 },
    { p: null },
  ]) {
    const meta = { ...base, ...bad }
    t.is(checkedRecord({ meta, dataJson: '{}' }, { now: T0, partial: false }), null, JSON.stringify(bad))
    t.is(decodeRecord(encodeRecord({ meta, dataJson: '{}' } as StoredSession)), null, JSON.stringify(bad))
  }
})

eachStore('a session whose record carries a bad t is refused as ERR_BAD_FORMAT (a fresh session)', async (t, kind) => {
  const meta = { v: 1 as const, id: 'B'.repeat(43), c: T0, e: T0 + HOUR, t: 10 }
  // A store of an app's own that returns the record as it is (memoryStore's decoder would drop it first).
  const raw: ServerStore = {
    kind: 'server',
    get: async () => ({ meta, dataJson: '{"n":1}' }),
    set: async () => {},
    destroy: async () => {},
  }
  const s = setup(kind, kind === 'memory' ? { store: raw } : {})
  if (kind === 'memory') {
    s.jar.value = sign(meta.id, SECRET, { purpose: PURPOSE })
  } else {
    s.jar.value = seal(`${JSON.stringify(meta)}\n{"n":1}`, SECRET, { purpose: PURPOSE, ttl: HOUR, now: T0 })
  }
  const { session } = await s.request()
  t.true(session.isNew)
  t.deepEqual(s.invalid, ['ERR_BAD_FORMAT'])
})

// --- the header option --------------------------------------------------------------------------

eachStore('header: a session carried in the header, answered in the header; Set-Cookie never', async (t, kind) => {
  const s = setup(kind, { header: 'X-Session-Token' })
  t.is(s.manager.headerName, HEADER)
  const first = (await s.manager.load(undefined, '')) as AnySession
  first.user = 'alice'
  t.deepEqual(await s.manager.commit(first), [])
  const token = s.manager.responseHeader(first) as string
  t.is(typeof token, 'string')
  if (kind === 'cookie') t.not(unseal(token, SECRET, { purpose: PURPOSE, now: T0, maxSize: 12_000 }), null)
  else t.is(unsign(token, SECRET, { purpose: PURPOSE }), first.id)
  const second = (await s.manager.load(undefined, token)) as AnySession
  t.is(second.user, 'alice')
  t.deepEqual(await s.manager.commit(second), [])
  t.is(s.manager.responseHeader(second), undefined, 'unchanged: nothing to send')
  // Rolling renews in the header too.
  s.clock.t += 40 * 60 * SECOND
  const third = (await s.manager.load(undefined, [token])) as AnySession
  t.is(third.user, 'alice', 'a one-element array is the value')
  t.deepEqual(await s.manager.commit(third), [])
  t.not(s.manager.responseHeader(third), undefined)
  // destroy: the header is sent empty.
  const fourth = (await s.manager.load(undefined, s.manager.responseHeader(third))) as AnySession
  fourth.destroy()
  t.deepEqual(await s.manager.commit(fourth), [])
  t.is(s.manager.responseHeader(fourth), '')
  t.deepEqual(s.invalid, [])
})

eachStore('header: refused values give a fresh session and an empty header; never chunked; cookie wins', async (t, kind) => {
  const s = setup(kind, { header: HEADER })
  for (const value of ['garbage', `2*${'A'.repeat(100)}`, ['a', 'b']]) {
    const session = (await s.manager.load(undefined, value)) as AnySession
    t.true(session.isNew, String(value))
    t.deepEqual(await s.manager.commit(session), [])
    t.is(s.manager.responseHeader(session), '', String(value))
  }
  t.is(s.invalid.length, 3)
  // With the session cookie, the header is not looked at.
  await s.request((x) => {
    x.user = 'cookie'
  })
  const both = (await s.manager.load(`${NAME}=${s.jar.value}`, 'garbage')) as AnySession
  t.is(both.user, 'cookie')
  both.n = 2
  t.is((await s.manager.commit(both)).length, 1, 'Set-Cookie, as without the option')
  t.is(s.manager.responseHeader(both), undefined)
  t.is(s.invalid.length, 3)
  // Without the option, a header value is ignored.
  const plain = setup(kind)
  const ignored = (await plain.manager.load(undefined, 'garbage')) as AnySession
  ignored.n = 1
  t.is((await plain.manager.commit(ignored)).length, 1)
  t.is(plain.manager.responseHeader(ignored), undefined)
  t.deepEqual(plain.invalid, [])
})

test(t_('header: a sealed value over the store maxBytes is ERR_TOO_LARGE at save (one header, never chunked)'), async (t) => {
  const s = setup('cookie', { header: HEADER, store: cookieStore({ maxBytes: 8000, chunkSize: 1000 }) })
  const session = (await s.manager.load(undefined, '')) as AnySession
  session.big = 'x'.repeat(7000)
  await t.throwsAsync(s.manager.commit(session), { code: 'ERR_TOO_LARGE' })
  t.is(s.manager.responseHeader(session), undefined)
  // Under it, one value, though as cookies it would take several of 1000 bytes.
  session.big = 'x'.repeat(5000)
  t.deepEqual(await s.manager.commit(session), [])
  const value = s.manager.responseHeader(session) as string
  t.false(value.includes('*'))
  t.true(value.length > 5000 && value.length <= 8000)
})

// --- key rotation ---------------------------------------------------------------------------------

eachStore(
  'key rotation: an old-key session is re-sealed / re-signed on its first request, unchanged; then never again',
  async (t, kind) => {
    // The store is shared: the app restarts with a new current key, the old one kept to open sessions.
    const store = kind === 'memory' ? recordingStore() : cookieStore()
    const before = setup(kind, { secret: SECRET_2, store })
    await before.request((x) => {
      x.user = 'alice'
    })
    const old = before.jar.value as string
    const after = setup(kind, { secret: [SECRET, SECRET_2], store })
    after.jar.value = old
    after.clock.t = T0 + 60 * SECOND // 59 of 60 minutes left: rolling would not re-send
    const first = await after.request()
    t.is(first.session.user, 'alice')
    t.is(first.lines.length, 1, 're-sent though unchanged')
    const value = first.lines[0]?.value as string
    if (kind === 'memory') {
      t.is(unsign(value, SECRET, { purpose: PURPOSE }), first.session.id)
      t.is(unsign(value, SECRET_2, { purpose: PURPOSE }), null)
    } else {
      t.not(unseal(value, SECRET, { purpose: PURPOSE, now: after.clock.t, maxSize: 12_000 }), null)
      t.is(unseal(value, SECRET_2, { purpose: PURPOSE, now: after.clock.t, maxSize: 12_000 }), null)
    }
    t.deepEqual((await after.request()).lines, [], 'under the current key now: nothing more')
    t.deepEqual(after.invalid, [])
    // And in header mode, the re-sealed value goes in the header.
    const headed = new SessionManager({
      secret: [SECRET, SECRET_2],
      store,
      header: HEADER,
      ttl: '1h',
      now: () => T0 + 60 * SECOND,
    })
    const viaHeader = (await headed.load(undefined, old)) as AnySession
    t.is(viaHeader.user, 'alice')
    t.deepEqual(await headed.commit(viaHeader), [])
    t.is(typeof headed.responseHeader(viaHeader), 'string')
  },
)

test(t_('key rotation: key ids of any length (given kids) are told apart by the sealed prefix'), async (t) => {
  for (const [current, previous] of [
    ['k', 'kk'],
    ['a-very-long-key-identifier-of-forty-chars', 'x'],
    ['abcdefgh', 'abcdefgi'],
  ] as const) {
    const store = cookieStore()
    const oldRing = [{ id: previous, secret: SECRET_2 }]
    const newRing = [
      { id: current, secret: SECRET },
      { id: previous, secret: SECRET_2 },
    ]
    const before = setup('cookie', { secret: oldRing, store })
    await before.request((x) => {
      x.n = 1
    })
    const after = setup('cookie', { secret: newRing, store })
    after.jar.value = before.jar.value
    t.is((await after.request()).lines.length, 1, `${previous} → ${current}: re-sealed`)
    t.deepEqual((await after.request()).lines, [], `${current}: current`)
  }
})

eachStore('a stored t that now reaches past 2106 is saved with its expiry clamped there, never an error', async (t, kind) => {
  const LATEST = 0xffff_ffff * 1000
  // Valid when it was set (an expiry up to 2106); years later the same ttl would reach past it.
  const meta = { v: 1 as const, id: 'C'.repeat(43), c: T0, e: T0 + HOUR, t: LATEST - T0 }
  const raw: ServerStore = {
    kind: 'server',
    get: async () => ({ meta, dataJson: '{"n":1}' }),
    set: async () => {},
    update: async () => true,
    destroy: async () => {},
  }
  const s = setup(kind, kind === 'memory' ? { store: raw } : {})
  s.jar.value =
    kind === 'memory'
      ? sign(meta.id, SECRET, { purpose: PURPOSE })
      : seal(`${JSON.stringify(meta)}\n{"n":1}`, SECRET, { purpose: PURPOSE, ttl: HOUR, now: T0 })
  s.clock.t = T0 + 60 * SECOND
  const { session, lines } = await s.request((x) => {
    x.n = 2
  })
  t.is(session.expiresAt.getTime(), LATEST)
  t.is(lines.length, 1)
  t.is(lines[0]?.maxAge, String((LATEST - s.clock.t) / SECOND))
})
