/**
 * keycard/fetch and keycard/hono sessions on Deno (installed as an app installs them with npm,
 * served by Deno.serve with an app's permissions; Deno resolves the Node entries and runs the
 * fallback on its node:crypto): the same session behaviour as in workerd and the Edge runtime
 * (runtimes_sessions_workerd), and cookies crossing to and from Node on both backends.
 */
import { existsSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { t_ } from './helpers/backends'
import { findRuntime, requires } from './helpers/requires'
import {
  installSessionApp,
  type RuntimeServer,
  type SessionReply,
  sessionBehaviour,
  sessionCrossing,
  startRuntime,
} from './helpers/runtimes'

const deno = findRuntime('deno')
const test = requires('deno', deno)

let server: RuntimeServer | undefined
let dir = ''

test.before(async () => {
  if (!existsSync(resolve(__dirname, '../dist/index.mjs'))) throw new Error('dist/index.mjs missing: run npm run build:ts')
  dir = installSessionApp()
  server = await startRuntime([deno as string, 'run', '--allow-read', '--allow-env', '--allow-net=127.0.0.1'], dir, {})
})

test.after.always(async () => {
  await server?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function send(path: string, cookie: string | undefined): Promise<SessionReply> {
  const origin = (server as RuntimeServer).origin
  const response = await fetch(`${origin}${path}`, { headers: cookie === undefined ? {} : { cookie } })
  return { status: response.status, body: await response.text(), setCookie: response.headers.getSetCookie() }
}

for (const kind of ['fetch', 'hono', 'memory']) {
  test.serial(t_(`deno sessions (${kind}): counter, destroy, tampering, a chunked session, setTtl, setPersistent`), async (t) => {
    await sessionBehaviour(t, send, kind)
  })
}

test.serial(t_('deno sessions: a cookie made on Node (both backends) goes on there (fetch, Hono) and back'), async (t) => {
  await sessionCrossing(t, send)
})
