/**
 * keycard/fetch and keycard/hono sessions in Cloudflare's workerd (through miniflare 3), bundled as
 * a Worker bundles them (esbuild, the `workerd`, `worker` and `browser` conditions, no
 * `nodejs_compat`): the session core on Web Crypto (src/sessions/crypto_web.ts). Its behaviour
 * (counter, destroy, tampering, chunks, setTtl, setPersistent) on the cookie and memory stores, and
 * its cookies crossing to and from Node on both backends.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { t_ } from './helpers/backends'
import { findModule, requires } from './helpers/requires'
import {
  bundleSessionWorker,
  checkBundle,
  type SessionReply,
  sessionBehaviour,
  sessionCrossing,
  sessionRefusals,
} from './helpers/runtimes'

const test = requires('miniflare', findModule('miniflare'))

type MfResponse = { status: number; text(): Promise<string>; headers: { getSetCookie(): string[] } }
type Mf = {
  dispatchFetch(url: string, init: { headers: Record<string, string> }): Promise<MfResponse>
  dispose(): Promise<void>
}
let mf: Mf | undefined
let code = ''

test.before(async () => {
  if (!existsSync(resolve(__dirname, '../dist/web/fetch.mjs')))
    throw new Error('dist/web/fetch.mjs missing: run npm run build:ts')
  code = await bundleSessionWorker(['workerd', 'worker', 'browser'], 'esm')
  const { Miniflare } = (await import('miniflare')) as unknown as { Miniflare: new (options: object) => Mf }
  mf = new Miniflare({ modules: true, script: code, compatibilityDate: '2024-09-23' })
})

test.after.always(async () => {
  await mf?.dispose()
})

async function send(path: string, cookie: string | undefined): Promise<SessionReply> {
  const response = await (mf as Mf).dispatchFetch(`https://worker${path}`, { headers: cookie === undefined ? {} : { cookie } })
  return { status: response.status, body: await response.text(), setCookie: response.headers.getSetCookie() }
}

test.serial(t_('workerd sessions: keycard/fetch and keycard/hono bundle free of the native loader and Node built-ins'), (t) => {
  checkBundle(t, code)
  t.false(code.includes('diagnostics_channel'), 'no diagnostics_channel')
})

for (const kind of ['fetch', 'hono', 'memory']) {
  test.serial(
    t_(`workerd sessions (${kind}): counter, destroy, tampering, a chunked session, setTtl, setPersistent`),
    async (t) => {
      await sessionBehaviour(t, send, kind)
    },
  )
}

test.serial(
  t_('workerd sessions: a cookie made on Node (both backends) goes on in the worker (fetch, Hono) and back'),
  async (t) => {
    await sessionCrossing(t, send)
  },
)

test.serial(
  t_("workerd sessions: csrfToken(), migrateFrom and bad secrets are typed errors (ERR_UNSUPPORTED_RUNTIME, Node's codes)"),
  async (t) => {
    await sessionRefusals(t, send)
  },
)

/** The target package.json "exports" gives `conditions` (the first matching key wins, as Node resolves). */
function resolveConditions(target: unknown, conditions: readonly string[]): string | undefined {
  if (typeof target === 'string') return target
  if (target === null || typeof target !== 'object') return undefined
  for (const [key, value] of Object.entries(target)) {
    if (key !== 'default' && !conditions.includes(key)) continue
    const found = resolveConditions(value, conditions)
    if (found !== undefined) return found
  }
  return undefined
}

test(
  t_(
    'package conditions: keycard/fetch, /hono and /sessions give Web Crypto runtimes the web bundles, Node, Bun and Deno their Node entries',
  ),
  (t) => {
    const { exports } = require('../package.json') as { exports: Record<string, unknown> }
    const subpaths: [string, string, string][] = [
      ['./fetch', 'fetch', './dist/sessions/adapters/fetch'],
      ['./hono', 'hono', './dist/sessions/adapters/hono'],
      ['./sessions', 'sessions', './dist/sessions/index'],
    ]
    for (const [subpath, web, node] of subpaths) {
      const cases: [string, string[], string][] = [
        ['workerd', ['workerd', 'worker', 'browser', 'import', 'default'], `./dist/web/${web}.mjs`],
        ['Edge runtime', ['edge-light', 'worker', 'browser', 'import', 'default'], `./dist/web/${web}.mjs`],
        ['a browser bundle', ['browser', 'import', 'default'], `./dist/web/${web}.mjs`],
        ['Node import', ['node', 'import', 'default'], `${node}.mjs`],
        ['Node require', ['node', 'require', 'default'], `${node}.js`],
        // Bun's runtime matches "worker" too: "bun" comes first, or Bun would lose csrfToken() and Redis.
        ['Bun import', ['bun', 'worker', 'node', 'import', 'default'], `${node}.mjs`],
        ['Deno', ['deno', 'node', 'import', 'default'], `${node}.mjs`],
      ]
      for (const [runtime, conditions, expected] of cases)
        t.is(resolveConditions(exports[subpath], conditions), expected, `${subpath}: ${runtime}`)
    }
  },
)
