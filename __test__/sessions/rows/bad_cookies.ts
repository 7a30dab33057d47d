/**
 * Bad cookies: whatever a client does to its session cookie gives 200 and a fresh empty session,
 * the cookie cleared and the reason passed to onInvalid; never the old data, never a 500.
 * - Cookie store: bit flips, truncation, random bytes, another cookie name, a key rotated out,
 *   another secret under the same key id, validly sealed junk. (Expired cookies: expiry.ts.)
 * - Server stores: the cookie holds a signed id, and an id the store did not issue is never
 *   adopted (session fixation): unsigned, tampered, signed for another name or with another key,
 *   or validly signed but unknown to the store.
 * Malformed and duplicated Cookie headers: cookie_headers.ts; malformed store records: bad_records.ts.
 */

import { randomBytes } from 'node:crypto'
import { Keyring } from '../../../src/keys'
import { randomId } from '../../../src/random'
import { sign, unsign } from '../../../src/sign'
import { SECRET, SECRET_2 } from '../../helpers/backends'
import { flipChar, isDeletion, setCookiesNamed } from '../../helpers/http'
import { type AdapterName, purposeOf, serverStore } from '../../helpers/sessions'
import {
  ALICE_ONLY,
  assertCleared,
  assertFresh,
  assertRefused,
  badCookieRoutes,
  hostileRoutes,
  login,
  loginAlice,
  whoami,
  whoamiOk,
} from './hostile_kit'
import { ALICE, forge, HOUR, ID, NAME, ok, type RegisterOptions, type Row, registerRows, sealText, type WhoAmI } from './table'

/**
 * The bad cookies rows, in the order they are registered.
 * @example
 * registerRows(badCookieRows, 'express')
 */
export const badCookieRows: Row[] = [
  {
    title: 'bad cookies: tampered, truncated, foreign, expired or rotated-out sealed sessions → fresh session, cleared',
    stores: ['cookie'],
    async run(t, env) {
      const app = await env.start(badCookieRoutes, { secret: [SECRET] })
      const { value } = await loginAlice(t, app)
      t.is((await whoamiOk(t, app, `${NAME}=${value}`, 'control')).body.user, 'alice', 'control: the untouched cookie opens')
      t.is(
        (await whoamiOk(t, app, `${NAME}=${forge({}, ALICE_ONLY)}`, 'forged control')).body.user,
        'alice',
        'control: forging works',
      )
      t.deepEqual(app.invalid, [])
      const mid = Math.floor(value.length / 2)
      const cases: Record<string, [string, string | null]> = {
        'flip at 0': [flipChar(value, 0), null],
        'flip at 20': [flipChar(value, 20), null],
        'flip in the middle': [flipChar(value, mid), null],
        'flip at the end': [flipChar(value, -1), null],
        'truncated by 1': [value.slice(0, -1), null],
        'truncated to half': [value.slice(0, mid), null],
        'extended by 1': [`${value}A`, null],
        'not base64url': [`${value.slice(0, 10)}!${value.slice(11)}`, null],
        'sealed for another cookie name': [forge({}, ALICE_ONLY, { name: 'other' }), null],
        'sealed with a key not in the keyring': [forge({}, ALICE_ONLY, { secret: SECRET_2 }), 'ERR_UNKNOWN_KEY'],
        'idle timeout passed (meta.e)': [forge({ c: Date.now() - 2 * HOUR, e: Date.now() - 1000 }, ALICE_ONLY), 'ERR_EXPIRED'],
        'seal expired': [forge({ e: Date.now() + HOUR }, ALICE_ONLY, { now: Date.now() - 2 * HOUR }), 'ERR_EXPIRED'],
        'data not a JSON object': [forge({}, '[1,2]'), 'ERR_BAD_FORMAT'],
        'chunk count without chunks': [`3*${value}`, 'ERR_BAD_FORMAT'],
      }
      for (const [label, [bad, code]] of Object.entries(cases)) {
        const before = app.invalid.length
        await assertRefused(t, app, `${NAME}=${bad}`, label)
        t.is(app.invalid.length, before + 1, `${label}: onInvalid once`)
        if (code !== null) t.is(app.invalid.at(-1), code, `${label}: ${code}`)
      }
    },
  },
  {
    title: 'control — a cookie forged with the right key, name and format opens',
    stores: ['cookie'],
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(hostileRoutes)
      const r = await whoami(app, `${NAME}=${forge({}, ALICE)}`)
      t.is(r.status, 200)
      t.deepEqual([r.body.isNew, r.body.user, r.body.keys], [false, 'alice', ['user', 'note']])
      t.deepEqual(app.invalid, [])
    },
  },
  {
    title: 'forged, bit-flipped, truncated and extended cookies → fresh session',
    stores: ['cookie'],
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(hostileRoutes)
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
    },
  },
  {
    title: 'a key rotated out of the keyring no longer opens its cookies',
    stores: ['cookie'],
    defaultStoresOnly: true,
    async run(t, env) {
      const before = await env.start(hostileRoutes, { secret: [SECRET_2] })
      const rotating = await env.start(hostileRoutes, { secret: [SECRET, SECRET_2] })
      const after = await env.start(hostileRoutes, { secret: [SECRET] })
      const { value } = await login(t, before)
      t.is((await whoami(rotating, `${NAME}=${value}`)).body.user, 'alice', 'control: during rotation the old key still opens')
      assertCleared(t, await assertFresh(t, after, `${NAME}=${value}`, 'rotated out'), 'rotated out')
      t.deepEqual(after.invalid, ['ERR_UNKNOWN_KEY'])
    },
  },
  {
    title: 'a cookie sealed for another cookie name is refused',
    stores: ['cookie'],
    defaultStoresOnly: true,
    async run(t, env) {
      const other = await env.start(hostileRoutes, { cookie: { name: 'other' } })
      const app = await env.start(hostileRoutes)
      const c = other.client()
      await c.get('/login')
      const value = c.jar.get('other') ?? ''
      t.is((await other.client().get<WhoAmI>('/whoami', { cookie: `other=${value}` })).body.user, 'alice', 'control')
      assertCleared(t, await assertFresh(t, app, `${NAME}=${value}`, 'moved cookie'), 'moved cookie')
      await assertFresh(t, app, `${NAME}=${forge({}, ALICE, { name: 'other' })}`, 'forged for other')
      t.deepEqual(app.invalid, ['ERR_WRONG_PURPOSE', 'ERR_WRONG_PURPOSE'])
    },
  },
  {
    title: 'an undecryptable cookie (same key id, other secret) is refused',
    stores: ['cookie'],
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(hostileRoutes, { secret: new Keyring([{ id: 'k1', secret: SECRET }]) })
      const impostor = new Keyring([{ id: 'k1', secret: SECRET_2 }])
      t.is(
        (await whoami(app, `${NAME}=${forge({}, ALICE, { secret: new Keyring([{ id: 'k1', secret: SECRET }]) })}`)).body.user,
        'alice',
      )
      assertCleared(t, await assertFresh(t, app, `${NAME}=${forge({}, ALICE, { secret: impostor })}`, 'decrypt'), 'decrypt')
      t.deepEqual(app.invalid, ['ERR_DECRYPT'])
    },
  },
  {
    title: 'validly sealed junk (not a session record) is refused',
    stores: ['cookie'],
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(hostileRoutes)
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
    },
  },
  // --- Server stores: signed ids ------------------------------------------------------------------
  {
    title: 'bad cookies: unsigned, forged or unknown session ids → fresh session, never the chosen id (fixation)',
    stores: ['memory'],
    async run(t, env) {
      const app = await env.start(badCookieRoutes)
      const { value, id } = await loginAlice(t, app)
      t.is((await whoamiOk(t, app, `${NAME}=${value}`, 'control')).body.user, 'alice')
      const chosen = randomId()
      const signedUnknown = sign(chosen, SECRET, { purpose: purposeOf(NAME) })
      const cases: Record<string, [string, string]> = {
        'the bare id': [id, 'ERR_BAD_SIGNATURE'],
        'signature flipped': [flipChar(value, -1), 'ERR_BAD_SIGNATURE'],
        'signed with another secret': [sign(id, SECRET_2, { purpose: purposeOf(NAME) }), 'ERR_BAD_SIGNATURE'],
        'signed for another cookie name': [sign(id, SECRET, { purpose: purposeOf('other') }), 'ERR_BAD_SIGNATURE'],
        'signed, but an id the store never issued': [signedUnknown, 'ERR_UNKNOWN_SESSION'],
      }
      for (const [label, [bad, code]] of Object.entries(cases)) {
        const r = await assertRefused(t, app, `${NAME}=${bad}`, label)
        t.is(app.invalid.at(-1), code, `${label}: ${code}`)
        t.not(r.body.id, id)
      }
      // The attacker's chosen (validly signed) id is not adopted when the session is written.
      const c = app.client()
      c.jar.set(NAME, signedUnknown)
      const written = (await ok(t, c.get<string>('/write'))).body
      t.not(written, chosen, 'a new id, not the one the client chose')
      t.regex(written, ID)
      t.is(await serverStore(app).get(chosen), undefined)
      // A stored session past its idle timeout (the store still has it) is refused by the core.
      const now = Date.now()
      const meta = { v: 1 as const, id: randomId(), c: now - 2 * HOUR, e: now - 1000 }
      await serverStore(app).set(meta.id, { meta, dataJson: ALICE_ONLY }, HOUR)
      await assertRefused(t, app, `${NAME}=${sign(meta.id, SECRET, { purpose: purposeOf(NAME) })}`, 'expired record')
      t.is(app.invalid.at(-1), 'ERR_EXPIRED')
    },
  },
  {
    title: 'a client-chosen id is never adopted',
    stores: ['memory'],
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(hostileRoutes)
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
    },
  },
  {
    title: 'a validly signed id unknown to the store is never adopted',
    stores: ['memory'],
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(hostileRoutes)
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
    },
  },
  {
    title: 'ids signed for another name, with a rotated-out key, or tampered → fresh',
    stores: ['memory'],
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(hostileRoutes)
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
    },
  },
]

/**
 * Registers the bad-cookie rows for `adapter` × each store.
 * @example
 * registerBadCookies('koa')
 */
export function registerBadCookies(adapter: AdapterName, options?: RegisterOptions): void {
  registerRows(badCookieRows, adapter, options)
}
