/**
 * keycard in Cloudflare's workerd (through miniflare 3), as a Worker bundles it: esbuild with the
 * `workerd`, `worker` and `browser` conditions, no `nodejs_compat` flag (so no Node built-in
 * could load there). Interop both ways against Node on both backends: values made on Node open in
 * the worker, and the worker's open on Node (byte-identical where the format is deterministic).
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { t_ } from './helpers/backends'
import { findModule, requires } from './helpers/requires'
import { bundleWorker, type Call, checkBundle, encodeCall, nodeToRuntime, type Reply, runtimeToNode } from './helpers/runtimes'

const test = requires('miniflare', findModule('miniflare'))

type Mf = {
  dispatchFetch(url: string, init: { method: string; body: string }): Promise<{ text(): Promise<string> }>
  dispose(): Promise<void>
}
let mf: Mf | undefined
let code = ''

test.before(async () => {
  if (!existsSync(resolve(__dirname, '../dist/web/index.mjs')))
    throw new Error('dist/web/index.mjs missing: run npm run build:ts')
  code = await bundleWorker(['workerd', 'worker', 'browser'], 'esm')
  const { Miniflare } = (await import('miniflare')) as unknown as { Miniflare: new (options: object) => Mf }
  mf = new Miniflare({ modules: true, script: code, compatibilityDate: '2024-09-23' })
})

test.after.always(async () => {
  await mf?.dispose()
})

const call: Call = async (fn, args) => {
  const response = await (mf as Mf).dispatchFetch('http://worker/', { method: 'POST', body: encodeCall(fn, args) })
  return JSON.parse(await response.text()) as Reply
}

test.serial(t_('workerd: the bundle resolves the Web Crypto entry, free of the native loader and Node built-ins'), (t) => {
  checkBundle(t, code)
})

test.serial(t_('workerd: what Node makes (both backends) opens in the worker, refusals keep their codes'), async (t) => {
  await nodeToRuntime(t, call)
})

test.serial(t_('workerd: what the worker makes opens on Node (both backends), byte-identical where deterministic'), async (t) => {
  await runtimeToNode(t, call)
})
