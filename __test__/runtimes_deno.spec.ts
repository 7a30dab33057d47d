/**
 * keycard on Deno, installed as an app installs it with npm (helpers/runtimes.ts
 * `installKeycardApp`, deno.json `nodeModulesDir: "manual"`: Deno resolves the package's `deno`
 * condition, the Node entries) and served by Deno.serve with the permissions such an app needs
 * (read, env, net). There the native addon cannot load (loading it is FFI, not granted), so
 * keycard runs its fallback on Deno's node:crypto and `backend()` says why; granted --allow-ffi
 * and KEYCARD_BACKEND=native, Deno loads the addon too. Interop both ways against Node on both
 * backends: primitives (sync and async twins; byte-identical where deterministic) and a
 * keycard/fetch session cookie.
 */
import { existsSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { nativeAvailable, t_ } from './helpers/backends'
import { findRuntime, requires } from './helpers/requires'
import {
  installKeycardApp,
  nodeEntryToNode,
  nodeToNodeEntry,
  nodeToRuntime,
  type RuntimeServer,
  sessionInterop,
  startRuntime,
} from './helpers/runtimes'

const deno = findRuntime('deno')
const test = requires('deno', deno)

/** What an app run with `deno run --allow-read --allow-env --allow-net=127.0.0.1 server.mjs` gets. */
const PERMISSIONS = ['--allow-read', '--allow-env', '--allow-net=127.0.0.1']
// `ffi`: native addon granted; only where the addon is built (not KEYCARD_SKIP_NATIVE_BUILD=1).
const MODES = nativeAvailable ? (['default', 'ffi'] as const) : (['default'] as const)
const servers = new Map<string, RuntimeServer>()
let dir = ''

test.before(async () => {
  if (!existsSync(resolve(__dirname, '../dist/index.mjs'))) throw new Error('dist/index.mjs missing: run npm run build:ts')
  dir = installKeycardApp()
  const start = (flags: string[], env: Record<string, string>) => startRuntime([deno as string, 'run', ...flags], dir, env)
  servers.set('default', await start(PERMISSIONS, {}))
  if (MODES.length > 1) servers.set('ffi', await start([...PERMISSIONS, '--allow-ffi'], { KEYCARD_BACKEND: 'native' }))
})

test.after.always(async () => {
  for (const server of servers.values()) await server.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const server = (mode: string) => servers.get(mode) as RuntimeServer

test.serial(t_('deno: with the permissions an app needs, keycard runs the fallback and backend() says why'), async (t) => {
  t.regex(server('default').runtime, /^deno 2\./)
  const info = (await server('default').call('backend', [])).value as { name: string; reason: string }
  t.is(info.name, 'fallback')
  t.regex(info.reason, /native backend unavailable: .*; using the TypeScript fallback$/)
})

if (MODES.length > 1) {
  test.serial(t_('deno --allow-ffi: KEYCARD_BACKEND=native loads the addon'), async (t) => {
    const info = (await server('ffi').call('backend', [])).value as { name: string; reason: string }
    t.like(info, { name: 'native', reason: 'KEYCARD_BACKEND=native' })
  })
}

for (const mode of MODES) {
  const label = mode === 'default' ? 'deno' : 'deno --allow-ffi (native)'
  test.serial(t_(`${label}: what Node makes (both backends) opens there, sync and async, same refusals`), async (t) => {
    await nodeToRuntime(t, server(mode).call)
    await nodeToNodeEntry(t, server(mode).call)
  })

  test.serial(t_(`${label}: what Deno makes opens on Node (both backends), byte-identical where deterministic`), async (t) => {
    await nodeEntryToNode(t, server(mode).call)
  })

  test.serial(t_(`${label}: a keycard/fetch session cookie goes both ways between Deno.serve and Node`), async (t) => {
    await sessionInterop(t, server(mode).origin)
  })
}
