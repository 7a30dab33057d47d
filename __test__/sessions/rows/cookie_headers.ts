/**
 * Cookie headers: duplicate names (the first wins, even when it is bad), other names, case and
 * junk, malformed headers of every kind, bytes fetch will not send (written on a raw socket),
 * and a 100 KB header — 200 and a fresh session or node's 431, never a 500 or a crash.
 */

import { rawRequest } from '../../helpers/http'
import type { AdapterName } from '../../helpers/sessions'
import { assertFresh, assertRefused, badCookieRoutes, hostileRoutes, login, loginAlice, whoami, whoamiOk } from './hostile_kit'
import { NAME, type RegisterOptions, type Row, registerRows, type WhoAmI } from './table'

/**
 * The cookie headers rows, in the order they are registered.
 * @example
 * registerRows(cookieHeaderRows, 'express')
 */
export const cookieHeaderRows: Row[] = [
  {
    title: 'bad cookies: duplicate names (the first wins), other names, case and junk in the Cookie header',
    async run(t, env) {
      const app = await env.start(badCookieRoutes)
      const { value } = await loginAlice(t, app)
      const user = async (cookie: string, label: string) => (await whoamiOk(t, app, cookie, label)).body.user
      t.is(await user(`${NAME}=${value}; ${NAME}=garbage`, 'ours first'), 'alice')
      t.is(await user(`theme=dark; ; junk; =x; ${NAME}=${value}; lang=en`, 'among others and junk'), 'alice')
      await assertRefused(t, app, `${NAME}=garbage; ${NAME}=${value}`, 'garbage first')
      const upper = await whoamiOk(t, app, `Keycard=${value}`, 'another name by case')
      t.deepEqual([upper.body.isNew, upper.body.user, upper.setCookie], [true, null, []], 'names are case-sensitive')
      const empty = await whoamiOk(t, app, `${NAME}=`, 'empty value')
      t.deepEqual([empty.body.isNew, empty.body.user], [true, null])
      // In-process harnesses ('hono-request'): nothing listens, so there is no raw socket to write to.
      if (!env.harness.listens) return
      const url = new URL(app.client().origin)
      const raw = await rawRequest(url.origin, '/whoami', ['Cookie: theme=dark', `Cookie: ${NAME}=${value}`])
      t.is(raw.status, 200, 'repeated Cookie lines')
      t.is((JSON.parse(raw.body) as WhoAmI).user, 'alice', 'repeated Cookie lines are joined')
    },
  },
  {
    title: 'duplicate cookie names — the first wins',
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(hostileRoutes)
      const a = await login(t, app, 'anna')
      const b = await login(t, app, 'bert')
      t.is((await whoami(app, `${NAME}=${a.value}; ${NAME}=${b.value}`)).body.user, 'anna')
      t.is((await whoami(app, `${NAME}=${b.value}; ${NAME}=${a.value}`)).body.user, 'bert')
      t.is((await whoami(app, `x=1; ${NAME}=${b.value}; y=2; ${NAME}=${a.value}`)).body.user, 'bert')
      // The first wins even when it is bad: no falling through to a later, valid one.
      await assertFresh(t, app, `${NAME}=garbage; ${NAME}=${a.value}`, 'bad first')
      // In-process harnesses ('hono-request'): nothing listens, so there is no raw socket to write to.
      if (!env.harness.listens) return
      // Two Cookie header lines (node joins them in order).
      const raw = await rawRequest(app.origin, '/whoami', [`Cookie: ${NAME}=${b.value}`, `Cookie: ${NAME}=${a.value}`])
      t.is(raw.status, 200)
      t.is((JSON.parse(raw.body) as WhoAmI).user, 'bert')
    },
  },
  {
    title: 'malformed Cookie headers give 200 and a fresh session, never a 500',
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(hostileRoutes)
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
      // Written on a raw socket, which in-process harnesses ('hono-request') do not have.
      const rawLines = [`Cookie: \u2000${NAME}=${value}`, `Cookie: \u00a0${NAME}=${value}`, `Cookie: ${NAME}=\u00e9${value}`]
      for (const line of env.harness.listens ? rawLines : []) {
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
    },
  },
  {
    title: 'a 100 KB Cookie header is neither a 500 nor a crash',
    defaultStoresOnly: true,
    async run(t, env) {
      const huge = `${'x'.repeat(100 * 1024)}`
      // Node's default header limit (16 KiB): node answers 431 before any handler runs. In-process
      // harnesses ('hono-request') have no HTTP parser and no limit: only the part below applies.
      if (env.harness.listens) {
        const app = await env.start(hostileRoutes)
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
      }
      // With the limit raised, the header reaches the manager, which ignores a header over 64 KiB.
      const big = await env.start(hostileRoutes, { maxHeaderSize: 256 * 1024 })
      const { value: v2 } = await login(t, big)
      const r = await whoami(big, `${NAME}=${v2}; pad=${huge}`)
      t.is(r.status, 200)
      t.deepEqual([r.body.isNew, r.body.keys], [true, []])
      const padded = await whoami(big, `${NAME}=${v2}; pad=${'x'.repeat(30 * 1024)}`)
      t.is(padded.body.user, 'alice', 'under 64 KiB the header is parsed as usual')
    },
  },
]

/**
 * Registers the cookie-header rows for `adapter` × each store.
 * @example
 * registerCookieHeaders('hono')
 */
export function registerCookieHeaders(adapter: AdapterName, options?: RegisterOptions): void {
  registerRows(cookieHeaderRows, adapter, options)
}
