/**
 * keycard/fetch and keycard/hono sessions in the Vercel Edge runtime (the `edge-runtime` package,
 * the VM Next.js middleware runs in), bundled with the `edge-light`, `worker` and `browser`
 * conditions: the session core on Web Crypto, as in runtimes_sessions_workerd.
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

const test = requires('edge-runtime', findModule('edge-runtime'))

type Vm = { evaluate<T>(code: string): T }
let vm: Vm | undefined
let code = ''

test.before(async () => {
  if (!existsSync(resolve(__dirname, '../dist/web/fetch.mjs')))
    throw new Error('dist/web/fetch.mjs missing: run npm run build:ts')
  code = await bundleSessionWorker(['edge-light', 'worker', 'browser'], 'iife')
  const { EdgeRuntime } = (await import('edge-runtime')) as unknown as { EdgeRuntime: new () => Vm }
  vm = new EdgeRuntime()
  vm.evaluate(code)
})

async function send(path: string, cookie: string | undefined): Promise<SessionReply> {
  const args = `${JSON.stringify(`https://edge.test${path}`)}, ${JSON.stringify(cookie ?? '')}`
  return JSON.parse(await (vm as Vm).evaluate<Promise<string>>(`globalThis.__keycardFetch(${args})`)) as SessionReply
}

test.serial(
  t_('edge runtime sessions: keycard/fetch and keycard/hono bundle free of the native loader and Node built-ins'),
  (t) => {
    checkBundle(t, code)
  },
)

for (const kind of ['fetch', 'hono', 'memory']) {
  test.serial(
    t_(`edge runtime sessions (${kind}): counter, destroy, tampering, a chunked session, setTtl, setPersistent`),
    async (t) => {
      await sessionBehaviour(t, send, kind)
    },
  )
}

test.serial(
  t_('edge runtime sessions: a cookie made on Node (both backends) goes on there (fetch, Hono) and back'),
  async (t) => {
    await sessionCrossing(t, send)
  },
)

test.serial(
  t_("edge runtime sessions: csrfToken(), migrateFrom and bad secrets are typed errors (ERR_UNSUPPORTED_RUNTIME, Node's codes)"),
  async (t) => {
    await sessionRefusals(t, send)
  },
)
