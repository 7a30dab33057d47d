/** The store contract, check by check (docs/STORES.md): each `CHECKS` entry is one rule a store keeps. */

import type { ServerStore, SessionMeta, StoredSession } from '../sessions/stores/types'
import { awkwardData, type Check, canonical, cut, describe, idText, messageOf, newId, race, richMeta } from './store_kit'

// --- The checks ------------------------------------------------------------------------------------

export interface CheckSpec {
  name: string
  needs?: 'update' | 'touch' | 'partial' | 'listByUser'
  /** Waits for a TTL: run after the others, so their load does not slow its short-TTL steps. */
  timed?: true
  run(c: Check): Promise<void>
}

export const CHECKS: CheckSpec[] = [
  {
    name: 'round trip',
    async run(c) {
      const id = newId()
      await c.expectSession('get of an id never stored', id, undefined)
      const rich = c.session(id, awkwardData(), { meta: richMeta() })
      await c.set(rich, c.long)
      await c.expectSession('get after set (metadata with flash and user, awkward keys and unicode data)', id, rich)
      const plain = c.session(newId(), {})
      await c.set(plain, c.long)
      await c.expectSession('get of an empty session', plain.meta.id, plain)
      await c.expectSession('get after set of another id', id, rich)
    },
  },
  {
    name: 'overwrite',
    async run(c) {
      const id = newId()
      await c.set(c.session(id, { a: 1, b: 2, c: 3 }, { meta: richMeta() }), c.long)
      const second = c.session(id, { a: 'one' })
      await c.set(second, c.long)
      await c.expectSession('set replaces the whole session (keys and flash it no longer has are gone)', id, second)
    },
  },
  {
    name: 'isolation',
    async run(c) {
      const id = newId()
      const written = c.session(id, { cart: [1, 2] }, { meta: richMeta() })
      const want = c.session(id, { cart: [1, 2] }, { meta: { ...richMeta(), c: written.meta.c, e: written.meta.e } })
      await c.set(written, c.long)
      // The core's objects are its own: what it changes after a write must not reach the store.
      written.meta.e += 1
      written.meta.f?.notice?.push('later')
      ;(written.fields as Map<string, string> | undefined)?.set('cart', '[]')
      written.dataJson = '{"cart":[]}'
      const got = await c.expectSession('get after the written objects were changed', id, want)
      if (got !== undefined) {
        try {
          got.meta.e += 1
          got.meta.f?.notice?.push('later')
        } catch {
          // A frozen record is fine.
        }
      }
      await c.expectSession('get after the returned record was changed', id, want)
    },
  },
  {
    name: 'ttl',
    timed: true,
    async run(c) {
      const { ttl, slack } = c.settings
      const short = c.session(newId(), { n: 1 }, { ttl })
      const start = c.settings.now()
      await c.set(short, ttl)
      const got = await c.get(short.meta.id)
      if (c.fresh(start, 'set and get')) c.compare(`get right after set with a ${ttl} ms ttl`, got, short)
      // A second set with a longer ttl replaces the first one's.
      const renewedId = newId()
      await c.set(c.session(renewedId, { n: 1 }, { ttl }), ttl)
      const renewed = c.session(renewedId, { n: 2 })
      await c.set(renewed, c.long)
      await c.wait(ttl + slack)
      await c.expectSession(`get ${ttl + slack} ms after set with a ${ttl} ms ttl`, short.meta.id, undefined)
      await c.expectSession(`get after a set with a ${ttl} ms ttl was replaced by one with a long ttl`, renewedId, renewed)
    },
  },
  {
    name: 'destroy',
    async run(c) {
      const a = c.session(newId(), { a: 1 })
      const b = c.session(newId(), { b: 1 })
      await c.set(a, c.long)
      await c.set(b, c.long)
      await c.destroy(a.meta.id)
      await c.expectSession('get after destroy', a.meta.id, undefined)
      await c.expectSession('get of another session after destroy', b.meta.id, b)
      await c.destroy(a.meta.id)
      await c.destroy(newId())
      const again = c.session(a.meta.id, { a: 2 })
      await c.set(again, c.long)
      await c.expectSession('set after destroy', a.meta.id, again)
    },
  },
  {
    name: 'update',
    needs: 'update',
    timed: true,
    async run(c) {
      const id = newId()
      const first = c.session(id, { a: 1, b: 1 })
      await c.set(first, c.long)
      const next = c.session(id, { a: 2, c: [3] }, { meta: richMeta(), loaded: first.fields })
      const wrote = await c.update(next, c.long)
      if (wrote !== true) c.fail('update of a stored session', 'true', describe(wrote))
      await c.expectSession('get after update', id, next)
      // The ttl of the update replaces the set's.
      const { ttl, slack } = c.settings
      const shortId = newId()
      const short = c.session(shortId, { n: 1 }, { ttl })
      const start = c.settings.now()
      await c.set(short, ttl)
      const longer = c.session(shortId, { n: 2 }, { loaded: short.fields })
      const renewed = await c.update(longer, c.long)
      if (!c.fresh(start, 'set and update')) return
      if (renewed !== true) c.fail(`update right after set with a ${ttl} ms ttl`, 'true', describe(renewed))
      await c.wait(ttl + slack)
      await c.expectSession(`get ${ttl + slack} ms after update with a long ttl`, shortId, longer)
    },
  },
  {
    name: 'update only if the session exists',
    needs: 'update',
    timed: true,
    async run(c) {
      const never = c.session(newId(), { a: 1 })
      const wrote = await c.update(never, c.long)
      if (wrote !== false) c.fail('update of an id never stored', 'false', describe(wrote))
      await c.expectSession('get after update of an id never stored', never.meta.id, undefined)
      // Logout: a request that loaded the session before it was destroyed must not write it back.
      const destroyed = c.session(newId(), { userId: 42 })
      await c.set(destroyed, c.long)
      await c.destroy(destroyed.meta.id)
      const late = c.session(destroyed.meta.id, { userId: 42, cart: [1] }, { loaded: destroyed.fields })
      const afterLogout = await c.update(late, c.long)
      if (afterLogout !== false) c.fail('update after destroy (a logout)', 'false', describe(afterLogout))
      await c.expectSession('get after update of a destroyed session', destroyed.meta.id, undefined)
      const { ttl, slack } = c.settings
      const expiring = c.session(newId(), { a: 1 }, { ttl })
      await c.set(expiring, ttl)
      await c.wait(ttl + slack)
      const expired = await c.update(c.session(expiring.meta.id, { a: 2 }, { loaded: expiring.fields }), c.long)
      if (expired !== false) c.fail(`update ${ttl + slack} ms after set with a ${ttl} ms ttl`, 'false', describe(expired))
      await c.expectSession('get after update of an expired session', expiring.meta.id, undefined)
    },
  },
  {
    name: 'touch keeps meta',
    needs: 'touch',
    timed: true,
    async run(c) {
      const id = newId()
      const stored = c.session(id, awkwardData())
      await c.set(stored, c.long)
      // The core touches with new metadata (a later expiry, maybe flash or a generation) and the data as loaded.
      const touched = c.session(id, awkwardData(), { meta: { ...richMeta(), c: stored.meta.c }, loaded: stored.fields })
      const result = await c.touch(touched, c.long)
      if (result === false) c.fail('touch of a stored session', 'true or undefined', 'false')
      await c.expectSession('get after touch (its metadata, the data as it was)', id, touched)
      const { ttl, slack } = c.settings
      const short = c.session(newId(), { n: 1 }, { ttl })
      const start = c.settings.now()
      await c.set(short, ttl)
      const renewed = c.session(short.meta.id, { n: 1 }, { meta: { c: short.meta.c }, loaded: short.fields })
      const touchedShort = await c.touch(renewed, c.long)
      if (!c.fresh(start, 'set and touch')) return
      if (touchedShort === false) c.fail(`touch right after set with a ${ttl} ms ttl`, 'true or undefined', 'false')
      await c.wait(ttl + slack)
      await c.expectSession(`get ${ttl + slack} ms after touch with a long ttl`, short.meta.id, renewed)
    },
  },
  {
    name: 'touch only if the session exists',
    needs: 'touch',
    async run(c) {
      const never = c.session(newId(), { a: 1 })
      const result = await c.touch(never, c.long)
      if (result === true) c.fail('touch of an id never stored', 'false or undefined', 'true')
      await c.expectSession('get after touch of an id never stored', never.meta.id, undefined)
      const destroyed = c.session(newId(), { a: 1 })
      await c.set(destroyed, c.long)
      await c.destroy(destroyed.meta.id)
      if ((await c.touch(destroyed, c.long)) === true) c.fail('touch after destroy', 'false or undefined', 'true')
      await c.expectSession('get after touch of a destroyed session', destroyed.meta.id, undefined)
    },
  },
  {
    name: 'partial writes',
    needs: 'partial',
    async run(c) {
      const id = newId()
      const first = c.session(id, { a: 1, b: 1, c: 1, ...awkwardData() })
      await c.set(first, c.long)
      const { c: _dropped, ...rest } = JSON.parse(first.dataJson) as Record<string, unknown>
      const second = c.session(id, { ...rest, b: 2 }, { loaded: first.fields })
      if ((await c.update(second, c.long)) !== true) c.fail('update of a stored session', 'true', 'false')
      await c.expectSession('get after an update that set one key and deleted another', id, second)
      // Two requests that loaded the same session and changed different keys: both changes persist,
      // so the store writes only `changes`, not `fields` (which still hold the other key's old value).
      const one = c.session(id, { ...rest, b: 2, a: 'one' }, { loaded: second.fields })
      const two = c.session(id, { ...rest, b: 'two' }, { loaded: second.fields })
      await c.update(one, c.long)
      await c.update(two, c.long)
      const both = c.session(id, { ...rest, a: 'one', b: 'two' }, { meta: { c: two.meta.c, e: two.meta.e } })
      await c.expectSession('get after two updates of different keys (each writes only its `changes`)', id, both)
    },
  },
  {
    name: 'concurrency',
    async run(c) {
      const sessions = Array.from({ length: 30 }, (_, i) => c.session(newId(), { i }))
      await Promise.all(sessions.map((s) => c.set(s, c.long)))
      await Promise.all(sessions.map((s) => c.expectSession('get after 30 concurrent sets of different ids', s.meta.id, s)))
      if (c.store.update) {
        // A logout racing a request's write, started in either order and a moment apart: whichever
        // the store runs first, the session stays gone (an update that checks, then writes later, revives it).
        for (let i = 0; i < 6; i++) {
          const s = c.session(newId(), { userId: i })
          await c.set(s, c.long)
          const write = c.session(s.meta.id, { userId: i, cart: [i] }, { loaded: s.fields })
          await race(
            i,
            () => c.destroy(s.meta.id),
            () => c.update(write, c.long),
          )
          await c.expectSession('get after destroy and update ran concurrently', s.meta.id, undefined)
        }
        // Writes and reads of one session at once: every read is one whole written version.
        const id = newId()
        const base = c.session(id, { v: -1, pad: 'x'.repeat(10_000) })
        await c.set(base, c.long)
        const versions = Array.from({ length: 10 }, (_, v) =>
          c.session(id, { v, pad: 'x'.repeat(10_000) }, { loaded: base.fields }),
        )
        const reads: Array<Promise<StoredSession | undefined>> = []
        await Promise.all(
          versions.map((version) => {
            reads.push(c.get(id))
            return c.update(version, c.long)
          }),
        )
        for (const got of await Promise.all(reads)) {
          if ([base, ...versions].every((version) => c.difference(got, version) !== null)) {
            c.fail('get while 10 updates of the session ran', 'one of the written versions', describe(got))
          }
        }
        if (c.partial) {
          // Concurrent requests that each set a key of their own: all of them persist.
          const keyed = c.session(newId(), { base: 0 })
          await c.set(keyed, c.long)
          const writes = Array.from({ length: 10 }, (_, k) =>
            c.session(keyed.meta.id, { base: 0, [`k${k}`]: k }, { loaded: keyed.fields }),
          )
          await Promise.all(writes.map((w) => c.update(w, c.long)))
          const all = Object.fromEntries([['base', 0], ...writes.map((_, k) => [`k${k}`, k])])
          const got = await c.get(keyed.meta.id)
          const want = c.session(keyed.meta.id, all, { meta: got?.meta })
          const difference = c.difference(got, want)
          if (difference !== null) c.fail('get after 10 concurrent updates, each of its own key', 'all 10 keys', difference)
        }
      }
      if (c.store.touch) {
        for (let i = 0; i < 6; i++) {
          const s = c.session(newId(), { userId: i })
          await c.set(s, c.long)
          const touch = c.session(s.meta.id, { userId: i }, { loaded: s.fields })
          await race(
            i,
            () => c.destroy(s.meta.id),
            () => c.touch(touch, c.long),
          )
          await c.expectSession('get after destroy and touch ran concurrently', s.meta.id, undefined)
        }
      }
    },
  },
  {
    name: 'large values',
    async run(c) {
      const bytes = c.settings.largeBytes
      // Two-byte characters and a four-byte one: the size is bytes of UTF-8, not characters.
      const big = `${'é'.repeat(Math.floor(bytes / 2) - 2)}🔑`
      const data: Record<string, unknown> = { big }
      for (let k = 0; k < 2000; k++) data[`key${k}`] = k
      const id = newId()
      const large = c.session(id, data)
      await c.set(large, c.long)
      await c.expectSession(`get after set of ${bytes} bytes and 2000 keys`, id, large)
      if (c.store.update) {
        const changed = c.session(id, { ...data, big: `${big}!`, key0: 'zero' }, { loaded: large.fields })
        await c.update(changed, c.long)
        await c.expectSession('get after update of the large session', id, changed)
      }
    },
  },
  {
    name: 'hostile ids',
    async run(c) {
      // Ids the core makes: ones that differ only in case, or in '-' and '_', are different sessions.
      const stem = newId().slice(0, 41)
      const alike = [`${stem}a-`, `${stem}A-`, `${stem}a_`, `${stem}A_`].map((id, i) => c.session(id, { i }))
      for (const s of alike) await c.set(s, c.long)
      for (const s of alike) await c.expectSession('get of ids that differ only in case or in -/_', s.meta.id, s)

      // Ids the core never passes: a store may reject them, but never hangs, never returns or
      // changes a session of another id, and never lets one name something else (a path, a pattern).
      const base = c.session(newId(), { mine: true })
      await c.set(base, c.long)
      const id = base.meta.id
      const hostile = [
        `../${id}`,
        `${id}/../${id}`,
        '..',
        '.',
        '',
        '/',
        '\\',
        '*',
        '?',
        '%',
        '\u0000',
        `${id}\u0000`,
        `${id}\n`,
        ` ${id}`,
        id.slice(0, 42),
        `${id}A`,
        id.toLowerCase(),
        '__proto__',
        'constructor',
        'toString',
        "'; DROP TABLE sessions; --",
        '☃ 🔑',
        '\ud800',
        'k'.repeat(10_000),
      ].filter((h) => h !== id)
      // One violation per method, listing the ids it failed for: one bug, one line.
      const wrong = { get: [] as string[], update: [] as string[], touch: [] as string[] }
      const seen = { get: '', update: '', touch: '' }
      const store = c.store as Required<ServerStore>
      for (const h of hostile) {
        const label = idText(h)
        const got = await c.attempt(`get(${label})`, () => store.get(h))
        if (got.ok && got.value !== undefined) {
          wrong.get.push(label)
          seen.get = describe(got.value)
        }
        if (store.update) {
          const wrote = await c.attempt(`update(${label})`, () => store.update(h, c.session(newId(), { evil: 1 }), c.long))
          if (wrote.ok && wrote.value !== false) {
            wrong.update.push(label)
            seen.update = describe(wrote.value)
          }
        }
        if (store.touch) {
          const touched = await c.attempt(`touch(${label})`, () => store.touch(h, c.session(newId(), { evil: 1 }), c.long))
          if (touched.ok && touched.value === true) {
            wrong.touch.push(label)
            seen.touch = 'true'
          }
        }
        await c.attempt(`destroy(${label})`, () => store.destroy(h))
      }
      const expected = {
        get: 'undefined or a rejection',
        update: 'false or a rejection',
        touch: 'false, undefined or a rejection',
      }
      for (const method of ['get', 'update', 'touch'] as const) {
        const ids = wrong[method]
        if (ids.length > 0)
          c.fail(`${method} of ids never stored (${ids.length}: ${cut(ids.join(', '), 120)})`, expected[method], seen[method])
      }
      await c.expectSession('get of a session after get/update/touch/destroy of hostile ids', id, base)

      // Set under a hostile id: rejected, or kept apart from every other id.
      const kept: Array<[string, StoredSession]> = []
      for (const h of hostile) {
        if (h === '\ud800') continue // a lone surrogate may be stored as U+FFFD: never an id the core makes
        const s = c.session(newId(), { hostile: h })
        if ((await c.attempt(`set(${idText(h)})`, () => c.store.set(h, s, c.long))).ok) kept.push([h, s])
      }
      for (const [h, s] of kept) {
        const got = await c.attempt(`get(${idText(h)})`, () => c.store.get(h))
        const difference = got.ok ? c.difference(got.value, s, undefined) : `a rejection (${messageOf(got.error)})`
        if (difference !== null) c.fail(`get(${idText(h)}) after set(${idText(h)}) resolved`, describe(s), difference)
      }
      await c.expectSession('get of a session after set of hostile ids', id, base)
      for (const [h] of kept) await c.attempt(`destroy(${idText(h)})`, () => c.store.destroy(h))
      await c.expectSession('get of a session after destroy of hostile ids', id, base)
    },
  },
  {
    name: 'list by user',
    needs: 'listByUser',
    async run(c) {
      const listed = (user: string) =>
        c.call(`listByUser(${cut(JSON.stringify(user), 24)})`, () =>
          (c.store.listByUser as NonNullable<ServerStore['listByUser']>).call(c.store, user),
        )
      /** listByUser(user) must give exactly the metadata of `want`, in any order. */
      const expectListed = async (what: string, user: string, want: StoredSession[]) => {
        const got = await listed(user)
        if (!Array.isArray(got)) return c.fail(what, 'an array of metadata', describe(got))
        const text = (metas: SessionMeta[]) => metas.map((meta) => canonical(meta)).sort()
        const wanted = text(want.map((s) => s.meta))
        const seen = text(got)
        if (JSON.stringify(seen) !== JSON.stringify(wanted)) {
          c.fail(what, `${want.length} sessions ${cut(wanted.join(', '), 120)}`, `${got.length}: ${cut(seen.join(', '), 120)}`)
        }
      }
      const as = (user: string | undefined, data: Record<string, unknown>, id = newId(), loaded?: StoredSession) =>
        c.session(id, data, { meta: user === undefined ? {} : { u: user, g: 1 }, loaded: loaded?.fields })
      const a1 = as('alice', { n: 1 })
      const a2 = as('alice', { n: 2 })
      const b1 = as('bob', { n: 3 })
      const anon = as(undefined, { n: 4 })
      for (const s of [a1, a2, b1, anon]) await c.set(s, c.long)
      await expectListed('listByUser of a user with two sessions', 'alice', [a1, a2])
      await expectListed('listByUser of another user', 'bob', [b1])
      await expectListed('listByUser of a user with none', 'carol', [])
      // A write that changes the user moves the session; one without a user takes it out.
      const moved = as('bob', { n: 2 }, a2.meta.id, a2)
      if (c.store.update) await c.update(moved, c.long)
      else await c.set(moved, c.long)
      await expectListed('listByUser after a session moved to another user (the old user)', 'alice', [a1])
      await expectListed('listByUser after a session moved to another user (the new user)', 'bob', [b1, moved])
      const out = as(undefined, { n: 3 }, b1.meta.id, b1)
      await c.set(out, c.long)
      await expectListed('listByUser after a session was written without its user', 'bob', [moved])
      await c.destroy(a1.meta.id)
      await expectListed('listByUser after destroy', 'alice', [])
      // User ids from user code: each names its own index entry, nothing else.
      const hostile = ['*', '?', 'a:b', 'user:alice', '{alice}', '%41lice', '', ' alice', 'ALICE', 'Zoë 🔑', 'k'.repeat(1024)]
      const own = hostile.map((user) => as(user, { user }))
      for (const s of own) await c.set(s, c.long)
      for (const [i, user] of hostile.entries()) {
        await expectListed(`listByUser of hostile user ${cut(JSON.stringify(user), 24)}`, user, [own[i] as StoredSession])
      }
      await expectListed('listByUser of a user after hostile users wrote', 'alice', [])
    },
  },
  {
    name: 'list by user: ttl',
    needs: 'listByUser',
    timed: true,
    async run(c) {
      const { ttl, slack } = c.settings
      const user = 'ttl-user'
      const short = c.session(newId(), { n: 1 }, { ttl, meta: { u: user } })
      const long = c.session(newId(), { n: 2 }, { meta: { u: user } })
      await c.set(short, ttl)
      await c.set(long, c.long)
      await c.wait(ttl + slack)
      const got = await c.call('listByUser after a ttl', () =>
        (c.store.listByUser as NonNullable<ServerStore['listByUser']>).call(c.store, user),
      )
      const ids = Array.isArray(got) ? got.map((meta) => meta?.id) : got
      if (!Array.isArray(ids) || ids.length !== 1 || ids[0] !== long.meta.id) {
        c.fail(`listByUser ${ttl + slack} ms after a set with a ${ttl} ms ttl`, 'only the long-lived session', describe(ids))
      }
    },
  },
]
