/**
 * Sessions under hostile input, over real HTTP for every adapter (SECURITY.md items 12-15): bad
 * cookies of every kind give 200 and a fresh empty session (never the old data, never a 500);
 * server stores never adopt an id they did not issue; Cookie headers that are duplicated,
 * malformed or huge; prototype keys in session data; env configuration and cookie rules.
 *
 * Expired cookies are built, not waited for: sealed with `seal(…, { now: pastTime })` in the
 * record format of src/sessions/stores/record.ts, or with `meta.e` in the past. Every forged
 * cookie has a control built the same way that does open, so the forging itself is proven right.
 */

import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import test, { type ExecutionContext } from 'ava'
import Fastify from 'fastify'
import { Keyring, type SecretInput } from '../src/keys'
import type { Duration } from '../src/lib/duration'
import { randomId } from '../src/random'
import { seal } from '../src/seal'
import { session as expressSession } from '../src/sessions/adapters/express'
import { session as fastifySession } from '../src/sessions/adapters/fastify'
import { session as fetchSession } from '../src/sessions/adapters/fetch'
import { session as honoSession } from '../src/sessions/adapters/hono'
import { session as koaSession } from '../src/sessions/adapters/koa'
import { session as nodeSession } from '../src/sessions/adapters/node'
import type { SameSite } from '../src/sessions/cookies'
import { SessionManager } from '../src/sessions/manager'
import { resolveOptions, type SessionOptions } from '../src/sessions/options'
import { memoryGenerations } from '../src/sessions/revocation'
import { cookieStore } from '../src/sessions/stores/cookie'
import { memoryStore } from '../src/sessions/stores/memory'
import { encodeRecord } from '../src/sessions/stores/record'
import type { ServerStore, SessionMeta, StoredSession } from '../src/sessions/stores/types'
import { sign, unsign } from '../src/sign'
import { SECRET, SECRET_2, t_ } from './helpers/backends'
import { flipChar, isDeletion, parseSetCookie, type Reply, rawRequest, setCookiesNamed } from './helpers/http'
import {
  ADAPTERS,
  type AdapterName,
  type App,
  type AppOptions,
  purposeOf,
  type Routes,
  STORES,
  type StoreKind,
  serverStore,
  startApp,
  storeOf,
} from './helpers/sessions'

const NAME = 'keycard'
const HOUR = 3_600_000

interface WhoAmI {
  isNew: boolean
  keys: string[]
  user: string | null
  id: string
}

const routes: Routes = {
  '/whoami': (s) => ({ isNew: s.isNew, keys: Object.keys(s), user: s.user ?? null, id: s.id }),
  '/write': (s) => {
    s.visit = 1
    return s.id
  },
  '/login': (s, ctx) => {
    s.regenerate()
    s.user = ctx.q('user') ?? 'alice'
    s.note = 'old data'
    return s.id
  },
}

function start(t: ExecutionContext, adapter: AdapterName, store: StoreKind, options: AppOptions = {}): Promise<App> {
  return startApp(t, adapter, { store: storeOf(store), ...options }, routes)
}

/** Logs a new browser in as `user`; returns the session cookie's value(s) as a Cookie header. */
async function login(t: ExecutionContext, app: App, user = 'alice'): Promise<{ header: string; value: string; id: string }> {
  const c = app.client()
  const r = await c.get<string>(`/login?user=${user}`)
  t.is(r.status, 200)
  const header = c.jar.header(new URL(app.origin)) ?? ''
  return { header, value: c.jar.get(NAME) ?? '', id: r.body }
}

function whoami(app: App, cookie: string | null): Promise<Reply<WhoAmI>> {
  return app.client().get<WhoAmI>('/whoami', { cookie })
}

/** 200 and a fresh empty session: none of the old data, none of the user's. */
async function assertFresh(t: ExecutionContext, app: App, cookie: string, label: string): Promise<Reply<WhoAmI>> {
  const r = await whoami(app, cookie)
  t.is(r.status, 200, `${label}: status ${r.status} ${JSON.stringify(r.body)}`)
  t.deepEqual([r.body.isNew, r.body.keys, r.body.user], [true, [], null], `${label}: a fresh empty session`)
  return r
}

/** The response clears the session cookie (a refused cookie is not left in the browser). */
function assertCleared(t: ExecutionContext, r: Reply, label: string): void {
  t.true(setCookiesNamed(r, NAME).some(isDeletion), `${label}: the refused cookie is cleared`)
}

interface ForgeOptions {
  secret?: SecretInput
  name?: string
  /** The clock the seal is made at (ms). Default: now. */
  now?: number
  ttl?: Duration
  notBefore?: Duration
}

/** A cookie session sealed as the manager would (record.ts format), with the given meta and data. */
function forge(meta: Partial<SessionMeta>, dataJson: string, o: ForgeOptions = {}): string {
  const now = o.now ?? Date.now()
  const full = { v: 1, id: randomId(), c: now, e: now + HOUR, ...meta } as SessionMeta
  return sealText(encodeRecord({ meta: full, dataJson }), o)
}

function sealText(text: string, o: ForgeOptions = {}): string {
  return seal(text, o.secret ?? SECRET, {
    purpose: purposeOf(o.name ?? NAME),
    ttl: o.ttl ?? '1h',
    now: o.now ?? Date.now(),
    notBefore: o.notBefore,
  })
}

const ALICE = '{"user":"alice","note":"old data"}'

for (const adapter of ADAPTERS) {
  // --- Cookie store: sealed cookies --------------------------------------------------------------

  test(t_(`${adapter}: cookie store: control — a cookie forged with the right key, name and format opens`), async (t) => {
    const app = await start(t, adapter, 'cookie')
    const r = await whoami(app, `${NAME}=${forge({}, ALICE)}`)
    t.is(r.status, 200)
    t.deepEqual([r.body.isNew, r.body.user, r.body.keys], [false, 'alice', ['user', 'note']])
    t.deepEqual(app.invalid, [])
  })

  test(t_(`${adapter}: cookie store: forged, bit-flipped, truncated and extended cookies → fresh session`), async (t) => {
    const app = await start(t, adapter, 'cookie')
    const { value } = await login(t, app)
    t.is((await whoami(app, `${NAME}=${value}`)).body.user, 'alice', 'control: the untouched cookie opens')
    const mid = Math.floor(value.length / 2)
    const cases: Record<string, string> = {
      'random bytes of the same length': randomBytes(Math.ceil((value.length * 3) / 4))
        .toString('base64url')
        .slice(0, value.length),
      'random short': randomBytes(16).toString('base64url'),
      ...Object.fromEntries([0, 1, 2, 5, 10, 16, 20, 30, mid, -17, -2, -1].map((i) => [`flip at ${i}`, flipChar(value, i)])),
      'truncated by 1': value.slice(0, -1),
      'truncated by 4': value.slice(0, -4),
      'truncated by 16': value.slice(0, -16),
      'truncated to half': value.slice(0, mid),
      'truncated to 10': value.slice(0, 10),
      'extended by 1': `${value}A`,
      'extended by 4': `${value}AAAA`,
      'swapped case': value.replace(/[a-zA-Z]/g, (ch) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase())),
      'reversed halves': value.slice(mid) + value.slice(0, mid),
      'standard base64': Buffer.from(value, 'base64url').toString('base64'),
    }
    for (const [label, bad] of Object.entries(cases)) {
      if (bad === value) continue
      const r = await assertFresh(t, app, `${NAME}=${bad}`, label)
      assertCleared(t, r, label)
    }
    t.true(app.invalid.length >= Object.keys(cases).length - 1)
    t.false(app.invalid.includes('OK'))
  })

  test(t_(`${adapter}: cookie store: expired cookies are refused server-side (seal expiry, meta.e, absoluteTtl)`), async (t) => {
    const app = await start(t, adapter, 'cookie', { absoluteTtl: '2h' })
    const past = Date.now() - 3 * HOUR
    // Control: same construction, current clock.
    t.is((await whoami(app, `${NAME}=${forge({}, ALICE)}`)).body.user, 'alice')
    // The seal's own expiry passed (meta says fine): a replay with the browser's Max-Age stripped.
    const sealExpired = forge({ c: Date.now(), e: Date.now() + HOUR }, ALICE, { now: past, ttl: '1h' })
    assertCleared(t, await assertFresh(t, app, `${NAME}=${sealExpired}`, 'seal expired'), 'seal expired')
    // The idle timeout in the record passed (the seal is still valid).
    const idle = forge({ c: Date.now() - HOUR, e: Date.now() - 1000 }, ALICE)
    assertCleared(t, await assertFresh(t, app, `${NAME}=${idle}`, 'meta.e passed'), 'meta.e passed')
    // Created longer ago than the absolute lifetime, however recently used.
    const old = forge({ c: past, e: Date.now() + HOUR }, ALICE)
    assertCleared(t, await assertFresh(t, app, `${NAME}=${old}`, 'absoluteTtl passed'), 'absoluteTtl passed')
    // Not valid yet.
    const early = forge({}, ALICE, { notBefore: '1h' })
    await assertFresh(t, app, `${NAME}=${early}`, 'not yet valid')
    t.deepEqual(app.invalid, ['ERR_EXPIRED', 'ERR_EXPIRED', 'ERR_EXPIRED', 'ERR_NOT_YET_VALID'])
  })

  test(t_(`${adapter}: cookie store: a key rotated out of the keyring no longer opens its cookies`), async (t) => {
    const before = await start(t, adapter, 'cookie', { secret: [SECRET_2] })
    const rotating = await start(t, adapter, 'cookie', { secret: [SECRET, SECRET_2] })
    const after = await start(t, adapter, 'cookie', { secret: [SECRET] })
    const { value } = await login(t, before)
    t.is((await whoami(rotating, `${NAME}=${value}`)).body.user, 'alice', 'control: during rotation the old key still opens')
    assertCleared(t, await assertFresh(t, after, `${NAME}=${value}`, 'rotated out'), 'rotated out')
    t.deepEqual(after.invalid, ['ERR_UNKNOWN_KEY'])
  })

  test(t_(`${adapter}: cookie store: a cookie sealed for another cookie name is refused`), async (t) => {
    const other = await start(t, adapter, 'cookie', { cookie: { name: 'other' } })
    const app = await start(t, adapter, 'cookie')
    const c = other.client()
    await c.get('/login')
    const value = c.jar.get('other') ?? ''
    t.is((await other.client().get<WhoAmI>('/whoami', { cookie: `other=${value}` })).body.user, 'alice', 'control')
    assertCleared(t, await assertFresh(t, app, `${NAME}=${value}`, 'moved cookie'), 'moved cookie')
    await assertFresh(t, app, `${NAME}=${forge({}, ALICE, { name: 'other' })}`, 'forged for other')
    t.deepEqual(app.invalid, ['ERR_WRONG_PURPOSE', 'ERR_WRONG_PURPOSE'])
  })

  test(t_(`${adapter}: cookie store: an undecryptable cookie (same key id, other secret) is refused`), async (t) => {
    const app = await start(t, adapter, 'cookie', { secret: new Keyring([{ id: 'k1', secret: SECRET }]) })
    const impostor = new Keyring([{ id: 'k1', secret: SECRET_2 }])
    t.is(
      (await whoami(app, `${NAME}=${forge({}, ALICE, { secret: new Keyring([{ id: 'k1', secret: SECRET }]) })}`)).body.user,
      'alice',
    )
    assertCleared(t, await assertFresh(t, app, `${NAME}=${forge({}, ALICE, { secret: impostor })}`, 'decrypt'), 'decrypt')
    t.deepEqual(app.invalid, ['ERR_DECRYPT'])
  })

  test(t_(`${adapter}: cookie store: validly sealed junk (not a session record) is refused`), async (t) => {
    const app = await start(t, adapter, 'cookie')
    const now = Date.now()
    const meta = JSON.stringify({ v: 1, id: randomId(), c: now, e: now + HOUR })
    const cases: Record<string, string> = {
      'no newline': ALICE,
      'empty text': '',
      'meta not JSON': `{meta\n${ALICE}`,
      'meta v 2': `${JSON.stringify({ v: 2, id: randomId(), c: now, e: now + HOUR })}\n${ALICE}`,
      'meta id too short': `${JSON.stringify({ v: 1, id: 'abc', c: now, e: now + HOUR })}\n${ALICE}`,
      'meta e a string': `${JSON.stringify({ v: 1, id: randomId(), c: now, e: String(now + HOUR) })}\n${ALICE}`,
      'meta f an array': `${JSON.stringify({ v: 1, id: randomId(), c: now, e: now + HOUR, f: [] })}\n${ALICE}`,
      'meta null': `null\n${ALICE}`,
      'data an array': `${meta}\n["alice"]`,
      'data null': `${meta}\nnull`,
      'data not JSON': `${meta}\n{"user":"alice"`,
      'data a string': `${meta}\n"alice"`,
    }
    for (const [label, text] of Object.entries(cases)) {
      assertCleared(t, await assertFresh(t, app, `${NAME}=${sealText(text)}`, label), label)
    }
    t.deepEqual(new Set(app.invalid), new Set(['ERR_BAD_FORMAT']))
  })

  // --- Memory store: signed ids --------------------------------------------------------------------

  test(t_(`${adapter}: memory store: a client-chosen id is never adopted`), async (t) => {
    const app = await start(t, adapter, 'memory')
    const store = serverStore(app)
    const chosen = randomId()
    for (const value of [chosen, `${chosen}.${randomId()}`, `${chosen}.`, sign(chosen, SECRET).slice(0, -1)]) {
      await assertFresh(t, app, `${NAME}=${value}`, 'chosen id')
      const write = await app.client().get<string>('/write', { cookie: `${NAME}=${value}` })
      t.is(write.status, 200)
      t.not(write.body, chosen, 'a new id is issued')
      const issued = setCookiesNamed(write, NAME).find((c) => !isDeletion(c))?.value ?? ''
      t.is(unsign(issued, SECRET, { purpose: purposeOf(NAME) }), write.body, 'the cookie names the new id')
    }
    t.is(await store.get(chosen), undefined, 'nothing was ever stored under the chosen id')
    t.true(app.invalid.every((code) => code === 'ERR_BAD_SIGNATURE'))
  })

  test(t_(`${adapter}: memory store: a validly signed id unknown to the store is never adopted`), async (t) => {
    const app = await start(t, adapter, 'memory')
    const { id } = await login(t, app)
    const signedKnown = sign(id, SECRET, { purpose: purposeOf(NAME) })
    t.is((await whoami(app, `${NAME}=${signedKnown}`)).body.user, 'alice', 'control: our signing matches the manager')
    const unknown = randomId()
    const signed = sign(unknown, SECRET, { purpose: purposeOf(NAME) })
    assertCleared(t, await assertFresh(t, app, `${NAME}=${signed}`, 'unknown id'), 'unknown id')
    const write = await app.client().get<string>('/write', { cookie: `${NAME}=${signed}` })
    t.not(write.body, unknown)
    t.is(await serverStore(app).get(unknown), undefined)
    t.deepEqual(app.invalid, ['ERR_UNKNOWN_SESSION', 'ERR_UNKNOWN_SESSION'])
  })

  test(t_(`${adapter}: memory store: ids signed for another name, with a rotated-out key, or tampered → fresh`), async (t) => {
    const app = await start(t, adapter, 'memory')
    const { id, value } = await login(t, app)
    const cases: Record<string, string> = {
      'signed for another cookie name': sign(id, SECRET, { purpose: purposeOf('other') }),
      'signed with no purpose': sign(id, SECRET),
      'signed with a key not in the keyring': sign(id, SECRET_2, { purpose: purposeOf(NAME) }),
      'flipped in the id': flipChar(value, 3),
      'flipped in the tag': flipChar(value, -3),
      'truncated tag': value.slice(0, -1),
      'extended tag': `${value}A`,
      'id only': id,
    }
    for (const [label, bad] of Object.entries(cases)) {
      await assertFresh(t, app, `${NAME}=${bad}`, label)
    }
    t.is((await whoami(app, `${NAME}=${value}`)).body.user, 'alice', 'the real cookie still works')
  })

  test(t_(`${adapter}: memory store: an expired record is refused even when the store still returns it`), async (t) => {
    const app = await start(t, adapter, 'memory', { absoluteTtl: '2h' })
    const store = serverStore(app)
    const now = Date.now()
    const put = async (meta: Partial<SessionMeta>) => {
      const id = randomId()
      await store.set(id, { meta: { v: 1, id, c: now, e: now + HOUR, ...meta }, dataJson: ALICE }, HOUR)
      return `${NAME}=${sign(id, SECRET, { purpose: purposeOf(NAME) })}`
    }
    t.is((await whoami(app, await put({}))).body.user, 'alice', 'control')
    await assertFresh(t, app, await put({ e: now - 1000 }), 'idle timeout passed')
    await assertFresh(t, app, await put({ c: now - 3 * HOUR }), 'absolute lifetime passed')
    // A store returning a record under another id than asked is not trusted either.
    const id = randomId()
    await store.set(id, { meta: { v: 1, id: randomId(), c: now, e: now + HOUR }, dataJson: ALICE }, HOUR)
    await assertFresh(t, app, `${NAME}=${sign(id, SECRET, { purpose: purposeOf(NAME) })}`, 'record of another id')
    t.deepEqual(app.invalid, ['ERR_EXPIRED', 'ERR_EXPIRED', 'ERR_BAD_FORMAT'])
  })

  // A custom store is app code, and the core does not trust what it returns: a record without an
  // expiry, with NaN or a string for it, a creation time in the future... would be a session the
  // expiry and lifetime checks can never end. Each is ERR_BAD_FORMAT: a fresh session, not a 500.
  for (const partial of [false, true]) {
    test(
      t_(
        `${adapter}: a custom store${partial ? ' (partial)' : ''} returning malformed records → fresh session, never a 500 or an immortal one`,
      ),
      async (t) => {
        const records = new Map<string, unknown>()
        const store: ServerStore = {
          kind: 'server',
          partial,
          get: async (id) => records.get(id) as StoredSession | undefined,
          set: async () => {},
          destroy: async (id) => {
            records.delete(id)
          },
        }
        const app = await startApp(t, adapter, { store, absoluteTtl: '2h' }, routes)
        const now = Date.now()
        const fields = new Map([
          ['note', '"old data"'],
          ['user', '"alice"'],
        ])
        /** A well-formed record with `change` applied: its cookie. */
        const put = (change: (record: Record<string, unknown>, meta: Record<string, unknown>) => unknown = (r) => r) => {
          const id = randomId()
          const meta: Record<string, unknown> = { v: 1, id, c: now, e: now + HOUR }
          const record: Record<string, unknown> = { meta, dataJson: ALICE, ...(partial ? { fields } : {}) }
          records.set(id, change(record, meta))
          return `${NAME}=${sign(id, SECRET, { purpose: purposeOf(NAME) })}`
        }
        const set = (key: string, value: unknown) => (r: Record<string, unknown>, meta: Record<string, unknown>) => {
          meta[key] = value
          return r
        }
        const drop = (key: string) => (r: Record<string, unknown>, meta: Record<string, unknown>) => {
          delete meta[key]
          return r
        }
        t.is((await whoami(app, put())).body.user, 'alice', 'control: a well-formed record opens')
        const bad: Array<[string, ReturnType<typeof put>]> = [
          ['no expiry', put(drop('e'))],
          ['expiry NaN', put(set('e', Number.NaN))],
          ['expiry Infinity', put(set('e', Number.POSITIVE_INFINITY))],
          ['expiry a string', put(set('e', String(now + HOUR)))],
          ['expiry null', put(set('e', null))],
          ['expiry past the year 2106', put(set('e', 1e15))],
          ['creation time in the future', put(set('c', now + 10 * HOUR))],
          ['no creation time', put(drop('c'))],
          ['creation time NaN', put(set('c', Number.NaN))],
          ['no version', put(drop('v'))],
          ['id of another session', put(set('id', randomId()))],
          ['id not a string', put(set('id', 42))],
          ['flash that is not lists', put(set('f', { notice: 'not a list' }))],
          ['flash that is a list', put(set('f', ['x']))],
          ['user not a string', put(set('u', 42))],
          ['generation a string', put(set('g', '1'))],
          ['generation negative', put(set('g', -1))],
          ['no meta', put((r) => ({ ...r, meta: undefined }))],
          ['meta an array', put((r) => ({ ...r, meta: [] }))],
          ['data a String object', put((r) => ({ ...r, dataJson: new String(ALICE) }))],
          ['data an object', put((r) => ({ ...r, dataJson: { user: 'alice' } }))],
          ['the record as text', put((r) => encodeRecord(r as unknown as StoredSession))],
          [
            'a getter that throws',
            put((r, meta) => {
              Object.defineProperty(meta, 'e', {
                get() {
                  throw new Error('hostile')
                },
              })
              return r
            }),
          ],
        ]
        if (partial) {
          bad.push(
            ['no fields', put((r) => ({ ...r, fields: undefined }))],
            ['fields an array', put((r) => ({ ...r, fields: [...fields] }))],
            ['fields with a value that is not text', put((r) => ({ ...r, fields: new Map([['user', 42]]) }))],
          )
        }
        for (const [label, cookie] of bad) {
          const before = app.invalid.length
          const r = await assertFresh(t, app, cookie, label)
          assertCleared(t, r, label)
          t.deepEqual(app.invalid.slice(before), ['ERR_BAD_FORMAT'], label)
        }
        t.deepEqual(app.errors, [], 'no request failed')
      },
    )
  }

  // --- Cookie headers: duplicates, malformed, huge -------------------------------------------------

  for (const store of STORES) {
    test(t_(`${adapter} × ${store}: duplicate cookie names — the first wins`), async (t) => {
      const app = await start(t, adapter, store)
      const a = await login(t, app, 'anna')
      const b = await login(t, app, 'bert')
      t.is((await whoami(app, `${NAME}=${a.value}; ${NAME}=${b.value}`)).body.user, 'anna')
      t.is((await whoami(app, `${NAME}=${b.value}; ${NAME}=${a.value}`)).body.user, 'bert')
      t.is((await whoami(app, `x=1; ${NAME}=${b.value}; y=2; ${NAME}=${a.value}`)).body.user, 'bert')
      // The first wins even when it is bad: no falling through to a later, valid one.
      await assertFresh(t, app, `${NAME}=garbage; ${NAME}=${a.value}`, 'bad first')
      // Two Cookie header lines (node joins them in order).
      const raw = await rawRequest(app.origin, '/whoami', [`Cookie: ${NAME}=${b.value}`, `Cookie: ${NAME}=${a.value}`])
      t.is(raw.status, 200)
      t.is((JSON.parse(raw.body) as WhoAmI).user, 'bert')
    })

    test(t_(`${adapter} × ${store}: malformed Cookie headers give 200 and a fresh session, never a 500`), async (t) => {
      const app = await start(t, adapter, store)
      const { value } = await login(t, app)
      const malformed = [
        ';',
        ';;;;',
        '=',
        '==;==',
        NAME,
        `${NAME}=`,
        `${NAME}=;`,
        `=${NAME}`,
        `${NAME}="`,
        `${NAME}=""`,
        `${NAME}="abc`,
        `${NAME}=a=b=c`,
        `${NAME}=3*abc`,
        `${NAME}=99*abc`,
        `${NAME}=65*${value}`,
        `${NAME}=1*${value}`,
        `${NAME}=0*${value}`,
        `${NAME}=-2*abc`,
        `${NAME}=2*${value}`,
        `${NAME}=2*abc; ${NAME}.1=def`,
        `${NAME}.1=${value}`,
        `${NAME}.0=${value}; ${NAME}=x`,
        `${NAME}=\u00a0`,
        `${NAME}=%00`,
        `${NAME}=${'A'.repeat(5000)}`,
        `${NAME}=${'*'.repeat(100)}`,
        `${NAME}=${'a;'.repeat(2000)}`,
        `a=b;;=c; ${NAME}`,
        `\t${NAME}\t=\t`,
        `,${NAME}=${value}`,
        `${NAME.toUpperCase()}=${value}`,
        `"${NAME}"=${value}`,
        `${NAME}x=${value}`,
        `${NAME}.99=x`,
        `${NAME}.100=${value}`,
        `$Version=1; $${NAME}=${value}`,
      ]
      for (const header of malformed) await assertFresh(t, app, header, JSON.stringify(header.slice(0, 60)))
      // Bytes fetch will not send: a leading U+2000 (UTF-8 on the wire), NUL-free control bytes.
      for (const line of [`Cookie: \u2000${NAME}=${value}`, `Cookie: \u00a0${NAME}=${value}`, `Cookie: ${NAME}=\u00e9${value}`]) {
        const raw = await rawRequest(app.origin, '/whoami', [line])
        t.is(raw.status, 200, line)
        t.deepEqual(JSON.parse(raw.body).keys, [], line)
      }
      // Spellings that are the same cookie: quotes removed once, SP/HTAB trimmed, $Version ignored.
      for (const same of [
        `${NAME}="${value}"`,
        `  ${NAME} = ${value}  `,
        `\t${NAME}=${value}`,
        `$Version=1; ${NAME}=${value}`,
        `a=1; ${NAME}=${value}; b=2`,
        `${NAME}=${value}; ${NAME}.1=junk`,
      ]) {
        t.is((await whoami(app, same)).body.user, 'alice', JSON.stringify(same.slice(0, 40)))
      }
    })

    test(t_(`${adapter} × ${store}: a 100 KB Cookie header is neither a 500 nor a crash`), async (t) => {
      const huge = `${'x'.repeat(100 * 1024)}`
      // Node's default header limit (16 KiB): node answers 431 before any handler runs.
      const app = await start(t, adapter, store)
      const { value } = await login(t, app)
      let status: number | string
      try {
        status = (await whoami(app, `${NAME}=${value}; pad=${huge}`)).status
      } catch (err) {
        status = `connection error: ${(err as Error).message}`
      }
      t.not(status, 500)
      t.is(status, 431)
      t.is((await whoami(app, `${NAME}=${value}`)).body.user, 'alice', 'the server still serves')
      // With the limit raised, the header reaches the manager, which ignores a header over 64 KiB.
      const big = await start(t, adapter, store, { maxHeaderSize: 256 * 1024 })
      const { value: v2 } = await login(t, big)
      const r = await whoami(big, `${NAME}=${v2}; pad=${huge}`)
      t.is(r.status, 200)
      t.deepEqual([r.body.isNew, r.body.keys], [true, []])
      const padded = await whoami(big, `${NAME}=${v2}; pad=${'x'.repeat(30 * 1024)}`)
      t.is(padded.body.user, 'alice', 'under 64 KiB the header is parsed as usual')
    })
  }

  // --- Prototype keys ---------------------------------------------------------------------------------

  for (const store of STORES) {
    test(t_(`${adapter} × ${store}: __proto__, constructor and prototype keys round-trip as plain data`), async (t) => {
      const protoNames = Object.getOwnPropertyNames(Object.prototype).sort()
      const app = await startApp(
        t,
        adapter,
        { store: storeOf(store) },
        {
          '/write': (s) => {
            s.set('__proto__', { isAdmin: true })
            // Through the Proxy's set trap, as `s.constructor = …` would (TS types it as Function).
            Reflect.set(s, 'constructor', { prototype: { isAdmin: true } })
            s.prototype = { isAdmin: true }
            s.nested = JSON.parse('{"__proto__":{"isAdmin":true},"deep":{"constructor":{"prototype":{"isAdmin":true}}}}')
            s.list = JSON.parse('[{"__proto__":{"isAdmin":true}}]')
            return Object.keys(s).sort()
          },
          '/read': (s) => {
            const json = s.toJSON()
            return {
              keys: Object.keys(s).sort(),
              sessionProtoIsNull: Object.getPrototypeOf(s) === null,
              sessionIsAdmin: s.isAdmin ?? null,
              protoData: s.get('__proto__'),
              ctorData: s.get('constructor'),
              prototypeData: s.prototype,
              nestedProtoIsObject: Object.getPrototypeOf(s.nested) === Object.prototype,
              nestedIsAdmin: s.nested.isAdmin ?? null,
              nestedOwnProto: Object.hasOwn(s.nested, '__proto__'),
              listIsAdmin: s.list[0].isAdmin ?? null,
              jsonProtoIsObject: Object.getPrototypeOf(json) === Object.prototype,
              jsonIsAdmin: (json as { isAdmin?: unknown }).isAdmin ?? null,
              emptyIsAdmin: ({} as { isAdmin?: unknown }).isAdmin ?? null,
            }
          },
        },
      )
      const c = app.client()
      const w = await c.get('/write')
      t.is(w.status, 200, JSON.stringify(w.body))
      t.deepEqual(w.body, ['__proto__', 'constructor', 'list', 'nested', 'prototype'])
      const r = await c.get<Record<string, unknown>>('/read')
      t.is(r.status, 200)
      t.deepEqual(r.body, {
        keys: ['__proto__', 'constructor', 'list', 'nested', 'prototype'],
        sessionProtoIsNull: true,
        sessionIsAdmin: null,
        protoData: { isAdmin: true },
        ctorData: { prototype: { isAdmin: true } },
        prototypeData: { isAdmin: true },
        nestedProtoIsObject: true,
        nestedIsAdmin: null,
        nestedOwnProto: true,
        listIsAdmin: null,
        jsonProtoIsObject: true,
        jsonIsAdmin: null,
        emptyIsAdmin: null,
      })
      t.is(({} as { isAdmin?: unknown }).isAdmin, undefined)
      t.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoNames, 'Object.prototype unchanged')
    })
  }

  test(t_(`${adapter}: decrypted JSON with __proto__ at the top and nested deep changes no prototype`), async (t) => {
    const app = await startApp(
      t,
      adapter,
      { store: cookieStore() },
      {
        '/read': (s) => ({
          keys: Object.keys(s).sort(),
          isAdmin: s.isAdmin ?? null,
          proto: Object.getPrototypeOf(s),
          deepIsAdmin: s.a?.b?.c?.isAdmin ?? null,
          emptyIsAdmin: ({} as { isAdmin?: unknown }).isAdmin ?? null,
        }),
      },
    )
    let deep = '{"__proto__":{"isAdmin":true}}'
    for (const key of ['c', 'b', 'a']) deep = `{"${key}":${deep},"__proto__":{"isAdmin":true}}`
    const dataJson = `{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}},${deep.slice(1)}`
    const r = await app.client().get<Record<string, unknown>>('/read', { cookie: `${NAME}=${forge({}, dataJson)}` })
    t.deepEqual(r.body, {
      keys: ['__proto__', 'a', 'constructor'],
      isAdmin: null,
      proto: null,
      deepIsAdmin: null,
      emptyIsAdmin: null,
    })
    t.is(({} as { isAdmin?: unknown }).isAdmin, undefined)
  })
}

// --- The manager directly ------------------------------------------------------------------------------

test(t_('manager.load: a 100 KB Cookie header (string or array) gives a fresh session'), async (t) => {
  const manager = new SessionManager({ secret: SECRET })
  const s = await manager.load(undefined)
  s.user = 'alice'
  const [cookie] = await manager.commit(s)
  const pair = (cookie ?? '').split(';')[0] as string
  t.is((await manager.load(pair)).user, 'alice', 'control')
  const pad = 'x'.repeat(100 * 1024)
  for (const header of [`${pair}; pad=${pad}`, [pair, `pad=${pad}`], Array.from({ length: 2000 }, () => `${pair}`)]) {
    const big = await manager.load(header)
    t.deepEqual([big.isNew, Object.keys(big)], [true, []])
  }
  const many = `${'a=1; '.repeat(14_000)}${pair}`
  t.true(many.length > 64 * 1024)
  t.true((await manager.load(many)).isNew)
})

test(t_('manager.load never throws for hostile headers, and commit clears what it refused'), async (t) => {
  const manager = new SessionManager({ secret: SECRET })
  for (const header of ['', ';', `${NAME}=`, `${NAME}=${'%'.repeat(50)}`, `${NAME}=2*`, [`${NAME}=x`, `${NAME}.1=y`], []]) {
    const s = await manager.load(header)
    t.true(s.isNew)
    const out = await manager.commit(s)
    t.true(
      out.every((line) => /Max-Age=0/.test(line)),
      JSON.stringify(header),
    )
  }
  // A non-string header is a caller bug, reported as such (not a session problem).
  await t.throwsAsync(manager.load(42 as unknown as string), { code: 'ERR_INVALID_ARGUMENT' })
})

// --- Env configuration and cookie rules -------------------------------------------------------------------

const ENV = { NODE_ENV: 'test' }

test(t_('env: bad KEYCARD_SESSION_* values are ERR_BAD_CONFIG'), (t) => {
  const bad: Record<string, string>[] = [
    { KEYCARD_SESSION_TTL_SECONDS: 'abc' },
    { KEYCARD_SESSION_TTL_SECONDS: '0' },
    { KEYCARD_SESSION_TTL_SECONDS: '-5' },
    { KEYCARD_SESSION_TTL_SECONDS: '1.5' },
    { KEYCARD_SESSION_TTL_SECONDS: '1e3' },
    { KEYCARD_SESSION_STORE: 'nope' },
    { KEYCARD_SESSION_STORE: 'redis' },
    { KEYCARD_SESSION_COOKIE_SECURE: 'maybe' },
    { KEYCARD_SESSION_COOKIE_HTTP_ONLY: '2' },
    { KEYCARD_SESSION_COOKIE_SAME_SITE: 'lax; Domain=evil' },
    { KEYCARD_SESSION_COOKIE_NAME: '__Host-s', KEYCARD_SESSION_COOKIE_DOMAIN: 'example.com' },
    { KEYCARD_SESSION_COOKIE_NAME: '__host-s' },
    { KEYCARD_SESSION_COOKIE_SAME_SITE: 'none', KEYCARD_SESSION_COOKIE_SECURE: 'false' },
  ]
  for (const env of bad) {
    t.throws(() => resolveOptions({ secret: SECRET }, { ...ENV, ...env }), { code: 'ERR_BAD_CONFIG' }, JSON.stringify(env))
  }
})

test(t_('env: good values are read; explicit options win over env'), (t) => {
  const env = {
    ...ENV,
    KEYCARD_SESSION_TTL_SECONDS: '60',
    KEYCARD_SESSION_STORE: 'memory',
    KEYCARD_SESSION_COOKIE_NAME: 'from-env',
    KEYCARD_SESSION_COOKIE_PATH: '/app',
    KEYCARD_SESSION_COOKIE_SECURE: 'false',
    KEYCARD_SESSION_COOKIE_HTTP_ONLY: 'no',
    KEYCARD_SESSION_COOKIE_SAME_SITE: 'Strict',
    KEYCARD_SESSION_COOKIE_DOMAIN: 'example.com',
  }
  const fromEnv = resolveOptions({ secret: SECRET }, env)
  t.is(fromEnv.ttl, 60_000)
  t.is(fromEnv.store.kind, 'server')
  t.deepEqual(fromEnv.cookie, {
    name: 'from-env',
    domain: 'example.com',
    path: '/app',
    secure: false,
    httpOnly: false,
    sameSite: 'strict',
    partitioned: false,
  })
  const explicit = resolveOptions(
    {
      secret: SECRET,
      ttl: '2h',
      store: cookieStore(),
      cookie: { name: 'mine', domain: 'example.org', path: '/', secure: true, httpOnly: true, sameSite: 'lax' },
    },
    env,
  )
  t.is(explicit.ttl, 2 * HOUR)
  t.is(explicit.store.kind, 'cookie')
  t.deepEqual(explicit.cookie, {
    name: 'mine',
    domain: 'example.org',
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'lax',
    partitioned: false,
  })
  const defaults = resolveOptions({ secret: SECRET }, ENV)
  t.deepEqual(
    [
      defaults.ttl,
      defaults.store.kind,
      defaults.cookie.name,
      defaults.cookie.secure,
      defaults.rolling,
      defaults.saveUninitialized,
    ],
    [24 * HOUR, 'cookie', 'keycard', true, 'auto', false],
  )
})

test(t_('env: new SessionManager() reads process.env and throws ERR_BAD_CONFIG at construction'), (t) => {
  // A child process, so this worker's process.env (shared by the concurrent tests) is never touched.
  const root = join(__dirname, '..')
  const script = `
    const { SessionManager } = require('./src/sessions/manager.ts')
    let code = 'OK'
    try { new SessionManager({ secret: ${JSON.stringify(SECRET)} }) } catch (err) { code = err.code }
    process.stdout.write(code)
  `
  const run = (env: Record<string, string>) =>
    execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', KEYCARD_BACKEND: process.env.KEYCARD_BACKEND ?? 'auto', NODE_ENV: 'test', ...env },
      encoding: 'utf8',
    })
  t.is(run({}), 'OK', 'control')
  t.is(run({ KEYCARD_SESSION_TTL_SECONDS: 'abc' }), 'ERR_BAD_CONFIG')
  t.is(run({ KEYCARD_SESSION_STORE: 'nope' }), 'ERR_BAD_CONFIG')
  t.is(run({ KEYCARD_SESSION_COOKIE_SECURE: 'maybe' }), 'ERR_BAD_CONFIG')
})

test(t_('cookie rules: __Host- and __Secure- names, SameSite=None and Partitioned are checked at start-up'), (t) => {
  const bad = [
    { name: '__Host-s', domain: 'example.com' },
    { name: '__Host-s', path: '/x' },
    { name: '__Host-s', secure: false },
    { name: '__HOST-s' },
    { name: '__Secure-s', secure: false },
    { name: 'plain', sameSite: 'none' as const, secure: false },
    { name: 'plain', partitioned: true, secure: false },
  ]
  for (const cookie of bad) {
    t.throws(() => new SessionManager({ secret: SECRET, cookie }), { code: 'ERR_BAD_CONFIG' }, JSON.stringify(cookie))
  }
  t.notThrows(() => new SessionManager({ secret: SECRET, cookie: { name: '__Host-s' } }))
  t.notThrows(() => new SessionManager({ secret: SECRET, cookie: { name: '__Secure-s', domain: 'example.com' } }))
})

// --- Options checked at construction ----------------------------------------------------------------

/** Options that used to pass `new SessionManager()` and then fail every response (or be ignored). */
const BAD_OPTIONS: Array<[unknown, string | RegExp]> = [
  [{ cookie: { path: '/x;Domain=evil' } }, 'cookie.path'],
  [{ cookie: { path: 'x' } }, 'cookie.path'],
  [{ cookie: { path: `/${'p'.repeat(1024)}` } }, 'cookie.path'],
  [{ cookie: { domain: 'evil.com; Secure' } }, 'cookie.domain'],
  [{ cookie: { domain: 'ex ample.com' } }, 'cookie.domain'],
  [{ cookie: { domain: '' } }, 'cookie.domain'],
  [{ cookie: { name: 'a=b' } }, 'cookie.name'],
  [{ cookie: { name: 'a;b' } }, 'cookie.name'],
  [{ cookie: { name: '' } }, 'cookie.name'],
  [{ cookie: { name: 42 } }, 'cookie.name'],
  [{ cookie: { sameSite: true } }, /cookie\.sameSite.*express-session's `true` is 'strict'/],
  [{ cookie: { sameSite: 'sometimes' } }, 'cookie.sameSite'],
  [{ cookie: { secure: 'false' } }, 'cookie.secure'],
  [{ cookie: { httpOnly: 1 } }, 'cookie.httpOnly'],
  [{ cookie: { partitioned: 'yes' } }, 'cookie.partitioned'],
  [{ cookie: 'keycard' }, 'cookie'],
  [{ ttl: '100000d' }, /ttl reaches past the year 2106/],
  [{ ttl: 2 ** 53 }, /ttl reaches past the year 2106/],
  [{ ttl: 500 }, 'ttl'],
  [{ ttl: -1 }, 'ttl'],
  [{ ttl: 'forever' }, 'ttl'],
  [{ absoluteTtl: 'a while' }, 'absoluteTtl'],
  [{ rolling: 'yes' }, 'rolling'],
  [{ saveUninitialized: 'no' }, 'saveUninitialized'],
  [{ storeTimeout: '30d' }, 'storeTimeout'],
  [{ storeTimeout: Number.NaN }, 'storeTimeout'],
  [{ onInvalid: 'log' }, 'onInvalid'],
  [{ allowInsecureKey: 'yes' }, 'allowInsecureKey'],
  [{ store: 'memory' }, 'store'],
  [{ store: {} }, 'store.kind'],
  [{ store: { kind: 'server', get: async () => undefined } }, 'store.set'],
  [{ store: { kind: 'server', get() {}, set() {}, destroy() {}, update: true } }, 'store.update'],
  [{ store: { kind: 'cookie', chunkSize: 99_999, maxBytes: 99_999 } }, 'store.chunkSize'],
  [{ revocation: { userOf: () => undefined } }, 'revocation.generations'],
  [{ revocation: { generations: { get: () => 0, bump: () => 1 } } }, 'revocation.userOf'],
  // Unknown names, with the option they most likely meant.
  [{ saveUnitialized: true }, 'unknown session option `saveUnitialized`: did you mean `saveUninitialized`?'],
  [{ rollling: true }, 'did you mean `rolling`?'],
  [{ storeTimout: '1s' }, 'did you mean `storeTimeout`?'],
  [{ tll: '1h' }, 'did you mean `ttl`?'],
  [{ maxAge: 60_000 }, 'unknown session option `maxAge`: did you mean `ttl`?'],
  [{ expires: new Date() }, 'did you mean `ttl`?'],
  [{ keys: [SECRET] }, 'unknown session option `keys`: did you mean `secret`?'],
  [{ name: 'sid' }, 'did you mean `cookie.name`?'],
  [{ sameSite: 'lax' }, 'did you mean `cookie.sameSite`?'],
  [{ resave: false }, /`resave`: keycard saves a session only when it changed/],
  [{ genid: () => 'x' }, /`genid`: keycard makes every session id itself/],
  [{ somethingElse: 1 }, /^unknown session option `somethingElse`$/],
  [{ cookie: { maxAge: 60_000 } }, 'unknown session option `cookie.maxAge`: did you mean the top-level `ttl`?'],
  [{ cookie: { httponly: true } }, 'did you mean `cookie.httpOnly`?'],
  [{ cookie: { samesite: 'lax' } }, 'did you mean `cookie.sameSite`?'],
  [{ cookie: { secrue: true } }, 'did you mean `cookie.secure`?'],
  [{ cookie: { priority: 'high' } }, /^unknown session option `cookie.priority`$/],
  ['a secret', 'session options must be an object'],
]

test(
  t_('options: every option is checked by new SessionManager(): ERR_BAD_CONFIG naming it, with a hint for unknown names'),
  (t) => {
    for (const [options, message] of BAD_OPTIONS) {
      const given = typeof options === 'object' ? { secret: SECRET, ...options } : options
      const label = JSON.stringify(options)
      const err = t.throws(() => new SessionManager(given as SessionOptions), { code: 'ERR_BAD_CONFIG' }, label)
      if (typeof message === 'string') t.true(err?.message.includes(message), `${label}: ${err?.message}`)
      else t.regex(err?.message ?? '', message, label)
    }
    // The ttl bound holds for the env value too.
    t.throws(() => resolveOptions({ secret: SECRET }, { ...ENV, KEYCARD_SESSION_TTL_SECONDS: '9999999999' }), {
      code: 'ERR_BAD_CONFIG',
      message: /2106/,
    })
    // Control: every option, well-formed, in every accepted form.
    const all: Required<Omit<SessionOptions, 'allowWeakKey'>> = {
      secret: SECRET,
      allowInsecureKey: false,
      store: cookieStore({ maxBytes: 8000 }),
      ttl: '30d',
      absoluteTtl: '90d',
      rolling: 'auto',
      saveUninitialized: false,
      cookie: {
        name: '__Secure-s',
        domain: 'Example.COM',
        path: '/app',
        secure: true,
        httpOnly: true,
        sameSite: 'none',
        partitioned: true,
      },
      revocation: { userOf: (d) => d.user as string | undefined, generations: memoryGenerations() },
      storeTimeout: '1s',
      onInvalid: () => {},
    }
    t.notThrows(() => new SessionManager(all))
    t.is(new SessionManager({ secret: SECRET, cookie: { sameSite: 'Strict' as SameSite } }).options.cookie.sameSite, 'strict')
    // 50 years is long, but a session saved today can still carry it.
    t.notThrows(() => new SessionManager({ secret: SECRET, ttl: 50 * 365 * 24 * HOUR }))
  },
)

test(t_('options: every adapter refuses bad options when session(options) is called, before any request'), async (t) => {
  const bad = { secret: SECRET, cookie: { path: '/x;Domain=evil' } } as SessionOptions
  const typo = { secret: SECRET, saveUnitialized: true } as SessionOptions
  for (const options of [bad, typo]) {
    for (const [name, make] of [
      ['express', expressSession],
      ['node', nodeSession],
      ['fetch', fetchSession],
      ['koa', koaSession],
      ['hono', honoSession],
    ] as const) {
      t.throws(() => make(options), { code: 'ERR_BAD_CONFIG' }, name)
    }
    // Fastify builds the manager when the plugin is registered: the app does not start.
    const app = Fastify()
    await t.throwsAsync(async () => app.register(fastifySession, options), { code: 'ERR_BAD_CONFIG' }, 'fastify')
    await app.close()
  }
})

test(t_('cookie rules: a __Host- session works end to end, chunks included'), async (t) => {
  const name = '__Host-keycard'
  const app = await startApp(
    t,
    'node',
    { store: cookieStore(), cookie: { name } },
    {
      '/big': (s) => {
        s.blob = 'x'.repeat(6000)
      },
      '/read': (s) => s.blob?.length ?? null,
    },
  )
  const c = app.client()
  const big = await c.get('/big')
  t.deepEqual(c.jar.names(), [name, `${name}.1`, `${name}.2`])
  for (const line of big.setCookie) {
    const parsed = parseSetCookie(line)
    t.is(parsed?.attributes.path, '/')
    t.true(parsed?.attributes.secure)
    t.is(parsed?.attributes.domain, undefined)
  }
  t.is((await c.get('/read')).body, 6000)
  // The unprefixed name is another cookie: a `keycard` cookie cannot stand in for `__Host-keycard`.
  const plain = await c.get<number | null>('/read', { cookie: `keycard=${c.jar.get(name)}` })
  t.is(plain.body, null)
})

// --- Known bugs (reported) ---------------------------------------------------------------------------

// A request that loads a session just before its absolute lifetime ends and commits just after:
// the commit computes an expiry in the past and throws ERR_INVALID_ARGUMENT (negative Max-Age /
// seal ttl), so the user gets an error page. Expected: 200, and the session ends (fresh next time).
// (The only test here that waits: the manager's clock cannot be moved, so the request straddles
// a deadline 150 ms away.)
for (const kind of STORES) {
  test(t_(`node × ${kind}: a request straddling the absoluteTtl deadline is not an error`), async (t) => {
    const app = await startApp(
      t,
      'node',
      { store: storeOf(kind), absoluteTtl: '1h' },
      {
        '/slow-write': async (s) => {
          await new Promise((resolve) => setTimeout(resolve, 300))
          s.x = 1
          return s.user ?? null
        },
        '/whoami': (s) => s.user ?? null,
      },
    )
    const now = Date.now()
    const meta = { v: 1 as const, id: randomId(), c: now - HOUR + 150, e: now + HOUR }
    let cookie: string
    if (kind === 'memory') {
      await serverStore(app).set(meta.id, { meta, dataJson: ALICE }, HOUR)
      cookie = `${NAME}=${sign(meta.id, SECRET, { purpose: purposeOf(NAME) })}`
    } else {
      cookie = `${NAME}=${forge(meta, ALICE)}`
    }
    const c = app.client()
    c.jar.set(NAME, cookie.slice(NAME.length + 1))
    const r = await c.get('/slow-write')
    t.is(r.status, 200, JSON.stringify(r.body))
    t.is((await c.get('/whoami')).body, null)
  })
}

// cookieStore's chunkSize (4000) does not leave room for the cookie name and the `N*` prefix:
// with a cookie name of 95+ characters every session over one chunk is ERR_TOO_LARGE, far below
// maxBytes. Expected: a session well under maxBytes saves whatever the (valid) name's length.
test(t_('cookie store: a long cookie name does not make a 3 KB session ERR_TOO_LARGE'), async (t) => {
  const manager = new SessionManager({ secret: SECRET, cookie: { name: 'k'.repeat(100) } })
  const s = await manager.load(undefined)
  s.blob = 'x'.repeat(3000)
  const lines = await manager.commit(s)
  t.true(lines.length >= 1)
  const header = lines.map((l) => l.split(';')[0]).join('; ')
  t.is(((await manager.load(header)).blob as string | undefined)?.length, 3000)
})

// A new session whose request outlives absoluteTtl: the deadline computed from its creation is
// already past at commit, which made the seal's ttl negative (ERR_INVALID_ARGUMENT, a 500).
// Found by the differential fuzz suite. The session now starts at commit instead.
for (const kind of ['cookie', 'memory'] as const) {
  test(t_(`core × ${kind}: a new session committed after absoluteTtl is saved, not an error`), async (t) => {
    const manager = new SessionManager({
      secret: SECRET,
      absoluteTtl: '1s',
      store: kind === 'memory' ? memoryStore() : cookieStore(),
    })
    const fresh = await manager.load(undefined)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    fresh.user = 'x'
    const headers = await manager.commit(fresh)
    t.is(headers.length, 1)
    const again = await manager.load(headers[0]?.split(';')[0])
    t.is(again.user, 'x')
    t.false(again.isNew)
  })
}

test(t_('core: absoluteTtl under one second (other than 0) is refused at construction'), (t) => {
  for (const absoluteTtl of [0.5, 999, '500ms'] as const) {
    t.throws(() => new SessionManager({ secret: SECRET, absoluteTtl }), { code: 'ERR_BAD_CONFIG' }, String(absoluteTtl))
  }
  t.notThrows(() => new SessionManager({ secret: SECRET, absoluteTtl: 0 }))
  t.notThrows(() => new SessionManager({ secret: SECRET, absoluteTtl: '1s' }))
})
