/**
 * keycard on Bun, installed as an app installs it (helpers/runtimes.ts `installKeycardApp`: Bun
 * resolves the package's `bun` condition, the Node entries) and served by Bun.serve. Twice: with
 * KEYCARD_BACKEND=native (the napi addon, from the platform package, loaded by Bun) and
 * KEYCARD_BACKEND=fallback (node:crypto as Bun provides it). Interop both ways against Node on
 * both backends: primitives (sync and async twins; byte-identical where deterministic) and a
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

const bun = findRuntime('bun')
const test = requires('bun', bun)

// Native needs the addon built here (absent only on a fallback-only machine: KEYCARD_SKIP_NATIVE_BUILD=1).
const MODES = nativeAvailable ? (['native', 'fallback'] as const) : (['fallback'] as const)
const servers = new Map<string, RuntimeServer>()
let dir = ''

test.before(async () => {
  if (!existsSync(resolve(__dirname, '../dist/index.mjs'))) throw new Error('dist/index.mjs missing: run npm run build:ts')
  dir = installKeycardApp()
  for (const mode of MODES) servers.set(mode, await startRuntime([bun as string], dir, { KEYCARD_BACKEND: mode }))
})

test.after.always(async () => {
  for (const server of servers.values()) await server.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const server = (mode: string) => servers.get(mode) as RuntimeServer

for (const mode of MODES) {
  test.serial(t_(`bun, ${mode}: Bun resolves keycard and runs the ${mode} backend`), async (t) => {
    t.regex(server(mode).runtime, /^bun 1\./)
    const info = (await server(mode).call('backend', [])).value as { name: string; reason: string }
    t.like(info, { name: mode, reason: `KEYCARD_BACKEND=${mode}` })
  })

  test.serial(t_(`bun, ${mode}: what Node makes (both backends) opens there, sync and async, same refusals`), async (t) => {
    await nodeToRuntime(t, server(mode).call)
    await nodeToNodeEntry(t, server(mode).call)
  })

  test.serial(t_(`bun, ${mode}: what Bun makes opens on Node (both backends), byte-identical where deterministic`), async (t) => {
    await nodeEntryToNode(t, server(mode).call)
  })

  test.serial(t_(`bun, ${mode}: a keycard/fetch session cookie goes both ways between Bun.serve and Node`), async (t) => {
    await sessionInterop(t, server(mode).origin)
  })
}
